// What sets the updates per write of a lag-limited fan-out (issue 20). In
// phase A of sitrep-bench --scenario=replicas the publisher stays at most
// --lag_limit updates ahead of the slowest subscriber and is held there
// nearly all the time, so by Little's law the lag limit is the publish rate
// times the loop's latency (publish to the slowest subscriber's delivery):
//   lag_limit / published = alpha x write interval + beta
// where the write interval is how long a stream waits between two writes
// (its updates per write over the updates it receives per second): the
// part of the latency that shrinks with the replica's share of the
// streams. beta is the part that does not: the CPU budgets' stops (up to
// 75 ms of each 100 ms CFS period, two budgets in series when the update
// is published through another replica), the publish path, the
// subscribers' side. With beta 0 a replica with a third of the streams
// cycles 3x as often at 3x the rate and its writes carry as many updates
// as one replica's; with beta > 0 the higher rate leaves fewer updates of
// the lag limit to each write, and the cost per delivery rises with the
// replica count (bench/delivery_cost.h).
#ifndef SITREP_BENCH_LAG_LOOP_H_
#define SITREP_BENCH_LAG_LOOP_H_

#include <optional>
#include <vector>

#include "bench/replica_scaling.h"

namespace sitrep::bench {

// One run's figures; zeros where the run lacks them.
struct LagLoopPoint {
  int replicas = 0;
  double published = 0;          // updates/s
  double updates_per_write = 0;  // over all replicas
  double interval_ms = 0;        // between two writes of one stream
  double loop_ms = 0;            // lag_limit / published
};
LagLoopPoint LagLoopPointOf(const ReplicaRun& run);

// loop_ms = alpha x interval_ms + beta_ms, least squares over the runs;
// nullopt with fewer than two different intervals or without a lag limit.
struct LagLoop {
  double alpha = 0;
  double beta_ms = 0;
};
std::optional<LagLoop> FitLagLoop(const std::vector<ReplicaRun>& runs);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_LAG_LOOP_H_
