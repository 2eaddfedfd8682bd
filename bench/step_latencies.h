// The publish->deliver latencies of one step of the replicas scenario's
// capacity search (bench/capacity_search.h), read while subscribers run.
#ifndef SITREP_BENCH_STEP_LATENCIES_H_
#define SITREP_BENCH_STEP_LATENCIES_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sitrep::bench {

// A histogram of 1 ms buckets (0-4 s, then one overflow bucket) of the
// deliveries of the updates g in [first, end): a subscriber's transport
// thread records (Record, lock-free), the step's thread reads the counts
// while deliveries may still arrive. VerifyingSubscriber's own latency
// vector is read only once its subscriber has ended, which a step cannot
// wait for. 1 ms is fine enough for a bound of 100 ms or more.
//
// Thread safety: every member may be called from any thread; Open and
// Percentile/Count are the step's, between which counts only grow.
class StepLatencies {
 public:
  static constexpr int kBuckets = 4001;  // 0..3999 ms, then >= 4 s

  // Starts a step: forgets the counts and records updates g in
  // [first, end) from now on. end may grow (Extend) while the step
  // publishes.
  void Open(int64_t first) {
    end_.store(first, std::memory_order_relaxed);
    for (auto& bucket : buckets_) bucket.store(0, std::memory_order_relaxed);
    first_.store(first, std::memory_order_release);
  }
  // Updates g < end belong to the step (the publisher calls it after
  // each publish).
  void Extend(int64_t end) { end_.store(end, std::memory_order_release); }

  // One delivery of update g, `latency_ns` after its publish.
  void Record(int64_t g, int64_t latency_ns) {
    if (g < first_.load(std::memory_order_acquire) ||
        g >= end_.load(std::memory_order_acquire)) {
      return;
    }
    int64_t ms = latency_ns / 1000000;
    if (ms < 0) ms = 0;
    if (ms >= kBuckets - 1) ms = kBuckets - 1;
    buckets_[static_cast<std::size_t>(ms)].fetch_add(1, std::memory_order_relaxed);
  }

  uint64_t Count() const {
    uint64_t n = 0;
    for (const auto& bucket : buckets_) n += bucket.load(std::memory_order_relaxed);
    return n;
  }
  // The latency (ms, a bucket's upper edge: an upper bound) under which
  // fraction p of the recorded deliveries fell; 0 when none.
  double PercentileMs(double p) const {
    const uint64_t n = Count();
    if (n == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(n) + 0.999999);
    uint64_t seen = 0;
    for (int ms = 0; ms < kBuckets; ++ms) {
      seen += buckets_[static_cast<std::size_t>(ms)].load(std::memory_order_relaxed);
      if (seen >= rank) return ms + 1;
    }
    return kBuckets;
  }

 private:
  // Nothing is recorded until the first Open.
  std::atomic<int64_t> first_{INT64_MAX};
  std::atomic<int64_t> end_{INT64_MIN};
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
};

// The one histogram of the running step (there is one publisher).
inline StepLatencies g_step_latencies;

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_STEP_LATENCIES_H_
