#ifndef SITREP_SERVER_RUNTIME_LOG_THROTTLE_H_
#define SITREP_SERVER_RUNTIME_LOG_THROTTLE_H_

#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sitrep {

// At most one log line per interval for an event that a client can repeat
// at will (accept errors, refused requests): the first one is written, the
// next ones within `interval` are only counted, and the next line written
// says how many were left out. Without it one client decides how much
// stderr sitrepd writes (libevent's accept-error line was written 22.9
// million times in a minute under descriptor exhaustion).
//
// Thread safety: Admit may be called from any thread.
class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration interval) : interval_(interval) {}

  // nullopt: do not log this one. Otherwise log it, with the returned
  // number of lines left out since the last one written (0: none).
  std::optional<uint64_t> Admit(absl::Time now);

 private:
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_LOG_THROTTLE_H_
