#ifndef SITREP_SERVER_FANOUT_FEED_H_
#define SITREP_SERVER_FANOUT_FEED_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/fanout/update_ring.h"
#include "server/fanout/wake_index.h"
#include "server/filter/filter_matcher.h"
#include "server/log/event_log.h"
#include "server/runtime/executor.h"
#include "server/runtime/fair_scheduler.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// Something that waits for the log's head to move (a subscriber cursor that
// reached the head).
class FeedWaiter {
 public:
  virtual ~FeedWaiter() = default;
  // Called once per registration, on an executor thread, after an update
  // the waiter may care about was appended: as a light task in the lane it
  // was filed with (FairScheduler::ScheduleLight), so it must do no more
  // than one bounded step of in-memory work; without a lane, in a plain
  // executor task.
  virtual void OnNewData() = 0;
};

// The current situation's updates as of a sequence, for snapshot starts.
struct SituationSnapshot {
  // The latest update of every current incident matching the filter, in
  // order of sequence.
  std::vector<LogEntryPtr> updates;
  // The snapshot is the situation after applying every update <= sequence.
  uint64_t sequence = 0;
};

class SnapshotProvider {
 public:
  virtual ~SnapshotProvider() = default;
  // Thread-safe. `filter` may be null (everything).
  virtual SituationSnapshot TakeSnapshot(const FilterMatcher* filter) = 0;
};

// Example (the server's wiring; a reader then takes entries through a
// SubscriberCursor, subscriber_cursor.h, and parks on WaitForNew at the head):
//
//   Feed feed(log.get(), &executor, &situation_adapter, &situation_adapter);
//   log->SetAppendListener(&feed);       // the Feed is the log's listener
//   ...
//   // A cursor with nothing to send waits; OnNewData() runs on the
//   // executor once an update it may care about is appended.
//   if (!feed.WaitForNew(waiter, cursor, keys)) { /* the head moved: go on */ }
//
// Carries the log's tail to subscriber cursors: keeps the ring cache of
// recent entries, the head and oldest sequences, and the cursors waiting for
// new data. It is the log's AppendListener.
//
// The publish path (the log's writer thread, in OnAppended) only appends to
// the ring, updates the head and schedules wake-ups; it never runs
// subscriber code. Waiters are filed by wake keys (wake_index.h), so an
// append wakes only those that share a key with one of its updates. A
// waiter filed with a lane is woken in it directly, as a light task (one
// lock for the whole wake-up, no hop through an executor task first): the
// subscriber work runs on the FairScheduler, round-robin by principal
// (issue 17, M-5).
//
// Thread safety: all methods are safe to call concurrently.
class Feed final : public AppendListener {
 public:
  struct Options {
    // Entries kept in memory; older ones are read from the store.
    size_t ring_capacity = 16384;
    // Waiters without a lane woken per executor task.
    size_t wake_chunk = 64;
    // How subscriber streams share the executor (FairScheduler).
    FairScheduler::Options scheduler;
  };

  // `log` and `executor` are borrowed and must outlive the Feed;
  // `tail_listener` (nullable, borrowed) is told about every append before
  // any waiter is woken (the situation index).
  Feed(EventLog* log, Executor* executor, AppendListener* tail_listener,
       SnapshotProvider* snapshots, Options options);
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // AppendListener: runs on the log's writer thread.
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override;

  // AppendListener: the log's retention removed everything before `oldest`.
  // Drops those entries from the ring and tells `tail_listener`.
  void OnRetained(uint64_t oldest) override;

  uint64_t head() const { return head_.load(std::memory_order_acquire); }
  uint64_t oldest() const { return oldest_.load(std::memory_order_acquire); }
  const std::string& log_id() const { return log_->log_id(); }
  EventLog& log() const { return *log_; }
  const UpdateRing& ring() const { return ring_; }
  Executor& executor() const { return *executor_; }
  SnapshotProvider* snapshots() const { return snapshots_; }
  // Where subscriber streams run their work: the executor, shared
  // round-robin between principals.
  FairScheduler& scheduler() { return scheduler_; }

  // Registers `waiter` to be told (once) when an update with a mission in
  // `missions` is appended after `after`. Returns
  // false without registering when head() > after already: the caller has
  // unread entries and should read them instead.
  bool WaitForNew(std::shared_ptr<FeedWaiter> waiter, uint64_t after,
                  MissionSet missions);
  // The same, told only when an appended update (or its incident's
  // previous update) carries one of `wake_keys` (FilterMatcher::WakeKeys()),
  // in `lane` (nullable; the waiter must hold it) as a light task; the
  // waiters of one wake-up are scheduled grouped by `group` (the caller's
  // transport connection: wake_index.h says why).
  // The waiter stays filed (unarmed) after it is told, until CancelWait:
  // a waiter that ever waited must CancelWait before it is destroyed.
  bool WaitForNew(std::shared_ptr<FeedWaiter> waiter, uint64_t after,
                  absl::Span<const WakeKey> wake_keys,
                  const std::shared_ptr<FairScheduler::Lane>& lane = nullptr,
                  uint64_t group = 0);
  // Removes a registration and the waiter's filing, if any.
  void CancelWait(const FeedWaiter* waiter);
  // Removes a registration. If `waiter` was still registered, returns the
  // head: no update after the `after` it registered with, up to that head,
  // carried one of its keys, so its cursor may move there without reading
  // them (a quiet stream's heartbeat). nullopt when it was not registered.
  std::optional<uint64_t> EndWait(const FeedWaiter* waiter);

  // The latest update time and sequence of each mission seen by this Feed.
  std::vector<v1::MissionActivity> MissionActivity() const;

  // How many waiters are registered and not yet told (for tests and
  // metrics).
  size_t waiting() const;

 private:
  // Schedules the woken waiters: in their lanes, or in executor tasks.
  void Wake(std::vector<WakeIndex::Woken> wake);

  // Constant after construction.
  EventLog* const log_;
  Executor* const executor_;
  AppendListener* const tail_listener_;
  SnapshotProvider* const snapshots_;
  const Options options_;

  UpdateRing ring_;
  FairScheduler scheduler_;
  std::atomic<uint64_t> head_;
  std::atomic<uint64_t> oldest_;

  mutable absl::Mutex mu_;
  WakeIndex waiters_ ABSL_GUARDED_BY(mu_);
  // OnAppended's scratch (it runs on the writer thread only, under mu_).
  std::vector<WakeKey> append_keys_ ABSL_GUARDED_BY(mu_);
  struct Activity {
    absl::Time time = absl::InfinitePast();
    uint64_t sequence = 0;
  };
  std::array<Activity, MissionSet::kCount> activity_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_FEED_H_
