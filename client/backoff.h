// Exponential backoff with full jitter for reconnects.
#ifndef SITREP_CLIENT_BACKOFF_H_
#define SITREP_CLIENT_BACKOFF_H_

#include <cstdint>

#include "absl/time/time.h"

namespace sitrep::cli {

struct BackoffOptions {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration maximum = absl::Seconds(5);
  double multiplier = 2.0;
  // Each delay is drawn uniformly from [(1 - jitter) * d, d], so many clients
  // that lost the same server do not come back in lockstep.
  double jitter = 0.5;
};

// Not thread-safe: one per reconnect loop.
class Backoff {
 public:
  // `seed` makes the jitter reproducible in tests; any value is fine.
  explicit Backoff(BackoffOptions options, uint64_t seed);

  // The delay before the next attempt; grows by `multiplier` up to `maximum`.
  absl::Duration Next();
  // After a successful attempt: the next delay is `initial` again.
  void Reset();

 private:
  double NextUnit();  // uniform in [0, 1)

  const BackoffOptions options_;
  absl::Duration current_;
  uint64_t state_;
};

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_BACKOFF_H_
