#ifndef SITREP_SERVER_SITUATION_SITUATION_ADAPTER_H_
#define SITREP_SERVER_SITUATION_SITUATION_ADAPTER_H_

// Connects the situation index to the log's tail and to snapshot starts:
// the Feed tells it every append first (its tail listener), and asks it for
// the current situation when a Subscribe starts with a snapshot. It also
// notices when a periodic situation snapshot is due and has the executor
// store it, never the log's writer thread.
//
// Thread safety: all methods are safe to call concurrently; OnAppended is
// called on the log's writer thread and only schedules store work.

#include <vector>

#include "server/fanout/feed.h"
#include "server/filter/filter_matcher.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"
#include "server/runtime/executor.h"
#include "server/situation/situation_index.h"
#include "server/situation/situation_snapshotter.h"

namespace sitrep {

class SituationAdapter final : public AppendListener, public SnapshotProvider {
 public:
  // Every argument is borrowed and must outlive the adapter; `snapshots`
  // and `executor` are nullable (no periodic snapshots).
  SituationAdapter(SituationIndex* index, Clock* clock,
                   SituationSnapshotter* snapshots = nullptr,
                   Executor* executor = nullptr)
      : index_(index),
        clock_(clock),
        snapshots_(snapshots),
        executor_(executor) {}

  // AppendListener: gives `entries` and the log's records of their
  // incidents to the index.
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override;
  // SnapshotProvider: the latest update of every current incident that
  // `filter` (nullable: all) matches, unexpired by the clock.
  SituationSnapshot TakeSnapshot(const FilterMatcher* filter) override;

 private:
  // Constant after construction.
  SituationIndex* const index_;
  Clock* const clock_;
  SituationSnapshotter* const snapshots_;
  Executor* const executor_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_SITUATION_ADAPTER_H_
