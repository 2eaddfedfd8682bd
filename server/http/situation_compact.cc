#include "server/http/situation_compact.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/http/query_params.h"

namespace sitrep {

absl::StatusOr<bool> WantsCompactSituation(absl::string_view query) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  bool compact = false;
  for (const auto& [name, value] : *params) {
    if (name != "view") continue;
    if (value == "compact") {
      compact = true;
    } else if (value == "full") {
      compact = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "view: '", value,
          "' is not a view of the situation; use view=compact (what the "
          "dashboard's list and map show) or view=full (the default)"));
    }
  }
  return compact;
}

}  // namespace sitrep
