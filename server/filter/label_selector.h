#ifndef SITREP_SERVER_FILTER_LABEL_SELECTOR_H_
#define SITREP_SERVER_FILTER_LABEL_SELECTOR_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// A parsed Kubernetes-style label selector: comma-separated requirements, all
// of which must hold.
//
//   key=value, key==value   the label is present with this value
//   key!=value              the label is absent or has another value
//   key in (a, b)           the label is present with one of the values
//   key notin (a, b)        the label is absent or has none of the values
//   key                     the label is present
//   !key                    the label is absent
//
// Whitespace around tokens is ignored. Keys are 1..63 characters of
// [A-Za-z0-9._/-] starting with a letter or digit (the rule the validator
// applies to update labels). Values are up to 256 bytes of anything but
// whitespace, control characters, ',', '(' and ')'; a value may be empty
// after '=', '==' and '!=' ("key=" selects an empty value) but not inside
// a set. An empty (or all-blank) selector has no requirements and matches
// every label map.
//
// Thread safety: immutable after Parse; Matches may be called concurrently.
class LabelSelector {
 public:
  struct Limits {
    // Parse rejects a longer selector before looking at it.
    size_t max_bytes = 4096;
    // Requirements per selector.
    int max_requirements = 32;
    // Values inside one "in (...)" / "notin (...)" set.
    int max_values_per_set = 64;
  };

  // Parses `selector`. INVALID_ARGUMENT says what was expected where, by byte
  // offset, e.g. "expected ')' after 'a,b' at offset 12". The message does not
  // name the field; the caller prefixes it.
  static absl::StatusOr<LabelSelector> Parse(absl::string_view selector,
                                             const Limits& limits);
  static absl::StatusOr<LabelSelector> Parse(absl::string_view selector) {
    return Parse(selector, Limits());
  }

  LabelSelector() = default;  // no requirements: matches everything

  // True when every requirement holds for `labels`, any associative
  // container from std::string to std::string with find()/end()
  // (google::protobuf::Map, std::map, absl::flat_hash_map). Does not
  // allocate.
  template <typename LabelMap>
  bool Matches(const LabelMap& labels) const {
    for (const Requirement& requirement : requirements_) {
      auto it = labels.find(requirement.key);
      if (!Holds(requirement, it == labels.end() ? nullptr : &it->second)) {
        return false;
      }
    }
    return true;
  }

  bool empty() const { return requirements_.empty(); }
  size_t size() const { return requirements_.size(); }

  // A requirement that holds only for a label map that has the label: its
  // key in *key and the values it allows in *values (empty: any value, for
  // `key`). False when every requirement also holds for an absent label
  // (!=, notin, !key). Prefers one that names values. For the Feed's wake
  // keys (wake_keys.h).
  bool PresenceRequirement(std::string* key,
                           std::vector<std::string>* values) const;

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;  // one for kEquals/kNotEquals
  };
  class Parser;  // label_selector.cc

  // `value` is the label's value, or nullptr when the label is absent.
  static bool Holds(const Requirement& requirement, const std::string* value);

  std::vector<Requirement> requirements_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FILTER_LABEL_SELECTOR_H_
