#ifndef SITREP_SERVER_RUNTIME_FAIR_SCHEDULER_H_
#define SITREP_SERVER_RUNTIME_FAIR_SCHEDULER_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "server/runtime/executor.h"

namespace sitrep {

// Shares an Executor's threads between owners (principals) round-robin, so
// that one owner's thousand queued tasks cannot starve another's (issue 17,
// M-5). Each owner has a lane, a FIFO of its tasks; runner tasks on the
// executor take a turn's tasks from the lane at the front of the ring of
// lanes with work, then move it to the back. An owner's task that becomes
// ready therefore waits for at most one turn of every other owner with work
// (per runner), whatever their number of tasks.
//
// A turn is the tasks at the lane's front up to `tasks_per_turn` tasks or
// `light_tasks_per_turn` light ones, whichever comes first. A light task is
// one bounded step the caller vouches for (a live stream's delivery of what
// is already in memory: one batch encoded, one write started); taking a
// wake-up's light tasks in runs saves a turn's bookkeeping per task and
// keeps one owner's writes close together (issue 24). So an owner holds a
// runner for at most `light_tasks_per_turn` light tasks or `tasks_per_turn`
// others per turn: that is the fairness granularity.
//
// A runner yields its executor thread after `turns_per_run` turns (and
// schedules itself again), so timers and sweeps queued on the executor are
// not held back either.
//
// Thread safety: all methods may be called from any thread, including from
// a task. Tasks of one lane may run concurrently on different runners; a
// task that must not overlap with itself serialises itself.
//
// Lifetime: the executor must stop (or never run its tasks again) before the
// scheduler is destroyed; lanes may outlive it only if nothing schedules on
// them any more.
class FairScheduler {
 public:
  struct Options {
    // Tasks an owner runs per turn (its budget per round).
    size_t tasks_per_turn = 1;
    // Light tasks an owner runs per turn (ScheduleLight).
    size_t light_tasks_per_turn = 16;
    // Turns a runner takes before it gives its executor thread back.
    size_t turns_per_run = 32;
    // Runners at most on the executor at once (its threads).
    size_t max_runners = 2;
  };

  // One owner's queue. Obtained from LaneFor(); opaque.
  class Lane;

  // `executor` is borrowed and must outlive the scheduler.
  FairScheduler(Executor* executor, Options options);
  // Destroys the tasks still queued (a task may hold what holds its lane).
  ~FairScheduler();
  FairScheduler(const FairScheduler&) = delete;
  FairScheduler& operator=(const FairScheduler&) = delete;

  // The lane of `owner`, shared by every holder asking for the same owner
  // while one holds it.
  std::shared_ptr<Lane> LaneFor(const std::string& owner);

  // Runs `task` in `lane`'s next turns, after the lane's earlier tasks.
  void Schedule(const std::shared_ptr<Lane>& lane,
                absl::AnyInvocable<void()> task);

  // Queues light tasks (see above), each in its lane after the lane's
  // earlier tasks, under one lock: a wake-up's many streams at once.
  struct LightTask {
    std::shared_ptr<Lane> lane;
    absl::AnyInvocable<void()> task;
  };
  void ScheduleLight(std::vector<LightTask> tasks);

  // Tasks queued in every lane (for tests and metrics).
  size_t queued() const;

 private:
  void Run();
  // Queues `task` in `lane`; true when a runner must be started.
  bool PushLocked(const std::shared_ptr<Lane>& lane,
                  absl::AnyInvocable<void()> task, bool light)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the front lane's turn to `turn` and the lane to the back of the
  // ring (or out of it). False when no lane has work.
  bool TakeTurnLocked(std::vector<absl::AnyInvocable<void()>>* turn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Executor* const executor_;
  const Options options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<Lane>> lanes_
      ABSL_GUARDED_BY(mu_);
  // Lanes with tasks, in turn order; each at most once.
  std::deque<std::shared_ptr<Lane>> ring_ ABSL_GUARDED_BY(mu_);
  size_t runners_ ABSL_GUARDED_BY(mu_) = 0;
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_FAIR_SCHEDULER_H_
