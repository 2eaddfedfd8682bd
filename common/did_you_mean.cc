#include "common/did_you_mean.h"

#include <algorithm>

namespace sitrep {
namespace {

// Code points of `text`; a byte that does not start a valid sequence is
// taken as one code point of its own (this only measures distances).
std::vector<char32_t> CodePoints(absl::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2
                  : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
    if (i + length > text.size()) length = 1;
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        length = 1;
        cp = lead;
        break;
      }
      cp = (cp << 6) | (next & 0x3F);
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

}  // namespace

size_t EditDistance(absl::string_view a, absl::string_view b) {
  const std::vector<char32_t> x = CodePoints(a);
  const std::vector<char32_t> y = CodePoints(b);
  // One row of the dynamic programme: row[j] = distance(x[0..i), y[0..j)).
  std::vector<size_t> row(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    size_t diagonal = row[0];  // distance(x[0..i-1), y[0..j-1))
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[y.size()];
}

size_t MaxTypoDistance(size_t length) {
  if (length <= 4) return 1;
  if (length <= 8) return 2;
  return 3;
}

std::optional<size_t> NearestCandidate(
    absl::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty()) return std::nullopt;
  const size_t limit = MaxTypoDistance(CodePoints(word).size());
  std::optional<size_t> best;
  size_t best_distance = limit + 1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t d = EditDistance(word, candidates[i]);
    if (d < best_distance) {
      best_distance = d;
      best = i;
    }
  }
  return best;
}

}  // namespace sitrep
