#include "server/runtime/sweep_scheduler.h"

#include <algorithm>
#include <utility>

namespace sitrep {

SweepScheduler::~SweepScheduler() { Stop(); }

void SweepScheduler::Every(absl::Duration interval,
                           absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  Sweep& sweep = sweeps_.emplace_back();
  sweep.interval = interval;
  sweep.task = std::move(task);
  ScheduleLocked(sweep);
  changed_ = true;
}

void SweepScheduler::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void SweepScheduler::RunDueNow() {
  absl::MutexLock lock(&mu_);
  if (!started_ || stopping_) return;
  const uint64_t ticket = ++passes_asked_;
  changed_ = true;
  auto done = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return passes_done_ >= ticket;
  };
  mu_.Await(absl::Condition(&done));
}

void SweepScheduler::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_ = true;
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

void SweepScheduler::ScheduleLocked(Sweep& sweep) {
  sweep.due = clock_->Now() + sweep.interval;
  sweep.wake = absl::Now() + sweep.interval;
}

absl::Time SweepScheduler::EarliestWakeLocked() const {
  absl::Time earliest = absl::InfiniteFuture();
  for (const Sweep& sweep : sweeps_) earliest = std::min(earliest, sweep.wake);
  return earliest;
}

void SweepScheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // Every pass asked for so far is answered by this one: it reads the
    // clock after the ask.
    const uint64_t pass = passes_asked_;
    const bool asked = passes_done_ < pass;
    changed_ = false;
    const absl::Time now = clock_->Now();
    for (size_t i = 0; i < sweeps_.size() && !stopping_; ++i) {
      Sweep& sweep = sweeps_[i];
      const absl::Time real_now = absl::Now();
      if (!asked && sweep.wake > real_now) continue;
      if (sweep.due > now) {
        // Woken early by the clock's measure: sleep for what it says is left.
        sweep.wake = real_now + (sweep.due - now);
        continue;
      }
      absl::AnyInvocable<void()> task = std::move(sweep.task);
      mu_.Unlock();
      task();
      mu_.Lock();
      sweeps_[i].task = std::move(task);
      ScheduleLocked(sweeps_[i]);
    }
    passes_done_ = pass;
    if (stopping_ || changed_) continue;
    if (sweeps_.empty()) {
      mu_.Await(absl::Condition(&changed_));
    } else {
      mu_.AwaitWithDeadline(absl::Condition(&changed_), EarliestWakeLocked());
    }
  }
  // Nobody waits for a pass that will not come.
  passes_done_ = passes_asked_;
}

}  // namespace sitrep
