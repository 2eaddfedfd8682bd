// The hot-path tallies behind sitrep_deliveries_total and the delivery and
// lag histograms (server/metrics/sharded_tally.h): what many threads add is
// what Take() hands the scrape, once, in Prometheus' buckets.
#include "server/metrics/sharded_tally.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;

TEST(ShardedCounterTest, TakeReturnsWhatEveryThreadAddedOnce) {
  ShardedCounter counter;
  std::vector<std::thread> threads;
  // More threads than shards: some share one.
  for (int t = 0; t < 2 * static_cast<int>(kTallyShards); ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 1000; ++i) counter.Add(3);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.Take(), 2 * kTallyShards * 3000);
  EXPECT_EQ(counter.Take(), 0u);
}

TEST(ShardedHistogramTest, BucketsAsPrometheusDoes) {
  ShardedHistogram histogram({1, 5, 10});
  // A value equal to a bound is in that bound's bucket; past the last, +Inf.
  EXPECT_EQ(histogram.BucketOf(0), 0u);
  EXPECT_EQ(histogram.BucketOf(1), 0u);
  EXPECT_EQ(histogram.BucketOf(1.5), 1u);
  EXPECT_EQ(histogram.BucketOf(10), 2u);
  EXPECT_EQ(histogram.BucketOf(11), 3u);
}

TEST(ShardedHistogramTest, TakeSumsThreadsAndBatchesThenStartsAgain) {
  ShardedHistogram histogram({1, 5, 10});
  std::thread other([&histogram] {
    histogram.Observe(0.5);
    histogram.Observe(7);
  });
  other.join();
  histogram.Observe(20);
  const uint64_t batch[] = {0, 2, 0, 1};  // two in (1, 5], one past 10
  histogram.AddCounts(batch, 2 + 3 + 12);
  ShardedHistogram::Taken taken = histogram.Take();
  EXPECT_THAT(taken.counts, ElementsAre(1, 2, 1, 2));
  EXPECT_EQ(taken.total, 6u);
  EXPECT_DOUBLE_EQ(taken.sum, 0.5 + 7 + 20 + 17);
  taken = histogram.Take();
  EXPECT_THAT(taken.counts, ElementsAre(0, 0, 0, 0));
  EXPECT_EQ(taken.total, 0u);
  EXPECT_DOUBLE_EQ(taken.sum, 0);
}

}  // namespace
}  // namespace sitrep
