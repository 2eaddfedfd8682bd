// Which answers are retried, refused or acknowledged, and the backoff's
// bounds (exponential, jitter in [d/2, d], Retry-After as a floor).
#include "server/sinks/delivery_policy.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(DeliveryPolicyTest, ClassifiesStatuses) {
  for (int status : {200, 201, 202, 204, 299}) {
    EXPECT_EQ(ClassifyHttpStatus(status), DeliveryOutcome::kDelivered)
        << status;
  }
  // No answer, redirects, server errors, throttling, and the configuration
  // mistakes an operator fixes: retried, nothing is lost.
  for (int status : {0, 100, 301, 302, 401, 403, 404, 408, 429, 500, 502, 503,
                     504, 599}) {
    EXPECT_EQ(ClassifyHttpStatus(status), DeliveryOutcome::kRetry) << status;
  }
  for (int status : {400, 405, 409, 410, 413, 415, 422, 451}) {
    EXPECT_EQ(ClassifyHttpStatus(status), DeliveryOutcome::kRejected)
        << status;
  }
}

TEST(DeliveryPolicyTest, BackoffGrowsWithJitterUpToTheMaximum) {
  RetryBackoff backoff(absl::Milliseconds(100), absl::Seconds(1));
  const absl::Duration ceilings[] = {
      absl::Milliseconds(100), absl::Milliseconds(200),
      absl::Milliseconds(400), absl::Milliseconds(800),
      absl::Seconds(1),        absl::Seconds(1)};
  for (absl::Duration ceiling : ceilings) {
    const absl::Duration delay = backoff.Next(std::nullopt);
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next(std::nullopt), absl::Milliseconds(100));
}

TEST(DeliveryPolicyTest, RetryAfterIsAFloorCappedAtOneHour) {
  RetryBackoff backoff(absl::Milliseconds(100), absl::Seconds(1));
  EXPECT_EQ(backoff.Next(absl::Seconds(30)), absl::Seconds(30));
  // A shorter Retry-After does not shorten our own backoff.
  EXPECT_GE(backoff.Next(absl::Milliseconds(1)), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Next(absl::Hours(48)), absl::Hours(1));
}

}  // namespace
}  // namespace sitrep
