#ifndef SITREP_SERVER_RUNTIME_EXECUTOR_H_
#define SITREP_SERVER_RUNTIME_EXECUTOR_H_

#include <cstdint>
#include <memory>
#include <queue>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sitrep {

// Runs tasks off the caller's thread: subscriber wake-ups, catch-up reads,
// heartbeat timers, retention and expiry sweeps. A small fixed pool, never a
// thread per subscriber.
//
// Thread safety: all methods may be called from any thread, including from a
// task. Tasks run in FIFO order of scheduling (delayed tasks in order of
// their due time) but concurrently on up to `threads` threads.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` soon. After Shutdown() the task is dropped.
  virtual void Schedule(absl::AnyInvocable<void()> task) = 0;
  // Runs `task` once `delay` has passed. After Shutdown() the task is dropped.
  virtual void ScheduleAfter(absl::Duration delay,
                             absl::AnyInvocable<void()> task) = 0;
};

// A fixed pool of threads. The destructor calls Shutdown().
class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(int threads);
  ~ThreadPoolExecutor() override;

  void Schedule(absl::AnyInvocable<void()> task) override;
  void ScheduleAfter(absl::Duration delay,
                     absl::AnyInvocable<void()> task) override;

  // Drops pending tasks, waits for running ones to end and joins the threads.
  // Idempotent. Must not be called from a task.
  void Shutdown();

 private:
  struct Delayed {
    absl::Time due;
    uint64_t order;  // FIFO among equal due times.
    // Mutable so that it can be moved out of the priority_queue's top().
    mutable absl::AnyInvocable<void()> task;
    bool operator>(const Delayed& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };

  void Work();

  absl::Mutex mu_;
  // Signalled when a task is added or the pool stops.
  absl::CondVar work_changed_;
  std::queue<absl::AnyInvocable<void()>> ready_ ABSL_GUARDED_BY(mu_);
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>>
      delayed_ ABSL_GUARDED_BY(mu_);
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Constant after construction (joined by Shutdown()).
  std::vector<std::thread> threads_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_EXECUTOR_H_
