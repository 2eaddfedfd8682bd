#include "server/runtime/executor.h"

#include <utility>

#include "absl/time/clock.h"

namespace sitrep {

ThreadPoolExecutor::ThreadPoolExecutor(int threads) {
  if (threads < 1) threads = 1;
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() { Shutdown(); }

void ThreadPoolExecutor::Schedule(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  ready_.push(std::move(task));
  work_changed_.Signal();
}

void ThreadPoolExecutor::ScheduleAfter(absl::Duration delay,
                                       absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  delayed_.push(Delayed{absl::Now() + delay, next_order_++, std::move(task)});
  // Every sleeper may be waiting for a later due time than this one.
  work_changed_.SignalAll();
}

void ThreadPoolExecutor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    work_changed_.SignalAll();
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  absl::MutexLock lock(&mu_);
  // Destroy dropped tasks outside of any worker, in a defined place.
  while (!ready_.empty()) ready_.pop();
  while (!delayed_.empty()) delayed_.pop();
}

void ThreadPoolExecutor::Work() {
  for (;;) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        if (stopping_) return;
        if (!delayed_.empty() && delayed_.top().due <= absl::Now()) {
          task = std::move(delayed_.top().task);
          delayed_.pop();
          break;
        }
        if (!ready_.empty()) {
          task = std::move(ready_.front());
          ready_.pop();
          break;
        }
        // Sleep until a task arrives or the earliest delayed task is due.
        if (delayed_.empty()) {
          work_changed_.Wait(&mu_);
        } else {
          work_changed_.WaitWithDeadline(&mu_, delayed_.top().due);
        }
      }
    }
    task();
  }
}

}  // namespace sitrep
