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
  // Declared before the lock: what a new frame evicts is freed after the
  // lock is released, if nobody else holds it.
  SseFrame evicted;
  LogEntryPtr evicted_entry;
  // Made under the slot's lock: two streams missing the same entry at once
  // made it twice (~1.1 frames per update at N=1,000, issue 24); the one
  // that waits finds it made. The update's JSON, the costly part, is made
  // once per entry anyway (EntryJson); other slots are not held up.
  absl::MutexLock lock(&slot.mu);
  if (slot.entry == entry) {
    ++slot.hits;
    return slot.frame;
  }
  ++slot.misses;
  auto frame = std::make_shared<const std::string>(make_(*entry));
  if (frame->size() > options_.max_frame_bytes) return frame;
  evicted = std::exchange(slot.frame, frame);
  evicted_entry = std::exchange(slot.entry, entry);
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
