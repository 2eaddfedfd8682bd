#include "server/auth/publish_rate_limiter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/runtime/retry_delay.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOkAndHolds;
using ::sitrep::testing::StatusIs;

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(PublishRateLimiterTest, DisabledAdmitsEverything) {
  FakeClock clock;
  PublishRateLimiter limiter(&clock, {});
  for (int i = 0; i < 100000; ++i) SITREP_ASSERT_OK(limiter.Admit("a"));
}

TEST(PublishRateLimiterTest, BurstThenRateWithRetryDelay) {
  FakeClock clock;
  PublishRateLimiter limiter(&clock, {/*rate=*/4, /*burst=*/3});
  for (int i = 0; i < 3; ++i) SITREP_ASSERT_OK(limiter.Admit("a")) << i;
  absl::Status refused = limiter.Admit("a");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted, "retry after 250ms"));
  EXPECT_THAT(RetryDelayOf(refused), Optional(absl::Milliseconds(250)));

  // Each principal has its own bucket.
  SITREP_EXPECT_OK(limiter.Admit("b"));

  clock.Advance(absl::Milliseconds(249));
  EXPECT_THAT(limiter.Admit("a"),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
  clock.Advance(absl::Milliseconds(1));
  SITREP_EXPECT_OK(limiter.Admit("a"));
  // Refills up to the burst, not beyond.
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 3; ++i) SITREP_ASSERT_OK(limiter.Admit("a")) << i;
  EXPECT_THAT(limiter.Admit("a"),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
}

TEST(PublishRateLimiterTest, ClockSteppingBackRefillsNothing) {
  FakeClock clock;
  PublishRateLimiter limiter(&clock, {/*rate=*/1, /*burst=*/1});
  SITREP_ASSERT_OK(limiter.Admit("a"));
  clock.Advance(-absl::Hours(1));
  EXPECT_THAT(limiter.Admit("a"),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
}

TEST(RetryDelayTest, RoundTripsAndIsAbsentOtherwise) {
  EXPECT_EQ(RetryDelayOf(absl::ResourceExhaustedError("x")), std::nullopt);
  EXPECT_THAT(RetryDelayOf(WithRetryDelay(absl::ResourceExhaustedError("x"),
                                          absl::Milliseconds(1500))),
              Optional(absl::Milliseconds(1500)));
}

}  // namespace
}  // namespace sitrep
