#ifndef SITREP_SERVER_SERVICE_SUBSCRIPTION_REGISTRY_H_
#define SITREP_SERVER_SERVICE_SUBSCRIPTION_REGISTRY_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace sitrep {

class Subscription;

// The live Subscribe streams, so that shutdown can end them all and limits
// can count them.
//
// Thread safety: all methods are safe to call concurrently.
class SubscriptionRegistry {
 public:
  explicit SubscriptionRegistry(size_t max_subscriptions)
      : max_subscriptions_(max_subscriptions) {}

  // RESOURCE_EXHAUSTED when the limit is reached or after EndAll().
  absl::Status Add(const std::shared_ptr<Subscription>& subscription);
  void Remove(const Subscription* subscription);

  // Ends every stream with `status` and refuses new ones (UNAVAILABLE).
  void EndAll(const absl::Status& status);

  // Blocks until no stream is registered or `timeout` passed. Returns true
  // when none is left.
  bool AwaitEmpty(absl::Duration timeout);

  size_t size() const;

  // For metrics, at scrape time.
  struct Stats {
    // Streams by their mission mask (Subscription::mission_mask()).
    absl::flat_hash_map<uint32_t, uint64_t> by_mission_mask;
    // The largest Subscription::Lag(head).
    uint64_t max_lag = 0;
  };
  Stats Collect(uint64_t head) const;

 private:
  const size_t max_subscriptions_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const Subscription*, std::weak_ptr<Subscription>>
      subscriptions_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVICE_SUBSCRIPTION_REGISTRY_H_
