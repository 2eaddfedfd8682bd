// The replicas scenario's capacity at a latency bound: the highest publish
// rate at which every delivery's publish->deliver p99 stays under
// --latency_bound with nothing lost, found by stepping offered rates
// (bench/rate_search.h) on a running fan-out (bench/fanout_scenario.cc).
//
// Why not phase A's figure: phase A publishes as fast as the slowest
// subscriber allows, at most --lag_limit updates ahead of it, so how many
// updates each gRPC write carries - most of what a delivery costs - is set
// by that limit, and the "capacity" with it (README, "Capacity over
// replicas, measured"). At a fixed rate and a fixed bound the batching is
// the server's own, the same rule for every replica count.
#ifndef SITREP_BENCH_CAPACITY_SEARCH_H_
#define SITREP_BENCH_CAPACITY_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "bench/fanout_target.h"
#include "bench/replica_scaling.h"

namespace sitrep::bench {

// What the search borrows from the run; all outlive the call.
struct CapacitySearchRun {
  FanoutTarget* system;
  FanoutPublisher* publisher;
  const std::vector<std::unique_ptr<VerifyingSubscriber>>* subscribers;
  int64_t* next_g;  // the next update's index, advanced by every publish
  size_t window;    // PublishStream's unacknowledged requests at most
  // Waits up to its argument until every subscriber has every update
  // below *next_g; false when they did not.
  std::function<bool(absl::Duration)> drained;
};

// Runs the search from `start_rate` updates/s with the --latency_bound,
// --capacity_* flags; one update per message. Every step ends with every
// subscriber caught up (or the search ends, with a note). On the caller's
// thread; the subscribers' threads record into g_step_latencies.
BoundedCapacity SearchCapacity(const CapacitySearchRun& run, double start_rate);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_CAPACITY_SEARCH_H_
