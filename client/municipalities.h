// Display names of Kosovo's 38 municipalities, from the embedded
// data/kosovo-municipalities.tsv. The server normalises spellings; the CLI only
// needs id -> name for tables and the list for the demo feed.
#ifndef SITREP_CLIENT_MUNICIPALITIES_H_
#define SITREP_CLIENT_MUNICIPALITIES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sitrep::cli {

struct MunicipalityName {
  std::string id;             // "zvecan"
  std::string albanian;       // "Zveçan"
  std::string serbian_latin;  // "Zvečan"
};

// All 38, in the order of the data file. Lives forever; thread-safe.
const std::vector<MunicipalityName>& Municipalities();

// "Zveçan / Zvečan" for a canonical id (one name when both are the same);
// `id` itself when unknown; "(Kosovo-wide)" when empty.
std::string MunicipalityDisplayName(absl::string_view id);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_MUNICIPALITIES_H_
