// JSON input of `sitrep publish` and `sitrep import`: a PublishRequest or a
// bare SituationUpdate in protobuf's JSON mapping, and the event id derived
// from the content when the input names none.
#ifndef SITREP_CLIENT_UPDATE_JSON_H_
#define SITREP_CLIENT_UPDATE_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// Parses one JSON object: a PublishRequest ({"update": {...},
// "expectedIncidentVersion": "3"}) when it has a top-level "update" key,
// otherwise a bare SituationUpdate ({"mission": "MISSION_KFOR", ...}).
// Field names may be lowerCamelCase or proto names; enums are names in the
// flags' spellings ("kfor", "Severe", "SEVERITY_SEVERE", "ack") or numbers.
// INVALID_ARGUMENT listing every wrong field in the order of the text
// ("not a SituationUpdate ...: mission: 'kforr' is not a mission; accepted:
// ...; severity: ..."), see common/json_input.h.
absl::StatusOr<sitrep::v1::PublishRequest> ParsePublishJson(absl::string_view json);

// "imp-" + the first 32 hex digits of SHA-256 over the deterministic
// serialisation of `request` with event_id cleared. The same content gives
// the same id whatever the JSON's spacing, key order or file name, so
// importing a file twice stores nothing twice (the server answers duplicate).
// Two lines with identical content are the same update.
std::string DeriveEventId(const sitrep::v1::PublishRequest& request);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_UPDATE_JSON_H_
