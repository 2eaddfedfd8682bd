// LabelSelector::Parse over raw bytes (Filter.label_selector as a hostile
// subscriber writes it), then Matches against fixed label maps and one built
// from the input's own words (server/filter/label_selector.h). Checks: an
// error is INVALID_ARGUMENT with a short message that is valid UTF-8 when
// the selector is; tighter limits never accept what the defaults reject and
// never change a result; Matches gives the same answer over std::map,
// absl::flat_hash_map and google::protobuf::Map.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "server/filter/label_selector.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using Labels = std::map<std::string, std::string>;

// Labels that the seeds' selectors ("env in (a,b),!x", "crossing in
// (jarinje, bernjak), !drill", "unit=kp-north", "k=") select or reject.
const std::vector<Labels>& FixedLabels() {
  static const auto* const labels = new std::vector<Labels>{
      {},
      {{"env", "a"}},
      {{"env", "b"}, {"x", "1"}},
      {{"env", "c"}, {"tier", "2"}},
      {{"crossing", "jarinje"}, {"unit", "kp-north"}},
      {{"crossing", "bernjak"}, {"drill", "yes"}},
      {{"k", ""}, {"source/link", "https://kosovopolice.com/1"}},
  };
  return *labels;
}

// Every word of the input as a key whose value is the next word, so that
// "key=value" and "key in (value, ...)" found by the fuzzer can also hold.
Labels LabelsFromWords(absl::string_view text) {
  std::vector<absl::string_view> words = absl::StrSplit(
      text, absl::ByAnyChar(" \t\n\r\f\v,()=!"), absl::SkipEmpty());
  Labels labels;
  for (size_t i = 0; i < words.size() && i < 64; ++i) {
    labels.emplace(std::string(words[i]),
                   i + 1 < words.size() ? std::string(words[i + 1]) : "");
  }
  return labels;
}

bool MatchesEveryMapType(const sitrep::LabelSelector& selector,
                         const Labels& labels, absl::string_view text) {
  const bool by_std = selector.Matches(labels);
  absl::flat_hash_map<std::string, std::string> hashed(labels.begin(),
                                                       labels.end());
  google::protobuf::Map<std::string, std::string> proto(labels.begin(),
                                                        labels.end());
  SITREP_FUZZ_CHECK(
      selector.Matches(hashed) == by_std && selector.Matches(proto) == by_std,
      "Matches depends on the map type for '", text, "'");
  return by_std;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<sitrep::LabelSelector> selector =
      sitrep::LabelSelector::Parse(text);

  sitrep::LabelSelector::Limits tight;
  tight.max_bytes = 64;
  tight.max_requirements = 2;
  tight.max_values_per_set = 2;
  const absl::StatusOr<sitrep::LabelSelector> tightly =
      sitrep::LabelSelector::Parse(text, tight);

  if (!selector.ok()) {
    const absl::Status& s = selector.status();
    SITREP_FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument,
                      "unexpected code: ", s.ToString());
    SITREP_FUZZ_CHECK(s.message().size() <= 512, "message of ",
                      s.message().size(), " bytes: ", s.message());
    SITREP_FUZZ_CHECK(
        !sitrep::fuzz::IsValidUtf8(text) ||
            sitrep::fuzz::IsValidUtf8(s.message()),
        "valid UTF-8 selector, invalid UTF-8 message: ", s.message());
    SITREP_FUZZ_CHECK(!tightly.ok(),
                      "tighter limits accept what the "
                      "defaults reject: ",
                      s.message());
    return 0;
  }
  SITREP_FUZZ_CHECK(selector->size() <= 32, selector->size(),
                    " requirements accepted");
  SITREP_FUZZ_CHECK(selector->empty() == (selector->size() == 0), "empty()");

  std::vector<Labels> maps = FixedLabels();
  maps.push_back(LabelsFromWords(text));
  for (const Labels& labels : maps) {
    const bool matches = MatchesEveryMapType(*selector, labels, text);
    if (selector->empty()) {
      SITREP_FUZZ_CHECK(matches, "an empty selector rejects labels");
    }
    if (tightly.ok()) {
      SITREP_FUZZ_CHECK(tightly->Matches(labels) == matches,
                        "the limits change a result for '", text, "'");
    }
  }
  return 0;
}
