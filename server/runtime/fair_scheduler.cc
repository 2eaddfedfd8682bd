#include "server/runtime/fair_scheduler.h"

#include <utility>
#include <vector>

namespace sitrep {

class FairScheduler::Lane {
 public:
  explicit Lane(std::string owner) : owner(std::move(owner)) {}
  const std::string owner;
  struct Task {
    absl::AnyInvocable<void()> run;
    bool light;
  };
  // Guarded by the scheduler's mu_ (a lane belongs to one scheduler).
  std::deque<Task> tasks;
  bool in_ring = false;
};

FairScheduler::FairScheduler(Executor* executor, Options options)
    : executor_(executor), options_(options) {}

FairScheduler::~FairScheduler() {
  std::vector<absl::AnyInvocable<void()>> dropped;
  {
    absl::MutexLock lock(&mu_);
    for (const std::shared_ptr<Lane>& lane : ring_) {
      for (auto& task : lane->tasks) dropped.push_back(std::move(task.run));
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
  bool start_runner;
  {
    absl::MutexLock lock(&mu_);
    start_runner = PushLocked(lane, std::move(task), /*light=*/false);
  }
  if (start_runner) executor_->Schedule([this] { Run(); });
}

void FairScheduler::ScheduleLight(std::vector<LightTask> tasks) {
  size_t start_runners = 0;
  {
    absl::MutexLock lock(&mu_);
    for (LightTask& task : tasks) {
      if (PushLocked(task.lane, std::move(task.task), /*light=*/true)) {
        ++start_runners;
      }
    }
  }
  // Outside mu_: the tasks' captures may be the last owners of anything.
  tasks.clear();
  for (size_t i = 0; i < start_runners; ++i) {
    executor_->Schedule([this] { Run(); });
  }
}

bool FairScheduler::PushLocked(const std::shared_ptr<Lane>& lane,
                               absl::AnyInvocable<void()> task, bool light) {
  lane->tasks.push_back(Lane::Task{std::move(task), light});
  ++queued_;
  if (!lane->in_ring) {
    lane->in_ring = true;
    ring_.push_back(lane);
  }
  if (runners_ < options_.max_runners && runners_ < queued_) {
    ++runners_;
    return true;
  }
  return false;
}

size_t FairScheduler::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

bool FairScheduler::TakeTurnLocked(
    std::vector<absl::AnyInvocable<void()>>* turn) {
  if (ring_.empty()) return false;
  std::shared_ptr<Lane> lane = std::move(ring_.front());
  ring_.pop_front();
  size_t light = 0;
  size_t other = 0;
  // Whichever budget runs out first ends the turn.
  while (!lane->tasks.empty() && light < options_.light_tasks_per_turn &&
         other < options_.tasks_per_turn) {
    Lane::Task& next = lane->tasks.front();
    ++(next.light ? light : other);
    turn->push_back(std::move(next.run));
    lane->tasks.pop_front();
    --queued_;
  }
  if (lane->tasks.empty()) {
    lane->in_ring = false;
  } else {
    ring_.push_back(std::move(lane));
  }
  return true;
}

void FairScheduler::Run() {
  std::vector<absl::AnyInvocable<void()>> turn;
  for (size_t turns = 0; turns < options_.turns_per_run; ++turns) {
    {
      absl::MutexLock lock(&mu_);
      if (!TakeTurnLocked(&turn)) {
        --runners_;
        return;
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
