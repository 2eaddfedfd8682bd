#ifndef SITREP_TESTS_SUPPORT_MANUAL_EXECUTOR_H_
#define SITREP_TESTS_SUPPORT_MANUAL_EXECUTOR_H_

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/runtime/executor.h"

namespace sitrep::testing {

// Runs queued tasks only when the test says so: deterministic fan-out.
// Delayed tasks are kept apart and run only by RunDelayed().
class ManualExecutor final : public Executor {
 public:
  void Schedule(absl::AnyInvocable<void()> task) override {
    absl::MutexLock lock(&mu_);
    ready_.push_back(std::move(task));
  }
  void ScheduleAfter(absl::Duration, absl::AnyInvocable<void()> task) override {
    absl::MutexLock lock(&mu_);
    delayed_.push_back(std::move(task));
  }
  // Runs ready tasks (including ones they schedule) until none is left;
  // returns how many ran.
  int RunReady() {
    int ran = 0;
    for (;;) {
      absl::AnyInvocable<void()> task;
      {
        absl::MutexLock lock(&mu_);
        if (ready_.empty()) return ran;
        task = std::move(ready_.front());
        ready_.pop_front();
      }
      task();
      ++ran;
    }
  }
  // Runs the delayed tasks scheduled so far, whatever their delay (the test
  // moves its FakeClock), then the ready ones; returns how many ran.
  int RunDelayed() {
    std::deque<absl::AnyInvocable<void()>> due;
    {
      absl::MutexLock lock(&mu_);
      due.swap(delayed_);
    }
    for (auto& task : due) task();
    return static_cast<int>(due.size()) + RunReady();
  }
  size_t pending() const {
    absl::MutexLock lock(&mu_);
    return ready_.size();
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> ready_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::AnyInvocable<void()>> delayed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_MANUAL_EXECUTOR_H_
