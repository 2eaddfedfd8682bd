#include "server/http/sse_frame_cache.h"

#include <algorithm>
#include <utility>

namespace sitrep {

std::string SseChunk::Flatten() const {
  std::string out;
  out.reserve(bytes);
  for (const SseFrame& frame : frames) out += *frame;
  return out;
}

SseFrameCache::SseFrameCache(Options options, MakeFrame make)
    : options_(options),
      make_(std::move(make)),
      slot_count_(std::max<size_t>(options.slots, 1)),
      slots_(new Slot[slot_count_]) {}

SseFrame SseFrameCache::UpdateFrame(const LogEntryPtr& entry) {
  Slot& slot = slots_[entry->sequence() % slot_count_];
  {
    absl::MutexLock lock(&slot.mu);
    if (slot.entry == entry) {
      ++slot.hits;
      return slot.frame;
    }
    ++slot.misses;
  }
  // Made outside the lock: two streams missing the same entry at once both
  // make it, and the second one's replaces the first's (same bytes).
  auto frame = std::make_shared<const std::string>(make_(*entry));
  if (frame->size() > options_.max_frame_bytes) return frame;
  SseFrame evicted;
  LogEntryPtr evicted_entry;
  {
    absl::MutexLock lock(&slot.mu);
    evicted = std::exchange(slot.frame, frame);
    evicted_entry = std::exchange(slot.entry, entry);
  }
  // Freed here, outside the lock, if nobody else holds them.
  return frame;
}

SseFrameCache::Stats SseFrameCache::stats() const {
  Stats stats;
  for (size_t i = 0; i < slot_count_; ++i) {
    const Slot& slot = slots_[i];
    absl::MutexLock lock(&slot.mu);
    stats.hits += slot.hits;
    stats.misses += slot.misses;
    if (slot.frame != nullptr) {
      ++stats.frames;
      stats.bytes += slot.frame->size();
    }
  }
  return stats;
}

}  // namespace sitrep
