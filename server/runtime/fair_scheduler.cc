#include "server/runtime/fair_scheduler.h"

#include <utility>
#include <vector>

namespace sitrep {

class FairScheduler::Lane {
 public:
  explicit Lane(std::string owner) : owner(std::move(owner)) {}
  const std::string owner;
  // Guarded by the scheduler's mu_ (a lane belongs to one scheduler).
  std::deque<absl::AnyInvocable<void()>> tasks;
  bool in_ring = false;
};

FairScheduler::FairScheduler(Executor* executor, Options options)
    : executor_(executor), options_(options) {}

FairScheduler::~FairScheduler() {
  std::vector<absl::AnyInvocable<void()>> dropped;
  {
    absl::MutexLock lock(&mu_);
    for (const std::shared_ptr<Lane>& lane : ring_) {
      for (auto& task : lane->tasks) dropped.push_back(std::move(task));
      lane->tasks.clear();
      lane->in_ring = false;
    }
    ring_.clear();
  }
  // Outside mu_: a task's captures may be the last owners of anything.
}

std::shared_ptr<FairScheduler::Lane> FairScheduler::LaneFor(
    const std::string& owner) {
  absl::MutexLock lock(&mu_);
  std::weak_ptr<Lane>& slot = lanes_[owner];
  if (std::shared_ptr<Lane> lane = slot.lock()) return lane;
  // Forget owners nobody holds any more, so the map stays as small as the
  // set of owners with open streams.
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    if (it->first != owner && it->second.expired()) {
      lanes_.erase(it++);
    } else {
      ++it;
    }
  }
  auto lane = std::make_shared<Lane>(owner);
  lanes_[owner] = lane;
  return lane;
}

void FairScheduler::Schedule(const std::shared_ptr<Lane>& lane,
                             absl::AnyInvocable<void()> task) {
  bool start_runner = false;
  {
    absl::MutexLock lock(&mu_);
    lane->tasks.push_back(std::move(task));
    ++queued_;
    if (!lane->in_ring) {
      lane->in_ring = true;
      ring_.push_back(lane);
    }
    if (runners_ < options_.max_runners && runners_ < queued_) {
      ++runners_;
      start_runner = true;
    }
  }
  if (start_runner) executor_->Schedule([this] { Run(); });
}

size_t FairScheduler::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

void FairScheduler::Run() {
  std::vector<absl::AnyInvocable<void()>> turn;
  for (size_t turns = 0; turns < options_.turns_per_run; ++turns) {
    {
      absl::MutexLock lock(&mu_);
      if (ring_.empty()) {
        --runners_;
        return;
      }
      std::shared_ptr<Lane> lane = std::move(ring_.front());
      ring_.pop_front();
      while (turn.size() < options_.tasks_per_turn && !lane->tasks.empty()) {
        turn.push_back(std::move(lane->tasks.front()));
        lane->tasks.pop_front();
        --queued_;
      }
      if (lane->tasks.empty()) {
        lane->in_ring = false;
      } else {
        ring_.push_back(std::move(lane));
      }
    }
    for (auto& task : turn) task();
    turn.clear();
  }
  {
    absl::MutexLock lock(&mu_);
    if (ring_.empty()) {
      --runners_;
      return;
    }
  }
  // Give the thread back to the executor's other tasks, then go on.
  executor_->Schedule([this] { Run(); });
}

}  // namespace sitrep
