#ifndef SITREP_SERVER_SITUATION_SITUATION_REPLAY_H_
#define SITREP_SERVER_SITUATION_SITUATION_REPLAY_H_

// The situation at a past point of the log, rebuilt as a SituationIndex:
// from the nearest StoredSituation at or before the point
// (EventLog::SaveSituationSnapshot; SituationSnapshotter writes them) - or
// from the empty situation before sequence 1 - by applying the updates
// after it with SituationIndex::Apply, the fold the live index uses. Its
// cost is one snapshot decode plus at most the updates between two
// snapshots (docs/performance.md). GetSituation as_of
// (query/situation_as_of.h) and the snapshot retention stores before its
// cut both use it.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/situation/situation_index.h"

namespace sitrep {

struct PastSituation {
  // Exactly the incidents open after `index->sequence()` (expired ones
  // included: Take them at `at`).
  std::unique_ptr<SituationIndex> index;
  // When expiry is judged: as_of_time, or the received_at of the update at
  // as_of_sequence (the epoch for sequence 0).
  absl::Time at = absl::UnixEpoch();
};

// The situation after `sequence` (at most the head), `at` the received_at
// of the update at `sequence`. `oldest` is log.Oldest() and `snapshots`
// log.ListSituationSnapshots() as the caller read them; `asked` names the
// point in errors ("as_of_sequence 12").
// Errors:
//   OUT_OF_RANGE  the point is before the oldest one the store can rebuild
//                 (BeforeRetentionError)
//   others        the store's read errors
absl::StatusOr<PastSituation> ReplaySituationTo(
    const EventLog& log, uint64_t sequence, uint64_t oldest,
    const std::vector<uint64_t>& snapshots, absl::string_view asked);

// The same for a point the caller knows is at most the head, reading
// `oldest` and the snapshots itself (SituationSnapshotter::SnapshotAt).
absl::StatusOr<PastSituation> RebuildSituationAt(const EventLog& log,
                                                 uint64_t sequence);

// OUT_OF_RANGE: `asked` is before the oldest point this store can rebuild;
// names that point and what retention removed.
absl::Status BeforeRetentionError(absl::string_view asked, uint64_t oldest,
                                  const std::vector<uint64_t>& snapshots);

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_SITUATION_REPLAY_H_
