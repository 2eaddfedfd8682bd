// The fan-out's verification with several publishers sharing the updates
// (sitrep-bench --scenario=replicas --replica_publishers=spread): each
// publisher's order is checked, their interleaving is not a fault; losses,
// duplicates and reordering within a publisher are caught. Also the
// scaling law's ingest with the publishes spread over the replicas.
#include "bench/verifying_subscriber.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "bench/replica_scaling.h"
#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

// A subscriber without a transport: the test delivers its updates.
class Probe final : public VerifyingSubscriber {
 public:
  using VerifyingSubscriber::VerifyingSubscriber;
  void Cancel() override {}

  // Delivers g (its mission g % 3), as the log's `sequence`-th update.
  void Deliver(int64_t g, uint64_t sequence) {
    DecodedUpdate u;
    u.sequence = sequence;
    u.mission = static_cast<int>(g % 3) + 1;
    u.g = g;
    OnUpdate(u, 0, false);
  }
  // Delivers `gs` in this order with rising sequences from `first`.
  void DeliverAll(std::initializer_list<int64_t> gs, uint64_t first = 1) {
    for (const int64_t g : gs) Deliver(g, first++);
  }
  uint64_t failures() const { return lost() + duplicates() + reordered() + contract_violations(); }
};

TEST(PublisherOfTest, EveryPublisherPublishesEveryMission) {
  // Triples of g (one update of each mission) go round the publishers.
  EXPECT_EQ(PublisherOf(0, 3), 0);
  EXPECT_EQ(PublisherOf(2, 3), 0);
  EXPECT_EQ(PublisherOf(3, 3), 1);
  EXPECT_EQ(PublisherOf(8, 3), 2);
  EXPECT_EQ(PublisherOf(9, 3), 0);
  for (int64_t g = 0; g < 30; ++g) EXPECT_EQ(PublisherOf(g, 1), 0);
  // Publisher 1 of 2 publishes missions 0, 1, 2 (g = 3, 4, 5).
  EXPECT_EQ(PublisherOf(3, 2), 1);
  EXPECT_EQ(PublisherOf(4, 2), 1);
  EXPECT_EQ(PublisherOf(5, 2), 1);
}

TEST(VerifyingSubscriberTest, InterleavedPublishersAreAccepted) {
  // Mission 0 with 3 publishers: publisher 0 publishes g = 0, 9, 18, ...,
  // publisher 1 g = 3, 12, ..., publisher 2 g = 6, 15, .... The log holds
  // them in another order than g's, each publisher's in its own order.
  Probe s(0, 3);
  s.DeliverAll({3, 0, 6, 12, 9, 21, 15, 18, 24});
  s.FinishVerification(27);
  EXPECT_EQ(s.failures(), 0u);
  EXPECT_EQ(s.expected_g(), 27);
}

TEST(VerifyingSubscriberTest, PositionIsTheLowestUpdateStillMissing) {
  // The lag limit and the drains wait on it: everything below has come.
  Probe s(1, 2);  // mission 1: publisher 0 g = 1, 7, 13; publisher 1 g = 4, 10
  EXPECT_EQ(s.expected_g(), 1);
  s.DeliverAll({4, 10});  // publisher 1 ahead
  EXPECT_EQ(s.expected_g(), 1);
  s.Deliver(1, 3);
  EXPECT_EQ(s.expected_g(), 7);
  s.Deliver(7, 4);
  EXPECT_EQ(s.expected_g(), 13);
  EXPECT_EQ(s.failures(), 0u);
}

TEST(VerifyingSubscriberTest, ALossOfOnePublisherIsCaught) {
  Probe s(0, 3);
  s.DeliverAll({0, 3, 6, 9, 15, 18});  // publisher 1's g = 12 has not come
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.expected_g(), 12);       // the drain waits for it
  s.Deliver(21, 7);                    // publisher 1's next: 12 was lost
  EXPECT_EQ(s.lost(), 1u);
  EXPECT_EQ(s.expected_g(), 24);
  s.FinishVerification(24);
  EXPECT_EQ(s.lost(), 1u);
  EXPECT_EQ(s.duplicates() + s.reordered(), 0u);
}

TEST(VerifyingSubscriberTest, LossesAtTheEndAreCountedPerPublisher) {
  Probe s(2, 3);  // mission 2: g = 2 (p0), 5 (p1), 8 (p2), 11 (p0), ...
  s.DeliverAll({2, 5, 11});  // p2's 8 has not come
  EXPECT_EQ(s.expected_g(), 8);
  s.FinishVerification(18);  // published g < 18: 2, 5, 8, 11, 14, 17
  EXPECT_EQ(s.lost(), 3u);   // 8, 14, 17
}

TEST(VerifyingSubscriberTest, ADuplicateIsCaught) {
  Probe s(0, 2);
  s.DeliverAll({0, 3, 6, 3});  // publisher 1's g = 3 twice
  EXPECT_EQ(s.duplicates(), 1u);
  EXPECT_EQ(s.lost() + s.reordered(), 0u);
}

TEST(VerifyingSubscriberTest, ReorderingWithinAPublisherIsCaught) {
  // Publisher 0 of 3 published g = 0 before g = 9: the log holding 9
  // first (sequences rising) reordered one publisher's updates.
  Probe s(0, 3);
  s.DeliverAll({9, 3, 6, 0});
  EXPECT_EQ(s.reordered(), 1u);
  EXPECT_EQ(s.lost(), 0u);  // late, not lost
  EXPECT_EQ(s.duplicates(), 0u);
  EXPECT_EQ(s.expected_g(), 12);
}

