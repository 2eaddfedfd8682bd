#ifndef SITREP_SERVER_FANOUT_WAKE_INDEX_H_
#define SITREP_SERVER_FANOUT_WAKE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "server/filter/wake_keys.h"
#include "server/runtime/fair_scheduler.h"

namespace sitrep {

class FeedWaiter;

// The Feed's subscribers, filed under their wake keys (filter/wake_keys.h),
// so that an append takes out only the waiters that share a key with one of
// its updates: the work of a wake-up is bounded by the keys an update
// carries and the waiters that may want it, not by every waiter of its
// mission (issue 17, M-5).
//
// A waiter stays filed between its waits: Add arms it (the index holds it
// until it is woken), Take disarms the armed ones it wakes and leaves them
// filed. A live stream parks after every delivery, and filing it anew each
// time (hash sets per key, an entry made and erased) was ~500 instructions
// of every delivery at 200 updates/s x 1,000 streams (issue 24); arming a
// filed waiter is one lookup. Unarmed entries stay in their keys' buckets,
// so a Take also steps over the filed waiters that are not waiting (one
// test each): the Feed takes each distinct key once per append.
//
// Each bucket lists its waiters in order of their `group` (the Feed's
// caller passes its transport connection), so that a wake-up's waiters come
// out grouped: a connection's streams are pumped, and their writes started,
// one after another, which is when gRPC's transport writes them together
// (issue 24; docs/performance.md, h24-grpc2).
//
// An unarmed entry holds no reference to its waiter: a waiter must be
// Forget()-ten before it is destroyed, or its entry stays (never
// dereferenced, but kept) until the index is.
//
// Thread safety: thread-compatible; the Feed holds its mutex around every
// call.
class WakeIndex {
 public:
  struct Woken {
    std::shared_ptr<FeedWaiter> waiter;
    // The lane it was filed with (null: none).
    std::shared_ptr<FairScheduler::Lane> lane;
  };

  WakeIndex() = default;
  WakeIndex(const WakeIndex&) = delete;
  WakeIndex& operator=(const WakeIndex&) = delete;

  // Arms `waiter` under `keys` (at least one), filing it first if it is not
  // filed or was filed under other keys or another group. `lane` (nullable)
  // is handed back with it by Take.
  void Add(std::shared_ptr<FeedWaiter> waiter, absl::Span<const WakeKey> keys,
           const std::shared_ptr<FairScheduler::Lane>& lane,
           uint64_t group = 0);
  // Disarms `waiter` and keeps it filed. Returns the reference the index
  // held (release it outside the caller's lock: it may be the last one), or
  // null when it was not armed.
  std::shared_ptr<FeedWaiter> Disarm(const FeedWaiter* waiter);
  // Unfiles `waiter` altogether; returns what Disarm returns.
  std::shared_ptr<FeedWaiter> Forget(const FeedWaiter* waiter);
  // Moves every armed waiter filed under one of `keys` (distinct) to `woken`
  // (each once; a key's waiters in order of group) and disarms it.
  void Take(absl::Span<const WakeKey> keys, std::vector<Woken>* woken);

  // No waiter is armed.
  bool empty() const { return armed_ == 0; }
  // Armed waiters.
  size_t size() const { return armed_; }
  // Filed waiters, armed or not (for tests).
  size_t filed() const { return entries_.size(); }

 private:
  // A stream's few keys are kept inline, not in an allocation of their own.
  using Keys = absl::InlinedVector<WakeKey, 4>;
  struct Entry {
    // Set while armed: the index keeps the waiter alive until it wakes it.
    std::shared_ptr<FeedWaiter> armed;
    Keys keys;
    std::shared_ptr<FairScheduler::Lane> lane;
    uint64_t group = 0;
  };
  void File(Entry* entry);
  void Unfile(Entry* entry);

  // Entries are boxed so that buckets may point at them.
  absl::flat_hash_map<const FeedWaiter*, std::unique_ptr<Entry>> entries_;
  absl::flat_hash_map<WakeKey, std::vector<Entry*>> buckets_;
  size_t armed_ = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_WAKE_INDEX_H_
