#ifndef SITREP_SERVER_RUNTIME_CLOCK_H_
#define SITREP_SERVER_RUNTIME_CLOCK_H_

#include "absl/time/time.h"

namespace sitrep {

// The source of wall-clock time. Code that needs "now" takes a Clock so that
// tests can inject a settable one (tests/support/fake_clock.h).
//
// Thread safety: implementations are safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The process-wide real clock. Never null; lives forever.
Clock* RealClock();

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_CLOCK_H_
