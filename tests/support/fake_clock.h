#ifndef SITREP_TESTS_SUPPORT_FAKE_CLOCK_H_
#define SITREP_TESTS_SUPPORT_FAKE_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/runtime/clock.h"

namespace sitrep {

// A Clock that moves only when the test says so.
//
// Thread safety: every method may be called from any thread.
class FakeClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: a fixed, whole-second start so that tests read well.
  static constexpr int64_t kDefaultStartUnixSeconds = 1'700'000'000;

  explicit FakeClock(
      absl::Time start = absl::FromUnixSeconds(kDefaultStartUnixSeconds));

  absl::Time Now() const override;

  // Moves the clock by `d` (may be negative, to test clocks that step back).
  void Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_FAKE_CLOCK_H_
