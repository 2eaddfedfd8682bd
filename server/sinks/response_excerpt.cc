#include "server/sinks/response_excerpt.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace sitrep {
namespace {

constexpr absl::string_view kRedacted = "[redacted]";
// A cut-off secret is redacted from this many bytes on: shorter prefixes of
// a random token give nothing away, and would redact ordinary text.
constexpr size_t kMinSecretPrefix = 8;

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

// Replaces the credentials after each "Bearer " (any case).
std::string RedactBearer(absl::string_view text) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t found = std::string::npos;
    for (size_t i = pos; i + 7 <= text.size(); ++i) {
      if (absl::EqualsIgnoreCase(text.substr(i, 7), "bearer ")) {
        found = i;
        break;
      }
    }
    if (found == std::string::npos) break;
    size_t end = found + 7;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    absl::StrAppend(&out, text.substr(pos, found + 7 - pos));
    if (end > found + 7) absl::StrAppend(&out, kRedacted);
    pos = end;
  }
  absl::StrAppend(&out, text.substr(pos));
  return out;
}

// Where `text` ends with the first kMinSecretPrefix+ bytes of `secret`, as
// a body cut in the middle of an echoed secret does: that tail is removed.
void RedactCutSecret(std::string* text, absl::string_view secret) {
  const size_t longest = std::min(text->size(), secret.size());
  for (size_t n = longest; n >= std::min(kMinSecretPrefix, secret.size()) &&
                           n > 0;
       --n) {
    if (absl::EndsWith(*text, secret.substr(0, n))) {
      text->resize(text->size() - n);
      absl::StrAppend(text, kRedacted);
      return;
    }
  }
}

}  // namespace

std::string ResponseExcerpt(absl::string_view body,
                            const std::vector<std::string>& secrets,
                            size_t max_bytes) {
  std::string text(body);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    text = absl::StrReplaceAll(text, {{secret, kRedacted}});
    RedactCutSecret(&text, secret);
  }
  text = RedactBearer(text);
  bool cut = false;
  if (text.size() > max_bytes) {
    size_t end = max_bytes;
    // Back to the start of a UTF-8 sequence.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    text.resize(end);
    cut = true;
  }
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  if (cut) text.append("…");
  return text;
}

}  // namespace sitrep
