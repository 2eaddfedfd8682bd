#include "server/fanout/update_ring.h"

namespace sitrep {

UpdateRing::UpdateRing(size_t capacity)
    : capacity_(capacity < 1 ? 1 : capacity),
      slots_(capacity_),
      mission_bits_(capacity_, 0) {}

void UpdateRing::Append(const std::vector<LogEntryPtr>& entries) {
  if (entries.empty()) return;
  absl::MutexLock lock(&mu_);
  if (entries.front()->sequence() != last_ + 1) {
    for (LogEntryPtr& slot : slots_) slot.reset();
    first_ = entries.front()->sequence();
    last_ = first_ - 1;
  }
  for (const LogEntryPtr& entry : entries) {
    ++last_;
    slots_[last_ % capacity_] = entry;
    mission_bits_[last_ % capacity_] =
        static_cast<uint8_t>(entry->missions.bits());
    if (last_ - first_ + 1 > capacity_) ++first_;
  }
}

void UpdateRing::TrimBefore(uint64_t oldest) {
  absl::MutexLock lock(&mu_);
  while (first_ < oldest && first_ <= last_) {
    slots_[first_ % capacity_].reset();
    ++first_;
  }
  if (first_ > last_) {
    // Empty: keep last_ so that appends continue; move first_ with oldest.
    if (oldest > last_ + 1) last_ = oldest - 1;
    first_ = last_ + 1;
  }
}

UpdateRing::Visited UpdateRing::ForEachFrom(
    uint64_t from, size_t max_entries, MissionSet missions,
    absl::FunctionRef<bool(const LogEntryPtr&)> visit) const {
  Visited visited;
  visited.through = from - 1;
  absl::ReaderMutexLock lock(&mu_);
  if (from < first_ || from > last_) return visited;
  visited.cached = true;
  if (max_entries == 0) return visited;
  const uint64_t end = std::min<uint64_t>(last_, from + max_entries - 1);
  for (uint64_t seq = from; seq <= end; ++seq) {
    const size_t slot = seq % capacity_;
    visited.through = seq;
    ++visited.looked_at;
    if ((mission_bits_[slot] & missions.bits()) == 0) continue;
    if (!visit(slots_[slot])) break;
  }
  return visited;
}

uint64_t UpdateRing::first() const {
  absl::ReaderMutexLock lock(&mu_);
  return first_;
}

uint64_t UpdateRing::last() const {
  absl::ReaderMutexLock lock(&mu_);
  return last_;
}

}  // namespace sitrep
