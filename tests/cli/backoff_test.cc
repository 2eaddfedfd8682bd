#include "client/backoff.h"

#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

TEST(BackoffTest, GrowsExponentiallyUpToTheMaximumWithJitterBelowTheBase) {
  BackoffOptions options;
  options.initial = absl::Milliseconds(100);
  options.maximum = absl::Seconds(1);
  options.multiplier = 2;
  options.jitter = 0.5;
  Backoff backoff(options, 42);
  const absl::Duration bases[] = {absl::Milliseconds(100), absl::Milliseconds(200),
                                  absl::Milliseconds(400), absl::Milliseconds(800),
                                  absl::Seconds(1), absl::Seconds(1)};
  for (absl::Duration base : bases) {
    const absl::Duration d = backoff.Next();
    EXPECT_LE(d, base);
    EXPECT_GE(d, base / 2);
  }
}

TEST(BackoffTest, ResetStartsOverAtTheInitialDelay) {
  BackoffOptions options;
  options.initial = absl::Milliseconds(100);
  options.jitter = 0;
  Backoff backoff(options, 1);
  backoff.Next();
  backoff.Next();
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, JitterSpreadsClientsThatLostTheSameServer) {
  Backoff a(BackoffOptions(), 1);
  Backoff b(BackoffOptions(), 2);
  EXPECT_NE(a.Next(), b.Next());
}

}  // namespace
}  // namespace sitrep::cli
