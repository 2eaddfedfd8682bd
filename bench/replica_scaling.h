#ifndef SITREP_BENCH_REPLICA_SCALING_H_
#define SITREP_BENCH_REPLICA_SCALING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sitrep::bench {

// What one sitrepd replica did in the measured phase (phase A, max rate)
// of sitrep-bench --scenario=replicas.
struct ReplicaPhase {
  int index = 0;
  // Publishes through this replica acknowledged in the phase (its ingest:
  // all of them on replica 0 with --replica_publishers=first, a share each
  // with spread). Every replica's 0: not recorded, replica 0 took all.
  uint64_t ingested = 0;
  double cpu_seconds = 0;    // utime + stime in the phase
  double periods = 0;        // CFS periods of its CPU budget in the phase
  double throttled_periods = 0;  // of those, ended with the budget spent
  uint64_t deliveries = 0;   // updates its subscribers received
  // Messages with updates its subscribers received: the replica's writes
  // of updates (deliveries / writes: updates per write, which sets the
  // cost per delivery).
  uint64_t writes = 0;
  double throttled_seconds = 0;  // stood stopped by its budget in the phase
  // Every ~1 ms the bench compares the replicas' slowest subscribers:
  // `samples` taken, in `slowest_samples` of them this replica's was the
  // slowest of all (within one update: ties count for each), i.e. held the
  // publisher at the lag limit; `ahead_sum`: the updates its slowest was
  // ahead of the slowest of all, summed over the samples.
  uint64_t samples = 0;
  uint64_t slowest_samples = 0;
  double ahead_sum = 0;
};

// The counters between `start` and `now` of one replica (its index kept).
ReplicaPhase Since(const ReplicaPhase& now, const ReplicaPhase& start);

// One run with `replicas` replicas.
struct ReplicaRun {
  int round = 1;             // of --replica_rounds (bench/replica_rounds.h)
  int replicas = 0;
  int publishers = 1;        // PublishStreams sharing the updates
  double budget_cores = 0;   // per replica; 0: no budget
  double seconds = 0;        // length of the phase
  uint64_t updates = 0;      // appended in the phase (every replica applies each)
  double nats_cpu_seconds = 0;
  // The load generator (sitrep-bench: the subscribers and the publisher,
  // outside every budget) in the phase: all its threads, and its busiest
  // thread alone. Negative: not measured. Near a core for the busiest
  // thread, or near what the budgets leave of the machine for all of
  // them, the run measures the load generator, not the replicas.
  double loadgen_cpu_seconds = -1;
  double loadgen_busiest_thread_seconds = -1;
  // CPU in the phase of one more replica that serves nobody (no budget):
  // the tail alone. Negative: not measured.
  double tail_cpu_seconds = -1;
  // Subscribers that receive each update (the bench's subscribers follow
  // one mission of three: N / 3).
  double matches = 0;
  // The publisher's --lag_limit in the phase (bench/lag_loop.h); 0: none.
  double lag_limit = 0;
  std::vector<ReplicaPhase> each;

  uint64_t deliveries() const;
  double delivered_per_second() const;
  // Replica k's publishes in the phase: its `ingested`, or when no replica
  // recorded any, all of them on replica 0. Inline: the delivery cost's
  // fit (bench/delivery_cost.cc) uses it without this file's .cc.
  double IngestedBy(size_t k) const {
    bool recorded = false;
    for (const ReplicaPhase& r : each) recorded = recorded || r.ingested > 0;
    if (recorded) return k < each.size() ? static_cast<double>(each[k].ingested) : 0;
    return k == 0 ? static_cast<double>(updates) : 0;
  }
  // More than one replica took publishes.
  bool PublishesSpread() const {
    int taking = 0;
    for (size_t k = 0; k < each.size(); ++k) taking += IngestedBy(k) > 0 ? 1 : 0;
    return taking > 1;
  }
};

