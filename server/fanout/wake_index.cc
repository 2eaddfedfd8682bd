#include "server/fanout/wake_index.h"

#include <algorithm>
#include <utility>

namespace sitrep {

void WakeIndex::Add(std::shared_ptr<FeedWaiter> waiter,
                    absl::Span<const WakeKey> keys,
                    const std::shared_ptr<FairScheduler::Lane>& lane,
                    uint64_t group) {
  std::unique_ptr<Entry>& slot = entries_[waiter.get()];
  if (slot == nullptr) {
    slot = std::make_unique<Entry>();
    slot->keys.assign(keys.begin(), keys.end());
    slot->group = group;
    File(slot.get());
  } else if (slot->group != group ||
             !std::equal(slot->keys.begin(), slot->keys.end(), keys.begin(),
                         keys.end())) {
    Unfile(slot.get());
    slot->keys.assign(keys.begin(), keys.end());
    slot->group = group;
    File(slot.get());
  }
  Entry& entry = *slot;
  if (entry.lane != lane) entry.lane = lane;
  if (entry.armed == nullptr) ++armed_;
  entry.armed = std::move(waiter);
}

std::shared_ptr<FeedWaiter> WakeIndex::Disarm(const FeedWaiter* waiter) {
  auto it = entries_.find(waiter);
  if (it == entries_.end() || it->second->armed == nullptr) return nullptr;
  --armed_;
  return std::move(it->second->armed);
}

std::shared_ptr<FeedWaiter> WakeIndex::Forget(const FeedWaiter* waiter) {
  auto it = entries_.find(waiter);
  if (it == entries_.end()) return nullptr;
  std::shared_ptr<FeedWaiter> held = std::move(it->second->armed);
  if (held != nullptr) --armed_;
  Unfile(it->second.get());
  entries_.erase(it);
  return held;
}

// Filing and unfiling are linear in the bucket (its order is kept): a
// stream is filed when it first waits and unfiled when it ends, not per
// delivery.
void WakeIndex::File(Entry* entry) {
  for (WakeKey key : entry->keys) {
    std::vector<Entry*>& filed = buckets_[key];
    filed.insert(std::upper_bound(filed.begin(), filed.end(), entry->group,
                                  [](uint64_t group, const Entry* other) {
                                    return group < other->group;
                                  }),
                 entry);
  }
}

void WakeIndex::Unfile(Entry* entry) {
  for (WakeKey key : entry->keys) {
    auto bucket = buckets_.find(key);
    if (bucket == buckets_.end()) continue;
    std::vector<Entry*>& filed = bucket->second;
    auto it = std::find(filed.begin(), filed.end(), entry);
    if (it != filed.end()) filed.erase(it);
    if (filed.empty()) buckets_.erase(bucket);
  }
}

void WakeIndex::Take(absl::Span<const WakeKey> keys,
                     std::vector<Woken>* woken) {
  for (WakeKey key : keys) {
    if (armed_ == 0) return;
    auto bucket = buckets_.find(key);
    if (bucket == buckets_.end()) continue;
    // At most the bucket (not every armed waiter: most may be idle under
    // other keys).
    woken->reserve(woken->size() + bucket->second.size());
    for (Entry* entry : bucket->second) {
      // Unarmed: not waiting, or already taken under another key.
      if (entry->armed == nullptr) continue;
      woken->push_back(Woken{std::move(entry->armed), entry->lane});
      --armed_;
    }
  }
}

}  // namespace sitrep
