#include "bench/step_latencies.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

constexpr int64_t kMs = 1000000;

TEST(StepLatenciesTest, RecordsOnlyTheStepsUpdates) {
  StepLatencies step;
  step.Record(0, 5 * kMs);  // before any step: nothing
  step.Open(10);
  step.Extend(12);
  step.Record(9, 5 * kMs);   // an earlier step's
  step.Record(10, 5 * kMs);
  step.Record(11, 7 * kMs);
  step.Record(12, 5 * kMs);  // not published in the step yet
  EXPECT_EQ(step.Count(), 2u);
  step.Open(20);
  EXPECT_EQ(step.Count(), 0u);
}

TEST(StepLatenciesTest, PercentilesAreBucketUpperEdges) {
  StepLatencies step;
  step.Open(0);
  step.Extend(1000);
  for (int64_t g = 0; g < 99; ++g) step.Record(g, 10 * kMs + 300000);  // 10.3 ms
  step.Record(99, 900 * kMs);
  EXPECT_EQ(step.PercentileMs(0.50), 11);
  EXPECT_EQ(step.PercentileMs(0.99), 11);
  EXPECT_EQ(step.PercentileMs(1.0), 901);
  step.Record(100, 60 * 1000 * kMs);  // past the last bucket: counted there
  EXPECT_EQ(step.PercentileMs(1.0), StepLatencies::kBuckets);
  step.Record(101, -5);  // clocks of one process: clamped, not lost
  EXPECT_EQ(step.Count(), 102u);
}

TEST(StepLatenciesTest, CountsFromManyThreads) {
  StepLatencies step;
  step.Open(0);
  step.Extend(1 << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&step, t] {
      for (int64_t i = 0; i < 10000; ++i) step.Record(t * 10000 + i, (i % 50) * kMs);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(step.Count(), 40000u);
  EXPECT_EQ(step.PercentileMs(1.0), 50);
}

TEST(StepLatenciesTest, EmptyHasNoPercentile) {
  StepLatencies step;
  EXPECT_EQ(step.PercentileMs(0.99), 0);
}

}  // namespace
}  // namespace sitrep::bench
