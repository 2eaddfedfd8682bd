// Minimal protobuf wire reading: the bench's clients decode only the
// fields they check (sequence, mission, label "b"), so that the load
// generator is not the bottleneck. Inline: it runs for every delivery.
#ifndef SITREP_BENCH_UPDATE_DECODER_H_
#define SITREP_BENCH_UPDATE_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sitrep::bench {

inline bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const uint8_t b = *(*p)++;
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Calls fn(field, wire_type, varint, data, size) for each field; false on
// malformed input.
template <typename Fn>
bool ForEachField(const uint8_t* p, const uint8_t* end, Fn fn) {
  while (p < end) {
    uint64_t key, v = 0;
    if (!ReadVarint(&p, end, &key)) return false;
    const int field = static_cast<int>(key >> 3);
    const int type = static_cast<int>(key & 7);
    const uint8_t* data = nullptr;
    size_t size = 0;
    switch (type) {
      case 0:
        if (!ReadVarint(&p, end, &v)) return false;
        break;
      case 1:
        if (end - p < 8) return false;
        p += 8;
        break;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        break;
      case 2:
        if (!ReadVarint(&p, end, &v) || static_cast<uint64_t>(end - p) < v) {
          return false;
        }
        data = p;
        size = v;
        p += v;
        break;
      default:
        return false;
    }
    fn(field, type, v, data, size);
  }
  return true;
}

// Decimal digits to a number; -1 when empty or not digits.
inline int64_t ParseDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct DecodedUpdate {
  uint64_t sequence = 0;
  int mission = 0;
  int64_t g = -1;
  int64_t t_ns = 0;
};

inline bool DecodeUpdate(const uint8_t* p, size_t size, DecodedUpdate* out) {
  return ForEachField(p, p + size, [out](int field, int type, uint64_t v,
                                         const uint8_t* data, size_t n) {
    if (field == 100 && type == 0) out->sequence = v;
    if (field == 2 && type == 0) out->mission = static_cast<int>(v);
    if (field == 13 && type == 2) {
      std::string_view key, value;
      ForEachField(data, data + n,
                   [&](int f, int t, uint64_t, const uint8_t* d, size_t m) {
                     if (t != 2) return;
                     std::string_view s(reinterpret_cast<const char*>(d), m);
                     if (f == 1) key = s;
                     if (f == 2) value = s;
                   });
      if (key == "b") {
        const size_t colon = value.find(':');
        if (colon != std::string_view::npos) {
          out->g = ParseDigits(value.substr(0, colon));
          out->t_ns = ParseDigits(value.substr(colon + 1));
        }
      }
    }
  });
}

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_UPDATE_DECODER_H_
