#include "server/api/publish_window.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(PublishWindowTest, ReadsWhileBothBelowTheirLimits) {
  PublishWindow window(/*max_requests=*/128, /*max_bytes=*/1000);
  EXPECT_TRUE(window.MayRead());
  window.Add(64, 400);
  EXPECT_TRUE(window.MayRead());
  window.Add(63, 400);
  EXPECT_TRUE(window.MayRead());  // 127 requests, 800 bytes
  window.Add(1, 10);
  EXPECT_FALSE(window.MayRead());  // 128 requests
  window.Remove(64, 400);
  EXPECT_TRUE(window.MayRead());
}

TEST(PublishWindowTest, LargeMessagesStopReadsBeforeTheRequestCountDoes) {
  // A stream of 1 MiB single-request messages: two outstanding at most
  // with a 1.5 MiB bound, however many requests the count allows.
  PublishWindow window(/*max_requests=*/4096, /*max_bytes=*/1536 * 1024);
  int read = 0;
  while (window.MayRead() && read < 100) {
    window.Add(1, 1 << 20);
    ++read;
  }
  EXPECT_EQ(read, 2);
  EXPECT_EQ(window.bytes(), 2u << 20);
  window.Remove(1, 1 << 20);
  EXPECT_TRUE(window.MayRead());  // 1 MiB left, below the bound again
}

TEST(PublishWindowTest, RemovingMoreThanHeldStopsAtZero) {
  PublishWindow window(10, 10);
  window.Add(2, 3);
  window.Remove(5, 7);
  EXPECT_EQ(window.requests(), 0u);
  EXPECT_EQ(window.bytes(), 0u);
  EXPECT_TRUE(window.MayRead());
}

TEST(PublishWindowTest, ZeroLimitsStillLetOneMessageThrough) {
  PublishWindow window(0, 0);
  EXPECT_TRUE(window.MayRead());
  window.Add(1, 1);
  EXPECT_FALSE(window.MayRead());
}

}  // namespace
}  // namespace sitrep
