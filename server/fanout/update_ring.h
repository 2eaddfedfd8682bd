#ifndef SITREP_SERVER_FANOUT_UPDATE_RING_H_
#define SITREP_SERVER_FANOUT_UPDATE_RING_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "server/log/log_entry.h"

namespace sitrep {

// A bounded cache of the log's most recent entries, with contiguous
// sequences [first(), last()]. Only a cache: a miss means "read the store".
//
// Thread safety: Append and TrimBefore take the lock exclusively, ForEachFrom
// shares it, so many subscribers read while one writer appends.
class UpdateRing {
 public:
  explicit UpdateRing(size_t capacity);

  // Adds entries that continue the cached sequence (entries[0] == last()+1);
  // anything else (the first append after start, a jump) restarts the cache
  // at entries[0]. Evicts the oldest entries beyond capacity.
  void Append(const std::vector<LogEntryPtr>& entries);

  // Drops cached entries with sequence < `oldest` (retention removed them).
  void TrimBefore(uint64_t oldest);

  struct Visited {
    // False when `from` is not cached (evicted, or beyond last()): nothing
    // was looked at.
    bool cached = false;
    // The last sequence looked at, visited or skipped; from - 1 if none.
    uint64_t through = 0;
    // Entries looked at, visited or skipped.
    size_t looked_at = 0;
  };
  // Looks at the cached entries from sequence `from` on, in order, at most
  // `max_entries`, and calls `visit` for those whose LogEntry::missions
  // meet `missions`, until `visit` returns false. The others are
  // skipped without touching them: most of a narrow subscriber's scan.
  Visited ForEachFrom(uint64_t from, size_t max_entries, MissionSet missions,
                      absl::FunctionRef<bool(const LogEntryPtr&)> visit) const;

  // The oldest cached sequence; last() + 1 when the ring is empty.
  uint64_t first() const;
  uint64_t last() const;

 private:
  const size_t capacity_;

  mutable absl::Mutex mu_;
  // slots_[sequence % capacity_] holds the entry of `sequence` when cached.
  std::vector<LogEntryPtr> slots_ ABSL_GUARDED_BY(mu_);
  // The bits() of each slot's entry's missions, apart, so that a scan skips
  // an entry without loading it.
  std::vector<uint8_t> mission_bits_ ABSL_GUARDED_BY(mu_);
  uint64_t first_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_UPDATE_RING_H_
