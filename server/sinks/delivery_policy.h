// What a webhook sink does with an HTTP answer, and how long it waits before
// trying again. Delivery is at least once: only an answer that says the
// request itself can never succeed skips a batch; everything else is retried
// until it succeeds.
#ifndef SITREP_SERVER_SINKS_DELIVERY_POLICY_H_
#define SITREP_SERVER_SINKS_DELIVERY_POLICY_H_

#include <cstdint>
#include <optional>

#include "absl/random/random.h"
#include "absl/time/time.h"

namespace sitrep {

enum class DeliveryOutcome {
  // 2xx: the batch is acknowledged; the cursor moves past it.
  kDelivered,
  // Network error, timeout, no answer, 3xx (redirects are not followed: the
  // bearer token must not travel elsewhere), 401, 403, 404, 408, 429, 5xx:
  // the same batch again after a backoff, forever. 401/403/404 are retried
  // because they are configuration mistakes an operator fixes (token, URL)
  // and the updates must still arrive afterwards.
  kRetry,
  // Any other 4xx (400, 409, 413, 422 ...): the receiver refuses this body
  // and would refuse it again; retrying would stall every later update of
  // the sink behind it. Logged as an error, counted as rejected, skipped.
  kRejected,
};

// `http_status` 0 means no HTTP answer (connection refused, timeout, TLS
// failure, reset).
DeliveryOutcome ClassifyHttpStatus(int http_status);

// Exponential backoff with jitter between attempts of one batch. Not
// thread-safe: one per sink, used by the sinks thread.
class RetryBackoff {
 public:
  RetryBackoff(absl::Duration initial, absl::Duration maximum);

  // The delay before the next attempt: initial, 2x, 4x ... up to maximum,
  // each drawn from [d/2, d] so that sinks failing together do not retry in
  // lockstep. A Retry-After from the server is honoured as a lower bound
  // (capped at one hour, so a confused server cannot park a sink for days).
  absl::Duration Next(std::optional<absl::Duration> retry_after);
  // After a success: the next failure waits `initial` again.
  void Reset() { attempts_ = 0; }

 private:
  const absl::Duration initial_;
  const absl::Duration maximum_;
  int attempts_ = 0;
  absl::BitGen random_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_DELIVERY_POLICY_H_
