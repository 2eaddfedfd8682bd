#include "client/terminal_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sitrep::cli {
namespace {

// The length of the UTF-8 sequence at `text[pos]` and its code point, or 0
// when it is not one (a stray or truncated byte). Overlong forms and
// surrogates are escaped too; they never come from the server.
size_t DecodeOne(absl::string_view text, size_t pos, char32_t* cp) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if (lead >= 0xC2 && lead < 0xE0) {
    length = 2;
    *cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead < 0xF0) {
    length = 3;
    *cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead < 0xF5) {
    length = 4;
    *cp = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if ((byte & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (byte & 0x3F);
  }
  if ((length == 3 && *cp < 0x800) || (length == 4 && *cp < 0x10000) ||
      (*cp >= 0xD800 && *cp <= 0xDFFF) || *cp > 0x10FFFF) {
    return 0;
  }
  return length;
}

bool NeedsEscape(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string TerminalSafe(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = 0;
    const size_t length = DecodeOne(text, pos, &cp);
    if (length == 0) {
      absl::StrAppendFormat(&out, "\\x%02X",
                            static_cast<unsigned char>(text[pos]));
      ++pos;
      continue;
    }
    if (!NeedsEscape(cp)) {
      absl::StrAppend(&out, text.substr(pos, length));
    } else if (cp < 0x80) {
      absl::StrAppendFormat(&out, "\\x%02X", static_cast<uint32_t>(cp));
    } else {
      absl::StrAppendFormat(&out, "\\u%04X", static_cast<uint32_t>(cp));
    }
    pos += length;
  }
  return out;
}

}  // namespace sitrep::cli
