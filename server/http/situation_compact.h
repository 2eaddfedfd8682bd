#ifndef SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
#define SITREP_SERVER_HTTP_SITUATION_COMPACT_H_

// GET /v1/situation?view=compact|rows (issue 24, docs/http.md): the view
// parameter. The compact views themselves are built from the index
// (server/query/compact_situation.h).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/query/compact_situation.h"

namespace sitrep {

// The view the query (`a=1&b=2`, no `?`) asks for: `view=compact`,
// `view=rows`, or `view=full` (also without `view`). INVALID_ARGUMENT names
// the parameter for any other value.
absl::StatusOr<SituationJsonView> SituationViewOf(absl::string_view query);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
