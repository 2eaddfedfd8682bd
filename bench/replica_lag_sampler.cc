#include "bench/replica_lag_sampler.h"

#include <algorithm>
#include <limits>

#include "absl/time/time.h"

namespace sitrep::bench {

ReplicaLagSampler::ReplicaLagSampler(
    size_t replicas,
    std::vector<std::pair<size_t, const VerifyingSubscriber*>> served)
    : served_(std::move(served)),
      counts_(replicas),
      thread_([this] { Loop(); }) {}

ReplicaLagSampler::~ReplicaLagSampler() { Stop(); }

void ReplicaLagSampler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

ReplicaLagSampler::Counts ReplicaLagSampler::Read(size_t replica) const {
  absl::MutexLock lock(&mu_);
  return replica < counts_.size() ? counts_[replica] : Counts{};
}

void ReplicaLagSampler::Loop() {
  // Until Stop: one sample per millisecond (the publisher's own lag
  // monitor reads the subscribers as often, bench/fanout_scenario.cc).
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(1))) {
        return;
      }
    }
    SampleOnce();
  }
}

void ReplicaLagSampler::SampleOnce() {
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> slowest;
  {
    absl::MutexLock lock(&mu_);
    slowest.assign(counts_.size(), kNone);
  }
  for (const auto& [replica, subscriber] : served_) {
    if (replica < slowest.size()) {
      slowest[replica] = std::min(slowest[replica], subscriber->expected_g());
    }
  }
  const int64_t all = *std::min_element(slowest.begin(), slowest.end());
  if (all == kNone) return;
  absl::MutexLock lock(&mu_);
  for (size_t k = 0; k < slowest.size(); ++k) {
    if (slowest[k] == kNone) continue;
    Counts& c = counts_[k];
    ++c.samples;
    // A subscriber expects every third update (its mission's): within 3
    // of the slowest of all is as far behind as it.
    if (slowest[k] - all < 3) ++c.slowest_samples;
    c.ahead_sum += static_cast<double>(slowest[k] - all);
  }
}

}  // namespace sitrep::bench
