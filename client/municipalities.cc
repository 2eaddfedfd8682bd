#include "client/municipalities.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sitrep::cli {
namespace {
#include "client_municipality_data.inc"  // kMunicipalitiesTsv
}  // namespace

const std::vector<MunicipalityName>& Municipalities() {
  static const std::vector<MunicipalityName>* const all = [] {
    auto* out = new std::vector<MunicipalityName>();
    for (absl::string_view line : absl::StrSplit(kMunicipalitiesTsv, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<absl::string_view> cols = absl::StrSplit(line, '\t');
      if (cols.size() < 4 || cols[0] == "id") continue;
      out->push_back({std::string(cols[0]), std::string(cols[1]),
                      std::string(cols[3])});
    }
    return out;
  }();
  return *all;
}

std::string MunicipalityDisplayName(absl::string_view id) {
  if (id.empty()) return "(Kosovo-wide)";
  for (const MunicipalityName& m : Municipalities()) {
    if (m.id == id) {
      if (m.albanian == m.serbian_latin) return m.albanian;
      return absl::StrCat(m.albanian, " / ", m.serbian_latin);
    }
  }
  return std::string(id);
}

}  // namespace sitrep::cli
