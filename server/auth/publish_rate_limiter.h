#ifndef SITREP_SERVER_AUTH_PUBLISH_RATE_LIMITER_H_
#define SITREP_SERVER_AUTH_PUBLISH_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/runtime/clock.h"

namespace sitrep {

// A token bucket per principal for publishes: `rate` per second on average,
// bursts of up to `burst`. One flooding publisher then cannot take the
// store's write capacity from the others.
//
// Thread safety: Admit may run concurrently. Memory: one bucket per
// principal name seen; names come from the access policy (or "anonymous").
class PublishRateLimiter {
 public:
  struct Options {
    // Updates per second per principal; 0 disables the limit.
    double rate = 0;
    double burst = 0;
  };

  PublishRateLimiter(Clock* clock, Options options);

  // Takes one token from `principal`'s bucket, or returns
  // RESOURCE_EXHAUSTED carrying the delay after which one will be there
  // (WithRetryDelay, server/runtime/retry_delay.h).
  absl::Status Admit(const std::string& principal);

  bool enabled() const { return options_.rate > 0; }

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };

  Clock* const clock_;
  const Options options_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_PUBLISH_RATE_LIMITER_H_
