#ifndef SITREP_SERVER_FANOUT_WAKE_INDEX_H_
#define SITREP_SERVER_FANOUT_WAKE_INDEX_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "server/filter/wake_keys.h"

namespace sitrep {

class FeedWaiter;

// The Feed's waiting subscribers, filed under their wake keys
// (filter/wake_keys.h), so that an append takes out only the waiters that
// share a key with one of its updates: the work of a wake-up is bounded by
// the keys an update carries and the waiters that may want it, not by every
// waiter of its mission (issue 17, M-5).
//
// Thread safety: thread-compatible; the Feed holds its mutex around every
// call.
class WakeIndex {
 public:
  // Files `waiter` under `keys` (at least one). A waiter already filed is
  // filed again under the new keys.
  void Add(std::shared_ptr<FeedWaiter> waiter, absl::Span<const WakeKey> keys);
  // Removes `waiter`; false when it was not filed.
  bool Remove(const FeedWaiter* waiter);
  // Moves every waiter filed under one of `keys` to `woken` (each once) and
  // removes it from the index.
  void Take(const std::vector<WakeKey>& keys,
            std::vector<std::shared_ptr<FeedWaiter>>* woken);

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  // A stream files itself again after every delivery: its few keys are
  // kept inline, not in an allocation of their own each time.
  using Keys = absl::InlinedVector<WakeKey, 4>;
  struct Entry {
    std::shared_ptr<FeedWaiter> waiter;
    Keys keys;
  };
  void Unfile(const FeedWaiter* waiter, const Keys& keys);

  absl::flat_hash_map<const FeedWaiter*, Entry> entries_;
  absl::flat_hash_map<WakeKey, absl::flat_hash_set<const FeedWaiter*>>
      buckets_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_WAKE_INDEX_H_
