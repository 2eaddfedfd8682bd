#include "server/situation/situation_adapter.h"

#include <string>

#include "server/runtime/logging.h"

namespace sitrep {

void SituationAdapter::OnAppended(
    const std::vector<LogEntryPtr>& entries,
    const std::vector<IncidentRecordPtr>& incidents) {
  index_->Apply(entries, incidents);
  // The store write runs on the executor, never on the log's writer.
  if (snapshots_ != nullptr && executor_ != nullptr && !entries.empty() &&
      snapshots_->Due(entries.back()->sequence())) {
    executor_->Schedule([snapshots = snapshots_] {
      if (absl::Status saved = snapshots->SnapshotNow(); !saved.ok()) {
        LogWarning("situation", "situation snapshot not stored",
                   {{"error", std::string(saved.message())}});
      }
    });
  }
}

SituationSnapshot SituationAdapter::TakeSnapshot(const FilterMatcher* filter) {
  SituationIndex::Snapshot snapshot = index_->Take(filter, clock_->Now());
  SituationSnapshot result;
  result.sequence = snapshot.sequence;
  result.updates.reserve(snapshot.incidents.size());
  for (const SituationIndex::Shown& shown : snapshot.incidents) {
    result.updates.push_back(shown.latest);
  }
  return result;
}

}  // namespace sitrep
