#include "server/fanout/feed.h"

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
      head_(log->Head()),
      oldest_(log->Oldest()) {}

void Feed::OnAppended(const std::vector<LogEntryPtr>& entries) {
  if (entries.empty()) return;
  if (tail_listener_ != nullptr) tail_listener_->OnAppended(entries);
  ring_.Append(entries);
  uint32_t batch_mask = 0;
  std::vector<std::shared_ptr<FeedWaiter>> wake;
  {
    absl::MutexLock lock(&mu_);
    for (const LogEntryPtr& entry : entries) {
      const int mission = entry->update.mission();
      // With previous's mission: an incident update of another mission may
      // be how the incident leaves a waiter's view (SubscriberCursor).
      batch_mask |= entry->mission_bits;
      if (mission >= 0 && mission < 4) {
        activity_[mission].time = FromProtoTime(entry->update.received_at());
        activity_[mission].sequence = entry->sequence();
      }
    }
    // Publish the head under mu_ so that WaitForNew (which checks the head
    // under mu_) can never miss it.
    head_.store(entries.back()->sequence(), std::memory_order_release);
    for (int mask = 0; mask < kMaskBuckets; ++mask) {
      if ((mask & batch_mask) == 0 || waiters_[mask].empty()) continue;
      if (wake.empty()) {
        wake.swap(waiters_[mask]);
      } else {
        for (auto& waiter : waiters_[mask]) wake.push_back(std::move(waiter));
        waiters_[mask].clear();
      }
    }
  }
  // Wake in chunks so both executor threads share the work; the writer
  // thread only schedules.
  for (size_t i = 0; i < wake.size(); i += options_.wake_chunk) {
    const size_t end = std::min(wake.size(), i + options_.wake_chunk);
    std::vector<std::shared_ptr<FeedWaiter>> chunk(
        std::make_move_iterator(wake.begin() + i),
        std::make_move_iterator(wake.begin() + end));
    executor_->Schedule([chunk = std::move(chunk)]() {
      for (const auto& waiter : chunk) waiter->OnNewData();
    });
  }
}

void Feed::OnRetention() {
  const uint64_t oldest = log_->Oldest();
  oldest_.store(oldest, std::memory_order_release);
  ring_.TrimBefore(oldest);
}

bool Feed::WaitForNew(std::shared_ptr<FeedWaiter> waiter, uint64_t after,
                      uint32_t mission_mask) {
  absl::MutexLock lock(&mu_);
  if (head_.load(std::memory_order_acquire) > after) return false;
  waiters_[mission_mask & (kMaskBuckets - 1)].push_back(std::move(waiter));
  return true;
}

void Feed::CancelWait(const FeedWaiter* waiter) {
  absl::MutexLock lock(&mu_);
  for (auto& bucket : waiters_) {
    for (size_t i = 0; i < bucket.size(); ++i) {
      if (bucket[i].get() == waiter) {
        bucket[i] = std::move(bucket.back());
        bucket.pop_back();
        return;
      }
    }
  }
}

std::vector<v1::MissionActivity> Feed::MissionActivity() const {
  std::vector<v1::MissionActivity> result;
  absl::MutexLock lock(&mu_);
  for (int mission = 1; mission < 4; ++mission) {
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
  size_t n = 0;
  for (const auto& bucket : waiters_) n += bucket.size();
  return n;
}

}  // namespace sitrep
