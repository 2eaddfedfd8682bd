#ifndef SITREP_SERVER_QUERY_INCIDENT_STORY_H_
#define SITREP_SERVER_QUERY_INCIDENT_STORY_H_

// GetIncident: one incident's thread with the incident's state after each
// update, read from the log.
//
//   absl::StatusOr<v1::IncidentThread> thread =
//       ReadIncidentStory(log, "kp-2024-0117",
//                         MissionSet::FromBits(principal.read_missions));
//
// The thread is found from the incident's record (EventLog::LoadIncident)
// and read back along LogEntry::previous, one point read per update, so it
// costs the same on every backend whatever the log's length. The states are
// replayed with FoldIntoIncident, the function the log itself folds with.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/log/event_log.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// At most this many updates of one thread are returned (the newest).
inline constexpr uint64_t kMaxIncidentStorySteps = 10000;

// `readable_missions`: the caller's read rights (Principal::read_missions).
// Updates of other missions are left out of the steps, the incident's
// `latest` is the latest readable one, and the reasons of their chain
// exceptions are blanked. NOT_FOUND "not found or not permitted" when the
// incident does not exist or none of its updates is readable.
absl::StatusOr<v1::IncidentThread> ReadIncidentStory(
    const EventLog& log, const std::string& incident_id,
    MissionSet readable_missions);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_INCIDENT_STORY_H_
