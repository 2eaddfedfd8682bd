#include "server/situation/situation_snapshotter.h"

#include <utility>

#include "server/situation/situation_replay.h"
#include "server/runtime/proto_time.h"

namespace sitrep {

bool SituationSnapshotter::Due(uint64_t sequence) {
  if (every_ == 0 ||
      sequence < last_sequence_.load(std::memory_order_acquire) + every_) {
    return false;
  }
  bool expected = false;
  return scheduled_.compare_exchange_strong(expected, true);
}

absl::Status SituationSnapshotter::SnapshotNow() {
  absl::MutexLock lock(&mu_);
  // Whatever happens, a later Due may schedule again.
  struct Unschedule {
    std::atomic<bool>* flag;
    ~Unschedule() { flag->store(false, std::memory_order_release); }
  } unschedule{&scheduled_};
  // Expired incidents stay: expiry is judged by the reader at its time.
  SituationIndex::Snapshot taken = index_->TakeAll();
  if (taken.sequence == last_sequence_.load(std::memory_order_acquire) &&
      taken.sequence != 0) {
    return absl::OkStatus();
  }
  StoredSituation snapshot;
  snapshot.sequence = taken.sequence;
  if (taken.sequence > 0) {
    ReadRange range;
    range.first = range.last = taken.sequence;
    range.limit = 1;
    absl::StatusOr<std::vector<LogEntryPtr>> entry = log_->Read(range);
    if (!entry.ok()) return entry.status();
    if (!entry->empty()) {
      snapshot.received_at = FromProtoTime(entry->front()->update.received_at());
    }
  }
  return Save(taken, std::move(snapshot));
}

absl::Status SituationSnapshotter::SnapshotAt(uint64_t sequence,
                                              absl::Time now) {
  (void)now;  // The point is a sequence: expiry is judged by the reader.
  absl::StatusOr<PastSituation> past = RebuildSituationAt(*log_, sequence);
  if (!past.ok()) return past.status();
  absl::MutexLock lock(&mu_);
  StoredSituation snapshot;
  snapshot.sequence = sequence;
  snapshot.received_at = past->at;
  return Save(past->index->TakeAll(), std::move(snapshot));
}

absl::Status SituationSnapshotter::Save(const SituationIndex::Snapshot& taken,
                                        StoredSituation snapshot) {
  snapshot.incidents.reserve(taken.incidents.size());
  for (const SituationIndex::Shown& shown : taken.incidents) {
    snapshot.incidents.push_back(shown.record);
  }
  absl::Status saved = log_->SaveSituationSnapshot(snapshot);
  if (!saved.ok()) return saved;
  // Only the newest matters to SnapshotNow's "already stored" test.
  if (snapshot.sequence > last_sequence_.load(std::memory_order_acquire)) {
    last_sequence_.store(snapshot.sequence, std::memory_order_release);
  }
  saved_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace sitrep
