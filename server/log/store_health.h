#ifndef SITREP_SERVER_LOG_STORE_HEALTH_H_
#define SITREP_SERVER_LOG_STORE_HEALTH_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace sitrep {

// Whether the store works, as its last operations showed. Writes and reads
// are tracked apart, because they fail apart: a full disk refuses appends
// while reads still work. The store is available when the last write and
// the last read both succeeded; a failure of either makes it unavailable
// until an operation of the same kind succeeds again.
//
// Thread safety: every method may be called concurrently. Reporting a
// success while everything is fine is one atomic load (it happens on every
// append and store read).
class StoreHealth {
 public:
  enum class Operation { kWrite, kRead };

  // Called on every change of available(), with the new value, on the
  // thread that reported the change. Calls are serialised and the last one
  // always carries the current value. Set before the first report.
  using Listener = std::function<void(bool available)>;
  void SetListener(Listener listener);

  void ReportSuccess(Operation operation);
  // `failure` explains the unavailability (reason()).
  void ReportFailure(Operation operation, const absl::Status& failure);

  // Takes `source`'s state (what it says of writes, reads and why), for a
  // view of another StoreHealth that a listener keeps current (the
  // server's, following AppendListener::OnHealthChanged). The listener hears
  // a change of available(); nothing is logged (the source did).
  void Follow(const StoreHealth& source);

  // Calls the listener now with the current value, serialised with the
  // calls for changes: for a listener that comes after the store's state
  // was set (AppendListener attached late) and must start from it.
  void NotifyCurrent() { Notify(); }

  bool available() const { return available_.load(std::memory_order_acquire); }
  // Why the store is unavailable (the last failure); empty when available.
  std::string reason() const;

 private:
  void Notify();

  std::atomic<bool> available_{true};

  mutable absl::Mutex mu_;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool read_ok_ ABSL_GUARDED_BY(mu_) = true;
  std::string reason_ ABSL_GUARDED_BY(mu_);

  // Held while the listener runs, so that two changes reported on two
  // threads reach it in order.
  absl::Mutex notify_mu_;
  Listener listener_ ABSL_GUARDED_BY(notify_mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_STORE_HEALTH_H_
