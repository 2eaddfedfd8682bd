#include "server/sinks/delivery_policy.h"

#include <algorithm>

namespace sitrep {

DeliveryOutcome ClassifyHttpStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) {
    return DeliveryOutcome::kDelivered;
  }
  if (http_status >= 400 && http_status < 500) {
    switch (http_status) {
      case 401:
      case 403:
      case 404:
      case 408:
      case 429:
        return DeliveryOutcome::kRetry;
      default:
        return DeliveryOutcome::kRejected;
    }
  }
  // 0 (no answer), 1xx (curl handles 100), 3xx, 5xx and anything odd.
  return DeliveryOutcome::kRetry;
}

RetryBackoff::RetryBackoff(absl::Duration initial, absl::Duration maximum)
    : initial_(initial), maximum_(std::max(initial, maximum)) {}

absl::Duration RetryBackoff::Next(std::optional<absl::Duration> retry_after) {
  absl::Duration ceiling = initial_;
  for (int i = 0; i < attempts_ && ceiling < maximum_; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, maximum_);
  if (attempts_ < 64) ++attempts_;
  const double unit = absl::Uniform(random_, 0.5, 1.0);
  absl::Duration delay = ceiling * unit;
  if (retry_after.has_value()) {
    delay = std::max(delay, std::min(*retry_after, absl::Hours(1)));
  }
  return delay;
}

}  // namespace sitrep
