#include "server/service/subscription_registry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/service/subscription.h"

namespace sitrep {

absl::Status SubscriptionRegistry::Add(
    const std::shared_ptr<Subscription>& subscription) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return absl::UnavailableError(
        "the server is shutting down; subscribe to another server or retry "
        "later with your cursor");
  }
  if (subscriptions_.size() >= max_subscriptions_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server already serves ", subscriptions_.size(),
        " streams (--max_subscriptions); retry later or use another server"));
  }
  subscriptions_.emplace(subscription.get(), subscription);
  return absl::OkStatus();
}

void SubscriptionRegistry::Remove(const Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  subscriptions_.erase(subscription);
}

void SubscriptionRegistry::EndAll(const absl::Status& status) {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (auto& [key, weak] : subscriptions_) {
      if (auto subscription = weak.lock()) live.push_back(subscription);
    }
  }
  for (auto& subscription : live) subscription->End(status);
}

bool SubscriptionRegistry::AwaitEmpty(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return subscriptions_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

SubscriptionRegistry::Stats SubscriptionRegistry::Collect(uint64_t head) const {
  // Copies the streams out first: each one's lag is read under its own
  // mutex, which is never taken while holding mu_.
  std::vector<std::shared_ptr<Subscription>> live;
  {
    absl::MutexLock lock(&mu_);
    live.reserve(subscriptions_.size());
    for (const auto& [key, weak] : subscriptions_) {
      if (auto subscription = weak.lock()) live.push_back(subscription);
    }
  }
  Stats stats;
  for (const auto& subscription : live) {
    ++stats.by_mission_mask[subscription->mission_mask()];
    stats.max_lag = std::max(stats.max_lag, subscription->Lag(head));
  }
  return stats;
}

size_t SubscriptionRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return subscriptions_.size();
}

}  // namespace sitrep
