#ifndef SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
#define SITREP_SERVER_HTTP_SITUATION_COMPACT_H_

// GET /v1/situation?view=compact (issue 24, docs/http.md): the situation
// with only what the dashboard's list and map show. With 10,000 open
// incidents the full JSON is 14 MB, most of it what only an incident's
// story shows (descriptions, labels, participants, closed support
// requests, the latest update's envelope); the browser parsed all of it on
// every refresh. The dashboard asks GET /v1/incidents/{id} for the rest
// when one is opened. The full form stays the default for other clients.
//
// The compact JSON is cut out of the full one (SituationJson, which is
// assembled from JSON the index and the log keep per incident): a scan of
// the text that copies the members kept, ~10x cheaper than building the
// incidents as messages and printing them again.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// Whether the query (`a=1&b=2`, no `?`) asks for the compact view:
// `view=compact`; `view=full` or no `view` is the full one. INVALID_ARGUMENT
// names the parameter for any other value.
absl::StatusOr<bool> WantsCompactSituation(absl::string_view query);

// The compact view of `full`, a Situation in protobuf's JSON mapping
// without whitespace between tokens (what SituationJson writes). Each
// incident keeps:
//   incidentId, version, lead, openedAt, openedBy, peakSeverity, category,
//   location, exceptions, the support requests in force (not
//   STATE_CLOSED), and currentTier only without a lead;
//   latest: sequence, mission, severity, category, kind, status,
//   occurredAt, headline, and location only when the incident has none.
// The Situation's other members (sequence, logId, asOf) are copied. Names
// and values are the full view's: a client reads both alike. INTERNAL when
// `full` is not such JSON.
absl::StatusOr<std::string> CompactSituationJson(absl::string_view full);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SITUATION_COMPACT_H_
