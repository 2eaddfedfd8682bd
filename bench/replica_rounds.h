#ifndef SITREP_BENCH_REPLICA_ROUNDS_H_
#define SITREP_BENCH_REPLICA_ROUNDS_H_

// The capacity ratios of sitrep-bench --scenario=replicas over
// --replica_rounds alternated rounds (1, 2, 3 replicas in each round): each
// round's K-replica capacity over the same round's one-replica capacity,
// and their median, so that one noisy run does not decide the verdict (the
// 0.25-core ratios at 3 replicas sat at 2.32-2.35x one run and 1.90x
// another). A ratio within one round compares runs minutes apart, under
// the same outside load as nearly as this machine allows.

#include <vector>

#include "bench/replica_scaling.h"

namespace sitrep::bench {

struct RoundRatios {
  int replicas = 0;
  std::vector<double> ratios;     // one per round with both runs, in order
  std::vector<double> delivered;  // the K-replica runs' delivered/s, same order
  double median = -1;             // of ratios; -1: no round had both runs
  double median_delivered = 0;    // of delivered
  // Given a law: each round's K-replica cost per delivery (DeliveryUs) over
  // its one-replica run's, same order, and their median (-1 without). Near
  // 1, the ratio measures CPU capacity; below, the K replicas' writes
  // carried more updates each (a ratio from batching, not budgets); above,
  // fewer (the lag loop, not the budgets, held the rate).
  std::vector<double> cost_ratios;
  double median_cost_ratio = -1;
};

// The median of `values` (the mean of the middle two for an even count);
// -1 when empty.
double Median(std::vector<double> values);

// One entry per replica count > 1 met in `runs`, in increasing order;
// runs pair up by ReplicaRun::round. With `law`, the cost ratios too.
std::vector<RoundRatios> RatiosByRound(const std::vector<ReplicaRun>& runs,
                                       const DirectLaw* law = nullptr);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_REPLICA_ROUNDS_H_
