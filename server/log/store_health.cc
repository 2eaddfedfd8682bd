#include "server/log/store_health.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"

namespace sitrep {

void StoreHealth::SetListener(Listener listener) {
  absl::MutexLock lock(&notify_mu_);
  listener_ = std::move(listener);
}

void StoreHealth::ReportSuccess(Operation operation) {
  if (available_.load(std::memory_order_acquire)) return;
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    (operation == Operation::kWrite ? write_ok_ : read_ok_) = true;
    if (write_ok_ && read_ok_ && !available_.load()) {
      available_.store(true, std::memory_order_release);
      reason_.clear();
      changed = true;
    }
  }
  if (changed) {
    LogInfo("store", "available again");
    Notify();
  }
}

void StoreHealth::ReportFailure(Operation operation,
                                const absl::Status& failure) {
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    (operation == Operation::kWrite ? write_ok_ : read_ok_) = false;
    reason_ = absl::StrCat(operation == Operation::kWrite ? "write" : "read",
                           " failed: ", failure.message());
    if (available_.load()) {
      available_.store(false, std::memory_order_release);
      changed = true;
    }
  }
  if (changed) {
    LogError("store", "unavailable",
             {{"operation", operation == Operation::kWrite ? "write" : "read"},
              {"error", failure.ToString()}});
    Notify();
  }
}

void StoreHealth::Follow(const StoreHealth& source) {
  bool write_ok, read_ok;
  std::string reason;
  {
    absl::MutexLock lock(&source.mu_);
    write_ok = source.write_ok_;
    read_ok = source.read_ok_;
    reason = source.reason_;
  }
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    write_ok_ = write_ok;
    read_ok_ = read_ok;
    reason_ = std::move(reason);
    const bool available = write_ok && read_ok;
    changed = available != available_.load();
    available_.store(available, std::memory_order_release);
  }
  if (changed) Notify();
}

std::string StoreHealth::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

void StoreHealth::Notify() {
  absl::MutexLock lock(&notify_mu_);
  // The current value, not the one that triggered this call: when two
  // changes race, the later call reports the final state.
  if (listener_) listener_(available());
}

}  // namespace sitrep