TEST(VerifyingSubscriberTest, DeliveryOutOfTheLogsOrderIsCaughtOnce) {
  // The sequence goes back: reordered, once, although g also came late.
  Probe s(0, 1);
  s.Deliver(3, 2);
  s.Deliver(0, 1);
  EXPECT_EQ(s.reordered(), 1u);
  EXPECT_EQ(s.lost() + s.duplicates(), 0u);
}

TEST(VerifyingSubscriberTest, OnePublisherChecksTheWholeOrder) {
  // One publisher (the default): any g before one already seen is late.
  Probe s(1);
  s.DeliverAll({1, 4, 10});
  EXPECT_EQ(s.lost(), 1u);  // 7
  s.Deliver(7, 10);
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.reordered(), 1u);
  s.Deliver(10, 11);
  EXPECT_EQ(s.duplicates(), 1u);
  EXPECT_EQ(s.expected_g(), 13);
}

TEST(VerifyingSubscriberTest, AnotherMissionIsAContractViolation) {
  Probe s(0, 3);
  s.Deliver(1, 1);  // mission 1's
  EXPECT_EQ(s.contract_violations(), 1u);
  EXPECT_EQ(s.expected_g(), 0);
}

// Phase A of a run with `replicas` replicas for 1 s at `u` updates/s: each
// replica's CPU is tail x u + ingest x its publishes + delivery x its
// deliveries (u x 1000 / replicas each).
ReplicaRun LawRun(int replicas, double u, bool spread, double tail_us, double ingest_us,
                  double delivery_us) {
  ReplicaRun run;
  run.replicas = replicas;
  run.seconds = 1;
  run.updates = static_cast<uint64_t>(u);
  run.tail_cpu_seconds = tail_us * u / 1e6;
  run.matches = 1000;
  for (int k = 0; k < replicas; ++k) {
    ReplicaPhase r;
    r.index = k;
    r.deliveries = static_cast<uint64_t>(u * 1000 / replicas);
    r.writes = r.deliveries / 10;
    const double taken = spread ? u / replicas : (k == 0 ? u : 0);
    r.ingested = static_cast<uint64_t>(taken);
    r.cpu_seconds = (tail_us * u + ingest_us * taken +
                     delivery_us * static_cast<double>(r.deliveries)) / 1e6;
    run.each.push_back(r);
  }
  return run;
}

TEST(ScalingLawTest, IngestIsChargedToTheReplicasThatTookThePublishes) {
  // Spread runs and one run through replica 0 (whose other replicas took
  // no publishes: what tells ingest from delivery).
  const std::vector<ReplicaRun> runs = {
      LawRun(1, 300, true, 50, 200, 2), LawRun(2, 600, true, 50, 200, 2),
      LawRun(3, 900, true, 50, 200, 2), LawRun(3, 600, false, 50, 200, 2)};
  EXPECT_FALSE(runs[0].PublishesSpread());
  EXPECT_TRUE(runs[1].PublishesSpread());
  EXPECT_DOUBLE_EQ(runs[2].IngestedBy(1), 300);
  EXPECT_DOUBLE_EQ(runs[3].IngestedBy(1), 0);
  const std::optional<ScalingLaw> law = FitScalingLaw(runs);
  ASSERT_TRUE(law.has_value());
  EXPECT_NEAR(law->tail_us, 50, 0.5);
  EXPECT_NEAR(law->ingest_us, 200, 1);
  EXPECT_NEAR(law->delivery_us, 2, 0.01);
  const std::optional<DirectLaw> measured = MeasureScalingLaw(runs);
  ASSERT_TRUE(measured.has_value());
  EXPECT_NEAR(measured->ingest_us, 200, 1);
}

TEST(ScalingLawTest, SpreadRunsAloneDoNotTellIngestFromDelivery) {
  // Every replica takes its share of the publishes and of the deliveries:
  // the two costs grow together.
  const std::vector<ReplicaRun> runs = {LawRun(1, 300, true, 50, 200, 2),
                                        LawRun(2, 500, true, 50, 200, 2),
                                        LawRun(3, 900, true, 50, 200, 2)};
  EXPECT_FALSE(FitScalingLaw(runs).has_value());
  EXPECT_FALSE(MeasureScalingLaw(runs).has_value());
}

TEST(ScalingLawTest, RunsWithoutIngestCountsPutEveryPublishOnReplicaZero) {
  ReplicaRun first = LawRun(3, 900, false, 50, 200, 2);
  EXPECT_FALSE(first.PublishesSpread());
  const std::optional<DirectLaw> measured = MeasureScalingLaw({first});
  ASSERT_TRUE(measured.has_value());
  EXPECT_NEAR(measured->ingest_us, 200, 1);
  for (ReplicaPhase& r : first.each) r.ingested = 0;  // as recorded before
  EXPECT_DOUBLE_EQ(first.IngestedBy(0), 900);
  EXPECT_DOUBLE_EQ(first.IngestedBy(1), 0);
  ASSERT_TRUE(MeasureScalingLaw({first}).has_value());
  EXPECT_NEAR(MeasureScalingLaw({first})->ingest_us, 200, 1);
}

}  // namespace
}  // namespace sitrep::bench
