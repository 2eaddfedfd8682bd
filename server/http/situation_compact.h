#ifndef SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
#define SITREP_SERVER_HTTP_SITUATION_COMPACT_H_

// GET /v1/situation?view=compact (issue 24, docs/http.md): the view
// parameter. The compact view itself is built from the index
// (server/query/compact_situation.h).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// Whether the query (`a=1&b=2`, no `?`) asks for the compact view:
// `view=compact`; `view=full` or no `view` is the full one. INVALID_ARGUMENT
// names the parameter for any other value.
absl::StatusOr<bool> WantsCompactSituation(absl::string_view query);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
