#ifndef SITREP_TESTS_SUPPORT_WIRE_BYTES_H_
#define SITREP_TESTS_SUPPORT_WIRE_BYTES_H_

// Hand-made protobuf wire bytes for tests: the encoding written out, so
// that a test can send what no generated encoder would.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sitrep::testing {

inline std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

inline std::string Tag(int number, int wire_type) {
  return Varint((static_cast<uint64_t>(number) << 3) | wire_type);
}

// A length-delimited field: a string, bytes, a message or a packed run.
inline std::string Field(int number, absl::string_view bytes) {
  return Tag(number, 2) + Varint(bytes.size()) + std::string(bytes);
}

inline std::string VarintField(int number, uint64_t value) {
  return Tag(number, 0) + Varint(value);
}

// A lone surrogate (U+D800) as CESU-8/WTF-8 encode it, which is what a
// JavaScript string holding one becomes without toWellFormed().
inline constexpr absl::string_view kLoneSurrogate = "\xED\xA0\x80";

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_WIRE_BYTES_H_
