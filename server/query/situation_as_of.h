#ifndef SITREP_SERVER_QUERY_SITUATION_AS_OF_H_
#define SITREP_SERVER_QUERY_SITUATION_AS_OF_H_

// GetSituation as_of: the situation as it was at a past point of the log,
// rebuilt as a SituationIndex so that the caller filters it exactly as it
// filters the live one (FeedReads::GetSituation takes both the same way).
//
// This file turns the request into a point of the log (and says what is
// wrong with it); server/situation/situation_replay.h rebuilds the
// situation at that point from the nearest stored snapshot.

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/situation/situation_replay.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// REQUIRES: request.as_of_case() is set. `now` is the server's clock.
// Errors:
//   INVALID_ARGUMENT  as_of_time is after `now`
//   OUT_OF_RANGE      as_of_sequence is beyond the head; or the point is
//                     before the oldest one the store can rebuild (the
//                     message names that point and what retention removed)
//   others            the store's read errors
absl::StatusOr<PastSituation> RebuildSituationAsOf(
    const EventLog& log, const v1::GetSituationRequest& request,
    absl::Time now);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_SITUATION_AS_OF_H_
