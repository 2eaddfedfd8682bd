#include "server/runtime/log_throttle.h"

namespace sitrep {

std::optional<uint64_t> LogThrottle::Admit(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now - last_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_ = now;
  const uint64_t left_out = suppressed_;
  suppressed_ = 0;
  return left_out;
}

}  // namespace sitrep
