// "Did you mean ...?" for names a person typed: the edit distance between two
// strings and the nearest of a list of candidates, when it is near enough to
// be a typo. Shared by the server (municipality names) and both sides' JSON
// input (field names, enum values).
#ifndef SITREP_COMMON_DID_YOU_MEAN_H_
#define SITREP_COMMON_DID_YOU_MEAN_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sitrep {

// Levenshtein distance (insertions, deletions, substitutions) counted in
// UTF-8 code points, so "Северна" vs "Сeверна" is 1, not 2. A byte that is
// not valid UTF-8 counts as one code point. Callers fold case and
// diacritics first; this compares what it is given.
// O(|a| * |b|) time, O(|b|) memory: keep inputs short (names, not texts).
size_t EditDistance(absl::string_view a, absl::string_view b);

// The largest distance still taken for a typo of a word of `length` code
// points: 1 up to 4, 2 up to 8, 3 beyond. A shorter word has fewer letters
// to get wrong, and a looser rule would suggest anything for "kp".
size_t MaxTypoDistance(size_t length);

// The index of the candidate nearest to `word`, if within
// MaxTypoDistance(length of word); the first of equally near ones.
// nullopt when `word` is empty or nothing is near enough (an exact match
// has distance 0 and is returned: callers look up exact names first).
std::optional<size_t> NearestCandidate(absl::string_view word,
                                       const std::vector<std::string>& candidates);

}  // namespace sitrep

#endif  // SITREP_COMMON_DID_YOU_MEAN_H_
