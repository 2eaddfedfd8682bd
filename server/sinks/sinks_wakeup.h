// Wakes the webhook sinks thread from other threads: the Feed's wake-ups
// (executor threads) and Stop(). Shared with the Feed's waiter registrations,
// which may run after the sinks stopped, so it outlives the sinks' poster and
// turns into a no-op once detached.
#ifndef SITREP_SERVER_SINKS_SINKS_WAKEUP_H_
#define SITREP_SERVER_SINKS_SINKS_WAKEUP_H_

#include <atomic>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/fanout/feed.h"
#include "server/sinks/http_poster.h"

namespace sitrep {

// Thread safety: all methods are safe to call concurrently.
class SinksWakeup {
 public:
  explicit SinksWakeup(HttpPoster* poster) : poster_(poster) {}
  // Interrupts the poster's wait, if still attached.
  void Wake();
  // After it returns, Wake() never touches the poster again.
  void Detach();

 private:
  absl::Mutex mu_;
  HttpPoster* poster_ ABSL_GUARDED_BY(mu_);
};

// One sink's registration with the Feed: remembers that new data arrived and
// wakes the sinks thread.
class SinkWaker final : public FeedWaiter {
 public:
  explicit SinkWaker(std::shared_ptr<SinksWakeup> wakeup)
      : wakeup_(std::move(wakeup)) {}
  void OnNewData() override;
  // True (once) after OnNewData.
  bool TakeWoken() { return woken_.exchange(false, std::memory_order_acq_rel); }
  bool woken() const { return woken_.load(std::memory_order_acquire); }

 private:
  const std::shared_ptr<SinksWakeup> wakeup_;
  std::atomic<bool> woken_{false};
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_SINKS_WAKEUP_H_
