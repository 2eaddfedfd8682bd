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

// A run of `replicas` in `round` whose replicas spent `cpu_seconds` each in
// 1 s on 100 updates, delivering `per_replica` each.
ReplicaRun MakeCostRun(int round, int replicas, double cpu_seconds, uint64_t per_replica) {
  ReplicaRun run = MakeRun(round, replicas, per_replica);
  run.updates = 100;
  for (ReplicaPhase& r : run.each) {
    r.cpu_seconds = cpu_seconds;
    r.deliveries = per_replica;
  }
  return run;
}

TEST(RatiosByRoundTest, CostPerDeliveryAgainstTheRoundsOneReplicaRun) {
  // Tail 100 us and ingest 0: one replica pays 0.01 s of tail, the rest of
  // its 0.25 s over 1,000 deliveries is 240 us each. Round 1's three
  // replicas pay the same per delivery; round 2's half as much (bigger
  // writes), round 3's twice as much.
  DirectLaw law;
  law.tail_us = 100;
  const std::vector<ReplicaRun> runs = {
      MakeCostRun(1, 1, 0.25, 1000), MakeCostRun(1, 3, 0.25, 1000),
      MakeCostRun(2, 1, 0.25, 1000), MakeCostRun(2, 3, 0.13, 1000),
      MakeCostRun(3, 1, 0.25, 1000), MakeCostRun(3, 3, 0.49, 1000),
  };
  EXPECT_THAT(DeliveryUs(runs[0], law.tail_us, law.ingest_us), DoubleEq(240));
  const std::vector<RoundRatios> ratios = RatiosByRound(runs, &law);
  ASSERT_EQ(ratios.size(), 1u);
  EXPECT_THAT(ratios[0].cost_ratios, ElementsAre(DoubleEq(1), DoubleEq(0.5), DoubleEq(2)));
  EXPECT_THAT(ratios[0].median_cost_ratio, DoubleEq(1));
  // Without a law there are no cost ratios.
  EXPECT_THAT(RatiosByRound(runs)[0].median_cost_ratio, DoubleEq(-1));
}

}  // namespace
}  // namespace sitrep::bench
