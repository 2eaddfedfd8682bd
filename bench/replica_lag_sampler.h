// Which replica holds the publisher back in the replicas scenario's phase
// A (bench/replicas_target.cc). The publisher stays at most --lag_limit
// updates ahead of the slowest subscriber of all; with K replicas that
// subscriber is on one of them, and while it is, the others can only
// deliver what the limit lets through. Every ~1 ms this sampler finds each
// replica's slowest subscriber and notes which replica's is the slowest of
// all and how far ahead of it the others' are: whether one replica holds
// the rest (a budget stop, say) or they move together.
#ifndef SITREP_BENCH_REPLICA_LAG_SAMPLER_H_
#define SITREP_BENCH_REPLICA_LAG_SAMPLER_H_

#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bench/verifying_subscriber.h"

namespace sitrep::bench {

// Thread safety: Read from any thread; one sampling thread of its own,
// started by the constructor and joined by Stop (or the destructor).
class ReplicaLagSampler {
 public:
  // `served`: (replica index < replicas, subscriber) for every subscriber
  // the lag limit follows; the subscribers are borrowed until Stop.
  ReplicaLagSampler(
      size_t replicas,
      std::vector<std::pair<size_t, const VerifyingSubscriber*>> served);
  ~ReplicaLagSampler();
  ReplicaLagSampler(const ReplicaLagSampler&) = delete;
  ReplicaLagSampler& operator=(const ReplicaLagSampler&) = delete;

  // Ends the sampling; later calls do nothing.
  void Stop();

  // Replica `replica`'s counts since the start (ReplicaPhase's fields of
  // the same names).
  struct Counts {
    uint64_t samples = 0;
    uint64_t slowest_samples = 0;
    double ahead_sum = 0;
  };
  Counts Read(size_t replica) const;

 private:
  void Loop();
  void SampleOnce();

  // Constant after construction.
  const std::vector<std::pair<size_t, const VerifyingSubscriber*>> served_;

  mutable absl::Mutex mu_;
  std::vector<Counts> counts_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_REPLICA_LAG_SAMPLER_H_