// One step of the capacity search at a latency bound
// (bench/capacity_search.h): `offered` updates/s, one per message, for
// --capacity_step, then a wait until every subscriber has the step's
// updates.
struct CapacityStep {
  double offered = 0;        // updates/s asked for
  double published = 0;      // updates/s the publisher achieved
  double delivered = 0;      // deliveries of the step's updates / its length
  double p50_ms = 0, p99_ms = 0;  // publish->deliver of those deliveries
  uint64_t deliveries = 0;   // first deliveries recorded
  uint64_t expected = 0;     // what the subscribers' missions call for
  uint64_t updates = 0;      // published in the step
  bool drained = false;      // every subscriber had them before the wait ended
  bool passed = false;       // drained, none missing, p99 <= bound, rate held
  double seconds = 0;        // from its start until drained (or given up)
  std::vector<ReplicaPhase> each;  // in those seconds
  double tail_cpu_seconds = -1;    // the tail-only replica's, if any
};

// The search of one run: its steps in order and the highest that passed.
struct BoundedCapacity {
  int replicas = 0;
  double budget_cores = 0;
  double bound_ms = 0;       // p99 bound of every step
  std::vector<CapacityStep> steps;
  int best = -1;             // index in steps; -1: none passed
  bool exhausted = false;    // out of steps while passing: a lower bound
  const CapacityStep* best_step() const {
    return best >= 0 ? &steps[static_cast<size_t>(best)] : nullptr;
  }
};

// The cost model the runs are fitted to, in CPU seconds:
//   replica CPU = updates x tail + publishes taken x ingest + deliveries x delivery
// tail: applying one update from the stream (every replica pays it);
// ingest: validating and publishing it (only the replica that took it; with
// spread publishing, the conflicts of the replicas' writers are in it);
// delivery: one update written to one subscriber.
struct ScalingLaw {
  double tail_us = 0;
  double ingest_us = 0;
  double delivery_us = 0;
};

// Least squares over every replica of every run; nullopt when the runs do
// not determine the three costs (fewer than two replica counts, no
// replica that took no publishes - with the publishes spread, each
// replica's ingest and deliveries are the same share of the run's - a
// singular system, or a negative cost: noise larger than the signal, as on
// a loaded machine).
std::optional<ScalingLaw> FitScalingLaw(const std::vector<ReplicaRun>& runs);

// The delivered updates/s the law predicts for `replicas` replicas with
// `budget_cores` each, `matches` subscribers receiving each update (spread
// evenly), all publishes through one replica (as the bench does) or spread
// over all of them (a load balancer in front of the publishers).
double PredictDelivered(const ScalingLaw& law, double budget_cores, int replicas,
                        double matches, bool publishes_spread);

// The law from direct measurements: the tail from the tail-only replica,
// ingest from the replicas that took publishes against those that took
// none (runs with 2+ replicas), and the delivery cost of each run's
// replicas once tail and ingest are taken off. nullopt without a tail
// measurement or a run with a replica that took no publishes (spread
// publishing alone cannot tell ingest from delivery).
struct DirectLaw {
  double tail_us = 0;
  double ingest_us = 0;
  std::vector<std::pair<int, double>> delivery_us;  // (replicas, us) per run
};
std::optional<DirectLaw> MeasureScalingLaw(const std::vector<ReplicaRun>& runs);

// `run`'s CPU per delivery in microseconds once every replica's tail and the
// ingest of the publishes it took are taken off (DirectLaw::delivery_us);
// -1 for a run without deliveries.
double DeliveryUs(const ReplicaRun& run, double tail_us, double ingest_us);

// Prints the capacity table, the ratios against the targets (>= 1.8x at 2
// replicas, >= 2.5x at 3), the fitted law and the projection to 10
// replicas and 10,000 subscribers: RESULT lines (scenario "replicas
// scaling") for bench/run.sh and "#"-lines for people, on stdout.
// With `bounded` (one per run, when the search ran) first the capacity at
// the latency bound with its own ratios against the targets; the lag-limit
// capacity (phase A) follows, labelled as such.
void ReportReplicaScaling(const std::vector<ReplicaRun>& runs,
                          const std::vector<BoundedCapacity>& bounded,
                          uint64_t failures);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_REPLICA_SCALING_H_
