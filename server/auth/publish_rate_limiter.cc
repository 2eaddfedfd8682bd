#include "server/auth/publish_rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/runtime/retry_delay.h"

namespace sitrep {

PublishRateLimiter::PublishRateLimiter(Clock* clock, Options options)
    : clock_(clock), options_(options) {}

absl::Status PublishRateLimiter::Admit(const std::string& principal) {
  if (!enabled()) return absl::OkStatus();
  const double burst = std::max(1.0, options_.burst);
  const absl::Time now = clock_->Now();
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    auto [it, added] = buckets_.try_emplace(principal, Bucket{burst, now});
    Bucket& bucket = it->second;
    if (now > bucket.refilled) {
      bucket.tokens = std::min(
          burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) *
                                     options_.rate);
      bucket.refilled = now;
    }
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return absl::OkStatus();
    }
    wait = absl::Seconds((1.0 - bucket.tokens) / options_.rate);
  }
  // Round up to whole milliseconds: a client retrying after exactly the
  // delay finds a token.
  wait = absl::Ceil(wait, absl::Milliseconds(1));
  return WithRetryDelay(
      absl::ResourceExhaustedError(absl::StrCat(
          "principal '", principal, "' publishes faster than ",
          options_.rate, " updates/s (burst ", burst, "); retry after ",
          absl::FormatDuration(wait))),
      wait);
}

}  // namespace sitrep
