#ifndef SITREP_SERVER_METRICS_SHARDED_TALLY_H_
#define SITREP_SERVER_METRICS_SHARDED_TALLY_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sitrep {

// Counts made on hot paths and read only at scrape time: every delivery to
// every subscriber adds to them (67k a second at 200 updates/s to 1,000
// streams). Each thread adds to one of kShards cache-line-aligned shards
// with relaxed atomic adds, so a delivery costs a few uncontended
// instructions instead of the Prometheus histogram's mutex and one
// compare-and-swap loop per bucket, shared by every thread (issue 24).
// Take() moves what was counted since the last Take() out, for the scrape
// to fold into the Prometheus series (a value counted during a Take() may
// have its count in this one and its sum in the next: the series are
// right again at the next scrape, as Prometheus' rate() expects).
//
// Thread safety: every method may be called from any thread.

// Which shard the calling thread adds to (assigned round-robin at a
// thread's first use).
size_t TallyShardOfThisThread();
inline constexpr size_t kTallyShards = 8;

class ShardedCounter {
 public:
  void Add(uint64_t n) {
    shards_[TallyShardOfThisThread()].value.fetch_add(
        n, std::memory_order_relaxed);
  }
  // What was added since the last Take().
  uint64_t Take();

 private:
  struct alignas(64) Shard {
    std::atomic<uint64_t> value{0};
  };
  std::array<Shard, kTallyShards> shards_;
};

// A histogram's bucket counts and sum, as Prometheus keeps them: bucket i
// counts the values <= bounds[i] (and > bounds[i - 1]); the last bucket,
// past every bound, is +Inf.
class ShardedHistogram {
 public:
  explicit ShardedHistogram(std::vector<double> bounds);

  // The bucket `value` falls in, for Add().
  size_t BucketOf(double value) const;
  // Counts `count` values in `bucket` that add `sum` to the total.
  void Add(size_t bucket, uint64_t count, double sum);
  void Observe(double value) { Add(BucketOf(value), 1, value); }
  // Adds counts[i] values to bucket i (bounds().size() + 1 counts) that add
  // `sum` to the total.
  void AddCounts(const uint64_t* counts, double sum);

  struct Taken {
    std::vector<double> counts;  // bounds().size() + 1 buckets
    double sum = 0;
    uint64_t total = 0;  // values counted
  };
  // What was counted since the last Take().
  Taken Take();

  const std::vector<double>& bounds() const { return bounds_; }

 private:
  struct alignas(64) Shard {
    // bounds_.size() + 1 counts.
    std::unique_ptr<std::atomic<uint64_t>[]> counts;
    std::atomic<double> sum{0};
  };

  const std::vector<double> bounds_;
  std::array<Shard, kTallyShards> shards_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_SHARDED_TALLY_H_
