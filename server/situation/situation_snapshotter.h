#ifndef SITREP_SERVER_SITUATION_SITUATION_SNAPSHOTTER_H_
#define SITREP_SERVER_SITUATION_SITUATION_SNAPSHOTTER_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/log/event_log.h"
#include "server/situation/situation_index.h"

namespace sitrep {

// Stores the live situation in the log now and then, so that GetSituation
// as_of (situation_as_of.h) replays at most `every` updates: once the index
// moved `every` sequences past the last snapshot, and before each retention
// run (so that the points just after the new oldest update stay
// answerable). The snapshot is the index's own state - the fold of the
// live situation - at the index's sequence.
//
// Thread safety: Due may be called from any thread (the log's writer, after
// the index applied an append) and only reads atomics; SnapshotNow may be
// called from any thread and runs one at a time (it writes to the store,
// so never call it on the log's writer thread).
class SituationSnapshotter {
 public:
  // `log` and `index` are borrowed and must outlive this object. `every`:
  // 0 turns the periodic snapshots off (SnapshotNow still works).
  SituationSnapshotter(EventLog* log, const SituationIndex* index,
                       uint64_t every)
      : log_(log), index_(index), every_(every) {}

  // True once per due snapshot, when the index reached `sequence`: the
  // caller then runs SnapshotNow off the writer thread.
  bool Due(uint64_t sequence);

  // Stores the index's situation unless the last snapshot has its sequence.
  absl::Status SnapshotNow() ABSL_LOCKS_EXCLUDED(mu_);

  // Stores the situation as it was after `sequence`, rebuilt from the log
  // (situation_replay.h) - for retention, which stores the one just before
  // the first update it keeps, so that every retained point stays
  // answerable. `now` is the server's clock (unused: a point given by its
  // sequence needs none; kept for callers that judge by time). Costs a rebuild: one snapshot
  // decode plus at most `every` updates replayed (all of the log's before
  // the first snapshot of a store upgraded from a version without them).
  absl::Status SnapshotAt(uint64_t sequence, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t saved() const { return saved_.load(std::memory_order_relaxed); }

 private:
  // Stores `snapshot` (its sequence and received_at set) with the incidents
  // of `taken`.
  absl::Status Save(const SituationIndex::Snapshot& taken,
                    StoredSituation snapshot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  EventLog* const log_;
  const SituationIndex* const index_;
  const uint64_t every_;

  std::atomic<bool> scheduled_{false};
  std::atomic<uint64_t> last_sequence_{0};
  std::atomic<uint64_t> saved_{0};
  // Serialises SnapshotNow.
  absl::Mutex mu_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_SITUATION_SNAPSHOTTER_H_
