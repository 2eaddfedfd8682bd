#include "server/metrics/sharded_tally.h"

#include <algorithm>
#include <utility>

namespace sitrep {

size_t TallyShardOfThisThread() {
  static std::atomic<size_t> next{0};
  thread_local const size_t shard =
      next.fetch_add(1, std::memory_order_relaxed) % kTallyShards;
  return shard;
}

uint64_t ShardedCounter::Take() {
  uint64_t total = 0;
  for (Shard& shard : shards_) {
    total += shard.value.exchange(0, std::memory_order_relaxed);
  }
  return total;
}

ShardedHistogram::ShardedHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)) {
  for (Shard& shard : shards_) {
    shard.counts =
        std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i) shard.counts[i] = 0;
  }
}

size_t ShardedHistogram::BucketOf(double value) const {
  // Prometheus' rule: the first bound >= value.
  return static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) -
      bounds_.begin());
}

void ShardedHistogram::Add(size_t bucket, uint64_t count, double sum) {
  Shard& shard = shards_[TallyShardOfThisThread()];
  shard.counts[bucket].fetch_add(count, std::memory_order_relaxed);
  // Uncontended but for threads sharing a shard: one round as a rule.
  double seen = shard.sum.load(std::memory_order_relaxed);
  while (!shard.sum.compare_exchange_weak(seen, seen + sum,
                                          std::memory_order_relaxed)) {
  }
}

void ShardedHistogram::AddCounts(const uint64_t* counts, double sum) {
  Shard& shard = shards_[TallyShardOfThisThread()];
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    if (counts[i] != 0) {
      shard.counts[i].fetch_add(counts[i], std::memory_order_relaxed);
    }
  }
  double seen = shard.sum.load(std::memory_order_relaxed);
  while (!shard.sum.compare_exchange_weak(seen, seen + sum,
                                          std::memory_order_relaxed)) {
  }
}

ShardedHistogram::Taken ShardedHistogram::Take() {
  Taken taken;
  taken.counts.assign(bounds_.size() + 1, 0.0);
  for (Shard& shard : shards_) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      const uint64_t n = shard.counts[i].exchange(0, std::memory_order_relaxed);
      taken.counts[i] += static_cast<double>(n);
      taken.total += n;
    }
    taken.sum += shard.sum.exchange(0, std::memory_order_relaxed);
  }
  return taken;
}

}  // namespace sitrep
