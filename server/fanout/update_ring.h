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

  // Calls `visit` for the cached entries from sequence `from` on, in order,
  // at most `max_entries`, until `visit` returns false. Returns false without
  // calling `visit` when `from` is not cached (evicted, or beyond last()).
  bool ForEachFrom(uint64_t from, size_t max_entries,
                   absl::FunctionRef<bool(const LogEntryPtr&)> visit) const;

  // The oldest cached sequence; last() + 1 when the ring is empty.
  uint64_t first() const;
  uint64_t last() const;

 private:
  const size_t capacity_;

  mutable absl::Mutex mu_;
  // slots_[sequence % capacity_] holds the entry of `sequence` when cached.
  std::vector<LogEntryPtr> slots_ ABSL_GUARDED_BY(mu_);
  uint64_t first_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_UPDATE_RING_H_
