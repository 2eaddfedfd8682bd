#include "server/http/situation_compact.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/http/query_params.h"

namespace sitrep {

absl::StatusOr<SituationJsonView> SituationViewOf(absl::string_view query) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  SituationJsonView view = SituationJsonView::kFull;
  for (const auto& [name, value] : *params) {
    if (name != "view") continue;
    if (value == "compact") {
      view = SituationJsonView::kCompact;
    } else if (value == "rows") {
      view = SituationJsonView::kRows;
    } else if (value == "full") {
      view = SituationJsonView::kFull;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "view: '", value,
          "' is not a view of the situation; use view=compact (what the "
          "dashboard's list and map show), view=rows (the same as rows of "
          "values) or view=full (the default)"));
    }
  }
  return view;
}

}  // namespace sitrep
