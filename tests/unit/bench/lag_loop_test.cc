// bench/lag_loop.h: the lag-limited loop's latency against the write
// interval.
#include "bench/lag_loop.h"

#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

// A 10 s run of `replicas` replicas, 3,000 one-mission subscribers, the
// publisher at `published` updates/s, each replica's writes carrying
// `per_write` updates.
ReplicaRun MakeRun(int replicas, double published, double per_write) {
  ReplicaRun run;
  run.replicas = replicas;
  run.seconds = 10;
  run.updates = static_cast<uint64_t>(published * run.seconds);
  run.matches = 1000;
  run.lag_limit = 256;
  const uint64_t deliveries = run.updates * 1000 / static_cast<uint64_t>(replicas);
  for (int k = 0; k < replicas; ++k) {
    ReplicaPhase r;
    r.index = k;
    r.deliveries = deliveries;
    r.writes = static_cast<uint64_t>(static_cast<double>(deliveries) / per_write);
    run.each.push_back(r);
  }
  return run;
}

TEST(LagLoopTest, AStreamsWriteIntervalIsItsUpdatesPerWriteOverItsUpdatesPerSecond) {
  // 512 updates/s, a third to each stream: 30 updates per write every
  // 30 / (512 / 3) s; the loop is 256 / 512 s.
  const LagLoopPoint p = LagLoopPointOf(MakeRun(1, 512, 30));
  EXPECT_NEAR(p.published, 512, 1e-9);
  EXPECT_NEAR(p.updates_per_write, 30, 1e-3);  // whole writes
  EXPECT_NEAR(p.interval_ms, 1e3 * 30 / (512.0 / 3), 1e-2);
  EXPECT_NEAR(p.loop_ms, 500, 1e-9);
}

TEST(LagLoopTest, FindsTheFixedPartOfTheLoop) {
  // loop = 2 x interval + 100 ms at each rate: u (2 x 3b/u + 0.1) = 256.
  std::vector<ReplicaRun> runs;
  for (const auto& [k, u] : {std::pair{1, 400.0}, std::pair{2, 800.0}, std::pair{3, 1000.0}}) {
    const double b = (256 - u * 0.1) / 6;
    runs.push_back(MakeRun(k, u, b));
  }
  const std::optional<LagLoop> loop = FitLagLoop(runs);
  ASSERT_TRUE(loop.has_value());
  EXPECT_NEAR(loop->alpha, 2, 1e-2);
  EXPECT_NEAR(loop->beta_ms, 100, 1);
}

TEST(LagLoopTest, OneRunOrNoLagLimitFitsNothing) {
  EXPECT_FALSE(FitLagLoop({MakeRun(1, 500, 30)}).has_value());
  ReplicaRun a = MakeRun(1, 500, 30), b = MakeRun(3, 1000, 15);
  a.lag_limit = b.lag_limit = 0;
  EXPECT_EQ(LagLoopPointOf(a).loop_ms, 0);
  EXPECT_FALSE(FitLagLoop({a, b}).has_value());
}

}  // namespace
}  // namespace sitrep::bench
