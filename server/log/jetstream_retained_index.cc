#include "server/log/jetstream_retained_index.h"

#include <openssl/sha.h>

#include <algorithm>
#include <string>

#include "server/log/append_rules.h"
#include "server/log/jetstream_nats.h"

namespace sitrep {
namespace jetstream {

EventDigest DigestOf(const v1::SituationUpdate& update) {
  const std::string key = EventKey(update);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         digest);
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) high = (high << 8) | digest[i];
  for (int i = 8; i < 16; ++i) low = (low << 8) | digest[i];
  return absl::MakeUint128(high, low);
}

void RetainedIndex::Reset(uint64_t oldest) {
  first_ = oldest;
  slots_.clear();
  events_.clear();
  cache_.clear();
}

void RetainedIndex::Add(const LogEntryPtr& entry, EventDigest digest) {
  slots_.push_back({ReceivedAtMicros(entry->update), digest});
  events_[digest] = entry->sequence();
  cache_.push_back(entry);
  if (cache_.size() > cache_capacity_) cache_.pop_front();
}

void RetainedIndex::DropBefore(uint64_t target) {
  while (first_ < target && !slots_.empty()) {
    // The id's entry may name a newer sequence (published again after a
    // gap the tail saw): only this sequence's entry goes.
    auto it = events_.find(slots_.front().digest);
    if (it != events_.end() && it->second == first_) events_.erase(it);
    slots_.pop_front();
    ++first_;
  }
  first_ = std::max(first_, target);
  const uint64_t cached_first = head() + 1 - cache_.size();
  for (uint64_t s = cached_first; s < first_ && !cache_.empty(); ++s) {
    cache_.pop_front();
  }
  // Give the deques' and the map's memory back after a large drop.
  if (slots_.empty()) {
    std::deque<Slot>().swap(slots_);
    absl::flat_hash_map<EventDigest, uint64_t>().swap(events_);
  }
}

std::optional<uint64_t> RetainedIndex::FindEvent(EventDigest digest) const {
  auto it = events_.find(digest);
  if (it == events_.end()) return std::nullopt;
  return it->second;
}

LogEntryPtr RetainedIndex::Cached(uint64_t sequence) const {
  const uint64_t cached_first = head() + 1 - cache_.size();
  if (sequence < cached_first || sequence > head()) return nullptr;
  return cache_[sequence - cached_first];
}

uint64_t RetainedIndex::FirstReceivedAtOrAfter(int64_t micros) const {
  // received_at never decreases with the sequence.
  auto it = std::lower_bound(
      slots_.begin(), slots_.end(), micros,
      [](const Slot& slot, int64_t value) { return slot.received_us < value; });
  return first_ + static_cast<uint64_t>(it - slots_.begin());
}

}  // namespace jetstream
}  // namespace sitrep
