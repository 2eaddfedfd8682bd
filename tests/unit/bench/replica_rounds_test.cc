// The verdict of --scenario=replicas over alternated rounds: each round's
// ratio against its own one-replica run, and the median decides.
#include "bench/replica_rounds.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;

// A run of `replicas` in `round` that delivered `per_second` for 1 s.
ReplicaRun MakeRun(int round, int replicas, uint64_t per_second) {
  ReplicaRun run;
  run.round = round;
  run.replicas = replicas;
  run.seconds = 1;
  run.each.resize(static_cast<size_t>(replicas));
  run.each[0].deliveries = per_second;
  return run;
}

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_THAT(Median({3, 1, 2}), DoubleEq(2));
  EXPECT_THAT(Median({4, 1, 3, 2}), DoubleEq(2.5));
  EXPECT_THAT(Median({}), DoubleEq(-1));
}

TEST(RatiosByRoundTest, EachRoundAgainstItsOwnOneReplicaRun) {
  // Round 2 is noisy (its one-replica run slow): its ratios are high, and
  // the median of the three rounds does not follow it.
  const std::vector<ReplicaRun> runs = {
      MakeRun(1, 1, 100), MakeRun(1, 2, 190), MakeRun(1, 3, 260),
      MakeRun(2, 1, 50),  MakeRun(2, 2, 180), MakeRun(2, 3, 250),
      MakeRun(3, 1, 100), MakeRun(3, 2, 170), MakeRun(3, 3, 240),
  };
  const std::vector<RoundRatios> ratios = RatiosByRound(runs);
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_EQ(ratios[0].replicas, 2);
  EXPECT_THAT(ratios[0].ratios, ElementsAre(DoubleEq(1.9), DoubleEq(3.6), DoubleEq(1.7)));
  EXPECT_THAT(ratios[0].median, DoubleEq(1.9));
  EXPECT_THAT(ratios[0].median_delivered, DoubleEq(180));
  EXPECT_EQ(ratios[1].replicas, 3);
  EXPECT_THAT(ratios[1].median, DoubleEq(2.6));
}

TEST(RatiosByRoundTest, ARoundWithoutItsOneReplicaRunIsLeftOut) {
  const std::vector<ReplicaRun> runs = {MakeRun(1, 1, 100), MakeRun(1, 2, 150), MakeRun(2, 2, 400)};
  const std::vector<RoundRatios> ratios = RatiosByRound(runs);
  ASSERT_EQ(ratios.size(), 1u);
  EXPECT_THAT(ratios[0].ratios, ElementsAre(DoubleEq(1.5)));
  EXPECT_THAT(ratios[0].median, DoubleEq(1.5));
}

TEST(RatiosByRoundTest, NoOneReplicaRunNoRatio) {
  const std::vector<RoundRatios> ratios = RatiosByRound({MakeRun(1, 2, 150)});
  ASSERT_EQ(ratios.size(), 1u);
  EXPECT_TRUE(ratios[0].ratios.empty());
  EXPECT_THAT(ratios[0].median, DoubleEq(-1));
}

}  // namespace
}  // namespace sitrep::bench
