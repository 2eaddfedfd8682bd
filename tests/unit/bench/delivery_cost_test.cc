// bench/delivery_cost.h: the split of a replica's delivery CPU into a cost
// per write and a cost per update written.
#include "bench/delivery_cost.h"

#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

// A replica of a 10 s run: `writes` and `deliveries` costing exactly
// per_write_us and per_update_us, plus `fixed_us` per update of the run.
ReplicaPhase Replica(int index, uint64_t writes, uint64_t deliveries,
                     uint64_t updates, double fixed_us) {
  ReplicaPhase r;
  r.index = index;
  r.writes = writes;
  r.deliveries = deliveries;
  constexpr double kPerWriteUs = 4.0, kPerUpdateUs = 0.3;
  r.cpu_seconds = (static_cast<double>(writes) * kPerWriteUs +
                   static_cast<double>(deliveries) * kPerUpdateUs +
                   static_cast<double>(updates) * fixed_us) /
                  1e6;
  return r;
}

ReplicaRun MakeRun(int replicas, uint64_t updates, uint64_t updates_per_write,
               double tail_us, double ingest_us) {
  ReplicaRun run;
  run.replicas = replicas;
  run.seconds = 10;
  run.updates = updates;
  const uint64_t deliveries = updates * 1000 / static_cast<uint64_t>(replicas);
  for (int k = 0; k < replicas; ++k) {
    run.each.push_back(Replica(k, deliveries / updates_per_write, deliveries, updates,
                               tail_us + (k == 0 ? ingest_us : 0)));
  }
  return run;
}

TEST(DeliveryCostTest, RecoversTheCostPerWriteAndPerUpdateFromRunsThatBatchDifferently) {
  // One replica batching 40 updates per write, three batching 10.
  const std::vector<ReplicaRun> runs = {MakeRun(1, 5000, 40, 20, 4), MakeRun(3, 10000, 10, 20, 4)};
  const std::optional<DeliveryCost> cost = FitDeliveryCost(runs, 20, 4);
  ASSERT_TRUE(cost.has_value());
  EXPECT_NEAR(cost->per_write_us, 4.0, 1e-6);
  EXPECT_NEAR(cost->per_update_us, 0.3, 1e-6);
  EXPECT_NEAR(cost->PerDeliveryUs(40), 0.4, 1e-6);
  EXPECT_NEAR(cost->PerDeliveryUs(10), 0.7, 1e-6);
}

TEST(DeliveryCostTest, TakesTheTailAndIngestOffFirst) {
  const std::vector<ReplicaRun> runs = {MakeRun(1, 5000, 40, 20, 4), MakeRun(2, 8000, 20, 20, 4)};
  // Priced without the per-update work, the writes would seem dearer.
  const std::optional<DeliveryCost> wrong = FitDeliveryCost(runs, 0, 0);
  const std::optional<DeliveryCost> right = FitDeliveryCost(runs, 20, 4);
  ASSERT_TRUE(right.has_value());
  EXPECT_NEAR(right->per_write_us, 4.0, 1e-6);
  ASSERT_TRUE(wrong.has_value());
  EXPECT_GT(wrong->per_write_us, 4.5);
}

TEST(DeliveryCostTest, SameUpdatesPerWriteEverywhereCannotBeSplit) {
  const std::vector<ReplicaRun> runs = {MakeRun(1, 5000, 20, 20, 4), MakeRun(2, 8000, 20, 20, 4)};
  EXPECT_FALSE(FitDeliveryCost(runs, 20, 4).has_value());
}

TEST(DeliveryCostTest, NoWritesNoSplit) {
  ReplicaRun run = MakeRun(1, 5000, 40, 20, 4);
  run.each[0].writes = 0;
  EXPECT_FALSE(FitDeliveryCost({run}, 20, 4).has_value());
  EXPECT_EQ(UpdatesPerWrite(run), 0);
}

TEST(DeliveryCostTest, UpdatesPerWriteIsDeliveriesOverWritesOfAllReplicas) {
  const ReplicaRun run = MakeRun(3, 9000, 10, 20, 4);
  EXPECT_NEAR(UpdatesPerWrite(run), 10, 1e-9);
}

}  // namespace
}  // namespace sitrep::bench
