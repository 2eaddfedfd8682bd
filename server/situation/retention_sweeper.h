#ifndef SITREP_SERVER_SITUATION_RETENTION_SWEEPER_H_
#define SITREP_SERVER_SITUATION_RETENTION_SWEEPER_H_

// Applies --retention_max_age / --retention_max_updates to the log
// (docs/design.md, "Retention"). Before each run it stores the situation
// just before the first update the run keeps and bounds the run to it, so
// that GetSituation as_of can rebuild every point retention leaves.
//
//   RetentionSweeper retention(log, snapshotter, clock, policy);
//   absl::StatusOr<uint64_t> removed = retention.RunNow();
//   // The log announces the new oldest to its listener (OnRetained).
//
// Thread safety: RunNow may be called from any thread but the log's writer;
// runs are not serialised here (the log's ApplyRetention is).

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"
#include "server/situation/situation_snapshotter.h"

namespace sitrep {

class RetentionSweeper {
 public:
  // `log`, `snapshots` and `clock` are borrowed and must outlive the
  // sweeper. `policy` is the configured one (its first_kept_at_most is set
  // per run).
  RetentionSweeper(EventLog* log, SituationSnapshotter* snapshots,
                   Clock* clock, RetentionPolicy policy)
      : log_(log), snapshots_(snapshots), clock_(clock), policy_(policy) {}

  // Stores the situation before the cut, applies retention now and logs
  // the outcome. Returns how many updates were removed, or the log's error.
  absl::StatusOr<uint64_t> RunNow();

 private:
  // Stores the situation just before the first update `policy` keeps and
  // bounds the run to it. If that situation cannot be rebuilt, stores the
  // current one instead (the points between the cut and the head then wait
  // for the next periodic snapshot) and lets the run go on: the disk space
  // retention frees matters more.
  void StoreSnapshotBeforeRetention(absl::Time now, RetentionPolicy* policy);

  // Constant after construction.
  EventLog* const log_;
  SituationSnapshotter* const snapshots_;
  Clock* const clock_;
  const RetentionPolicy policy_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_RETENTION_SWEEPER_H_
