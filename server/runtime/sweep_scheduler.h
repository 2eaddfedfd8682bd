#ifndef SITREP_SERVER_RUNTIME_SWEEP_SCHEDULER_H_
#define SITREP_SERVER_RUNTIME_SWEEP_SCHEDULER_H_

// Runs the server's background sweeps (expiry, retention, the store probe)
// on one small thread of their own, so that a long retention run never
// holds one of the executor's threads that subscriber wake-ups and
// catch-up reads need.
//
//   SweepScheduler sweeps(clock);
//   sweeps.Every(absl::Hours(1), [&] { (void)RunRetention(); });
//   sweeps.Start();
//   ...
//   sweeps.Stop();  // waits for a running sweep, drops the rest
//
// Time is the injected Clock's: a task is due `interval` after it was
// scheduled (or last ran) by `clock->Now()`. The thread sleeps, in real
// time, for what the clock says is left; when it wakes for a sweep that the
// clock says is not due yet (a test's clock that did not move), it sleeps
// again for what is left. So with the real clock a sweep runs on time, and
// with a test's clock it runs only once that clock passed its due time and
// either the real time passed too or the test calls RunDueNow(): a test
// that moves its clock far ahead is not raced by a background sweep.
//
// Thread safety: all methods may be called from any thread but a task's;
// tasks run one at a time on the scheduler's thread, never on the caller's.
// Invariant: after RunDueNow() returns, every task that was due by the
// clock when it was called has run (or Stop() was called).

#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/runtime/clock.h"

namespace sitrep {

class SweepScheduler {
 public:
  // `clock` is borrowed and must outlive the scheduler.
  explicit SweepScheduler(Clock* clock) : clock_(clock) {}
  // Calls Stop().
  ~SweepScheduler();

  SweepScheduler(const SweepScheduler&) = delete;
  SweepScheduler& operator=(const SweepScheduler&) = delete;

  // Runs `task` every `interval` (> 0) of the clock's time, the first time
  // one interval from now; the next interval starts when the task returns.
  // May be called before or after Start(); ignored after Stop().
  void Every(absl::Duration interval, absl::AnyInvocable<void()> task)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Starts the thread. Once; not after Stop().
  void Start() ABSL_LOCKS_EXCLUDED(mu_);

  // Makes the thread look at the clock now and waits until it ran every
  // task due by then. Returns at once when the thread is not running.
  void RunDueNow() ABSL_LOCKS_EXCLUDED(mu_);

  // Waits for a running task to return, drops the others and joins the
  // thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Sweep {
    absl::Duration interval;
    // By the clock.
    absl::Time due;
    // In real time: when the thread looks at this sweep again.
    absl::Time wake;
    absl::AnyInvocable<void()> task;
  };

  void Loop() ABSL_LOCKS_EXCLUDED(mu_);
  // Sets `sweep`'s due time `interval` from now and its wake-up to match.
  void ScheduleLocked(Sweep& sweep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The earliest wake-up; sweeps_ is not empty.
  absl::Time EarliestWakeLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  Clock* const clock_;

  absl::Mutex mu_;
  // A task runs outside mu_ (moved out of its slot, which is addressed by
  // index, so Every() may grow the vector meanwhile).
  std::vector<Sweep> sweeps_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Something changed that the sleeping thread must look at (a new sweep, a
  // RunDueNow, Stop).
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  // RunDueNow's handshake: passes asked for and passes the thread completed.
  uint64_t passes_asked_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t passes_done_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_SWEEP_SCHEDULER_H_
