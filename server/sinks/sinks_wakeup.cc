#include "server/sinks/sinks_wakeup.h"

namespace sitrep {

void SinksWakeup::Wake() {
  absl::MutexLock lock(&mu_);
  if (poster_ != nullptr) poster_->Wakeup();
}

void SinksWakeup::Detach() {
  absl::MutexLock lock(&mu_);
  poster_ = nullptr;
}

void SinkWaker::OnNewData() {
  woken_.store(true, std::memory_order_release);
  wakeup_->Wake();
}

}  // namespace sitrep
