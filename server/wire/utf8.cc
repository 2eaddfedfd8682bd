#include "server/wire/utf8.h"

namespace sitrep {

const char* DecodeUtf8(absl::string_view text, size_t* pos, char32_t* cp) {
  const auto lead = static_cast<unsigned char>(text[*pos]);
  size_t length;
  if (lead < 0x80) {
    *cp = lead;
    ++*pos;
    return nullptr;
  } else if (lead < 0xC0) {
    return "a continuation byte without a lead byte";
  } else if (lead < 0xC2) {
    return "an overlong encoding";
  } else if (lead < 0xE0) {
    length = 2;
    *cp = lead & 0x1F;
  } else if (lead < 0xF0) {
    length = 3;
    *cp = lead & 0x0F;
  } else if (lead < 0xF8) {
    length = 4;
    *cp = lead & 0x07;
  } else {
    return "a byte that never occurs in UTF-8";
  }
  if (text.size() - *pos < length) return "a truncated sequence";
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[*pos + i]);
    if ((byte & 0xC0) != 0x80) return "a truncated sequence";
    *cp = (*cp << 6) | (byte & 0x3F);
  }
  if ((length == 3 && *cp < 0x800) || (length == 4 && *cp < 0x10000)) {
    return "an overlong encoding";
  }
  if (*cp >= 0xD800 && *cp <= 0xDFFF) return "a UTF-16 surrogate";
  if (*cp > 0x10FFFF) return "a code point above U+10FFFF";
  *pos += length;
  return nullptr;
}

std::optional<Utf8Defect> FindUtf8Defect(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    // ASCII runs need no decoding.
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    char32_t cp = 0;
    if (const char* what = DecodeUtf8(text, &pos, &cp)) {
      return Utf8Defect{pos, what};
    }
  }
  return std::nullopt;
}

}  // namespace sitrep
