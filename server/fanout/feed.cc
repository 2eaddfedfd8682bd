#include "server/fanout/feed.h"

#include <algorithm>
#include <utility>

#include "server/runtime/proto_time.h"

namespace sitrep {

Feed::Feed(EventLog* log, Executor* executor, AppendListener* tail_listener,
           SnapshotProvider* snapshots, Options options)
    : log_(log),
      executor_(executor),
      tail_listener_(tail_listener),
      snapshots_(snapshots),
      options_(options),
      ring_(options.ring_capacity),
      scheduler_(executor, options.scheduler),
      head_(log->Head()),
      oldest_(log->Oldest()) {}

void Feed::OnAppended(const std::vector<LogEntryPtr>& entries,
                      const std::vector<IncidentRecordPtr>& incidents) {
  if (entries.empty()) return;
  if (tail_listener_ != nullptr) tail_listener_->OnAppended(entries, incidents);
  ring_.Append(entries);
  std::vector<WakeIndex::Woken> wake;
  {
    absl::MutexLock lock(&mu_);
    append_keys_.clear();
    const bool any_waiting = !waiters_.empty();
    for (const LogEntryPtr& entry : entries) {
      const int mission = entry->update.mission();
      if (mission >= 0 && mission < MissionSet::kCount) {
        activity_[mission].time = FromProtoTime(entry->update.received_at());
        activity_[mission].sequence = entry->sequence();
      }
      if (!any_waiting) continue;
      // With previous's keys: an incident update that no longer matches may
      // be how the incident leaves a waiter's view (SubscriberCursor).
      AppendWakeKeys(entry->update, &append_keys_);
      if (entry->previous != nullptr) {
        AppendWakeKeys(*entry->previous, &append_keys_);
      }
    }
    if (any_waiting) {
      // Each key once: its bucket also lists the filed waiters not waiting.
      std::sort(append_keys_.begin(), append_keys_.end());
      append_keys_.erase(
          std::unique(append_keys_.begin(), append_keys_.end()),
          append_keys_.end());
      waiters_.Take(append_keys_, &wake);
    }
    // Publish the head under mu_ so that WaitForNew (which checks the head
    // under mu_) can never miss it.
    head_.store(entries.back()->sequence(), std::memory_order_release);
  }
  Wake(std::move(wake));
}

void Feed::Wake(std::vector<WakeIndex::Woken> wake) {
  std::vector<FairScheduler::LightTask> in_lanes;
  std::vector<std::shared_ptr<FeedWaiter>> plain;
  in_lanes.reserve(wake.size());
  for (WakeIndex::Woken& woken : wake) {
    if (woken.lane == nullptr) {
      plain.push_back(std::move(woken.waiter));
      continue;
    }
    in_lanes.push_back(FairScheduler::LightTask{
        std::move(woken.lane),
        [waiter = std::move(woken.waiter)] { waiter->OnNewData(); }});
  }
  if (!in_lanes.empty()) scheduler_.ScheduleLight(std::move(in_lanes));
  // Wake in chunks so both executor threads share the work; the writer
  // thread only schedules.
  for (size_t i = 0; i < plain.size(); i += options_.wake_chunk) {
    const size_t end = std::min(plain.size(), i + options_.wake_chunk);
    std::vector<std::shared_ptr<FeedWaiter>> chunk(
        std::make_move_iterator(plain.begin() + i),
        std::make_move_iterator(plain.begin() + end));
    executor_->Schedule([chunk = std::move(chunk)]() {
      for (const auto& waiter : chunk) waiter->OnNewData();
    });
  }
}

void Feed::OnRetained(uint64_t oldest) {
  // Only forward: two runs told out of order must not move it back.
  uint64_t seen = oldest_.load(std::memory_order_acquire);
  while (seen < oldest &&
         !oldest_.compare_exchange_weak(seen, oldest,
                                        std::memory_order_acq_rel)) {
  }
  ring_.TrimBefore(oldest);
  if (tail_listener_ != nullptr) tail_listener_->OnRetained(oldest);
}

bool Feed::WaitForNew(std::shared_ptr<FeedWaiter> waiter, uint64_t after,
                      MissionSet missions) {
  return WaitForNew(std::move(waiter), after, MissionWakeKeys(missions));
}

bool Feed::WaitForNew(std::shared_ptr<FeedWaiter> waiter, uint64_t after,
                      absl::Span<const WakeKey> wake_keys,
                      const std::shared_ptr<FairScheduler::Lane>& lane,
                      uint64_t group) {
  static const WakeKey kAny[] = {AnyUpdateWakeKey()};
  if (wake_keys.empty()) wake_keys = kAny;
  absl::MutexLock lock(&mu_);
  if (head_.load(std::memory_order_acquire) > after) return false;
  waiters_.Add(std::move(waiter), wake_keys, lane, group);
  return true;
}

void Feed::CancelWait(const FeedWaiter* waiter) {
  std::shared_ptr<FeedWaiter> held;  // released after mu_
  absl::MutexLock lock(&mu_);
  held = waiters_.Forget(waiter);
}

std::optional<uint64_t> Feed::EndWait(const FeedWaiter* waiter) {
  std::shared_ptr<FeedWaiter> held;  // released after mu_
  absl::MutexLock lock(&mu_);
  held = waiters_.Disarm(waiter);
  if (held == nullptr) return std::nullopt;
  return head_.load(std::memory_order_acquire);
}

std::vector<v1::MissionActivity> Feed::MissionActivity() const {
  std::vector<v1::MissionActivity> result;
  absl::MutexLock lock(&mu_);
  for (int mission = 1; mission < MissionSet::kCount; ++mission) {
    const Activity& activity = activity_[mission];
    if (activity.sequence == 0) continue;
    v1::MissionActivity& out = result.emplace_back();
    out.set_mission(static_cast<v1::Mission>(mission));
    out.set_last_sequence(activity.sequence);
    *out.mutable_last_update_time() = ToProtoTime(activity.time);
  }
  return result;
}

size_t Feed::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

}  // namespace sitrep
