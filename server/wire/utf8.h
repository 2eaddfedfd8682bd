#ifndef SITREP_SERVER_WIRE_UTF8_H_
#define SITREP_SERVER_WIRE_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace sitrep {

// UTF-8 as RFC 3629 defines it, which is what protobuf requires of a proto3
// string: no overlong forms, no UTF-16 surrogates (the CESU-8/WTF-8 encoding
// of a lone surrogate that JavaScript strings can hold), nothing above
// U+10FFFF. Shared by the validator and the wire walker, so that both
// describe a defect the same way.

// Decodes one code point of `text` at `*pos` and advances `*pos` past it.
// Returns nullptr on success and a description of the defect otherwise
// ("a UTF-16 surrogate"), leaving `*pos` at the defect.
// REQUIRES: *pos < text.size().
const char* DecodeUtf8(absl::string_view text, size_t* pos, char32_t* cp);

// The first defect of `text`, or nullopt when it is valid UTF-8.
struct Utf8Defect {
  size_t offset;     // of the first byte of the bad sequence
  const char* what;  // as DecodeUtf8 describes it
};
std::optional<Utf8Defect> FindUtf8Defect(absl::string_view text);

}  // namespace sitrep

#endif  // SITREP_SERVER_WIRE_UTF8_H_
