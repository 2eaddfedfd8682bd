#ifndef SITREP_SERVER_QUERY_SITUATION_AS_OF_H_
#define SITREP_SERVER_QUERY_SITUATION_AS_OF_H_

// GetSituation as_of: the situation as it was at a past point of the log,
// rebuilt as a SituationIndex so that the caller filters it exactly as it
// filters the live one (FeedReads::GetSituation takes both the same way).
//
// The rebuild starts from the nearest StoredSituation at or before
// the point (EventLog::SaveSituationSnapshot; SituationSnapshotter writes
// them) - or from the empty situation before sequence 1 - and applies the
// updates after it with SituationIndex::Apply, the fold the live index
// uses. Its cost is one snapshot decode plus at most the updates between
// two snapshots (docs/performance.md).

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/query/situation_index.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

struct PastSituation {
  // Exactly the incidents open after `index->sequence()` (expired ones
  // included: Take them at `at`).
  std::unique_ptr<SituationIndex> index;
  // When expiry is judged: as_of_time, or the received_at of the update at
  // as_of_sequence (the epoch for sequence 0).
  absl::Time at = absl::UnixEpoch();
};

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
