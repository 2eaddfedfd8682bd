#include "server/fanout/wake_index.h"

#include <utility>

namespace sitrep {

void WakeIndex::Add(std::shared_ptr<FeedWaiter> waiter,
                    absl::Span<const WakeKey> keys) {
  const FeedWaiter* const id = waiter.get();
  Remove(id);
  for (WakeKey key : keys) buckets_[key].insert(id);
  entries_.emplace(id, Entry{std::move(waiter), Keys(keys.begin(), keys.end())});
}

bool WakeIndex::Remove(const FeedWaiter* waiter) {
  auto it = entries_.find(waiter);
  if (it == entries_.end()) return false;
  Unfile(waiter, it->second.keys);
  entries_.erase(it);
  return true;
}

void WakeIndex::Unfile(const FeedWaiter* waiter, const Keys& keys) {
  for (WakeKey key : keys) {
    auto bucket = buckets_.find(key);
    if (bucket == buckets_.end()) continue;
    bucket->second.erase(waiter);
    if (bucket->second.empty()) buckets_.erase(bucket);
  }
}

void WakeIndex::Take(const std::vector<WakeKey>& keys,
                     std::vector<std::shared_ptr<FeedWaiter>>* woken) {
  for (WakeKey key : keys) {
    if (entries_.empty()) return;
    auto bucket = buckets_.find(key);
    if (bucket == buckets_.end()) continue;
    const absl::flat_hash_set<const FeedWaiter*> waiters =
        std::move(bucket->second);
    buckets_.erase(bucket);
    for (const FeedWaiter* waiter : waiters) {
      auto it = entries_.find(waiter);
      if (it == entries_.end()) continue;
      // Its other keys' buckets still name it.
      Unfile(waiter, it->second.keys);
      woken->push_back(std::move(it->second.waiter));
      entries_.erase(it);
    }
  }
}

}  // namespace sitrep
