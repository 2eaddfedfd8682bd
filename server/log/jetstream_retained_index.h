#ifndef SITREP_SERVER_LOG_JETSTREAM_RETAINED_INDEX_H_
#define SITREP_SERVER_LOG_JETSTREAM_RETAINED_INDEX_H_

// What one JetStream replica remembers of the retained updates
// [oldest(), head()] of the stream, as its tail applied them:
//   - per sequence, its received_at and the digest of its (publisher,
//     event_id) (24 bytes);
//   - the dedupe index digest -> sequence: an event id is remembered exactly
//     as long as its update is retained, as in the SQLite store (whose
//     UNIQUE(publisher, event_id) goes with the row): DropBefore() removes a
//     sequence's entry with the sequence, so the same id published after
//     retention removed its update is a new update;
//   - the entries of the newest `cache_entries` sequences, for Read.
// So the memory is ~60 bytes per retained update (the per-sequence slot and
// one slot of the hash map) plus the cache, whatever the log's age: it
// follows retention (docs/design.md, "The JetStream log's memory").
//
// Not thread-safe: the log guards it with its mutex.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace jetstream {

// 128 bits of the SHA-256 of an update's (publisher, event_id): at a billion
// retained updates the chance of one collision is about 1e-21.
using EventDigest = absl::uint128;
EventDigest DigestOf(const v1::SituationUpdate& update);
// The same digest from the two fields themselves (a scanned update).
EventDigest DigestOf(absl::string_view publisher, absl::string_view event_id);

// The digest a stored message's Nats-Msg-Id begins with: sitrep's writer
// makes the id from DigestOf (32 lower-case hex digits, then
// ".<nonce>.<attempt>"), and ids of streams written before (JetStreamMsgId:
// the whole SHA-256 in 64 hex digits) begin with the same 32. So another
// replica's tail reads the digest instead of hashing the event key again
// (one SHA-256 per update on every replica). nullopt when `msg_id` does not
// begin with 32 hex digits followed by '.' or more hex: then DigestOf.
std::optional<EventDigest> DigestFromMsgId(absl::string_view msg_id);

class RetainedIndex {
 public:
  explicit RetainedIndex(size_t cache_entries)
      : cache_capacity_(cache_entries > 0 ? cache_entries : 1) {}

  // Forgets everything: the next Add is `oldest`.
  void Reset(uint64_t oldest);
  // Appends the entry of sequence head() + 1.
  // REQUIRES: entry->sequence() == head() + 1.
  void Add(const LogEntryPtr& entry, EventDigest digest);
  // Appends sequence head() + 1 without its entry (a joining replica's
  // read of the updates older than its cache will hold): empties the
  // cache, which holds consecutive sequences up to head().
  void AddWithoutEntry(int64_t received_us, EventDigest digest);
  // Room for `count` more retained updates without growing the dedupe map
  // step by step (a joining replica knows how many it will read).
  void Reserve(size_t count) { events_.reserve(events_.size() + count); }
  // Forgets the sequences below `target` (retention). No-op when
  // target <= oldest(); REQUIRES: target <= head() + 1.
  void DropBefore(uint64_t target);

  uint64_t oldest() const { return first_; }
  uint64_t head() const { return first_ + slots_.size() - 1; }

  // The retained sequence of the update with this (publisher, event_id).
  std::optional<uint64_t> FindEvent(EventDigest digest) const;
  // The cached entry `sequence`; null when it is not cached.
  LogEntryPtr Cached(uint64_t sequence) const;
  // The first retained sequence received at or after `micros` since the
  // epoch; head() + 1 when none.
  uint64_t FirstReceivedAtOrAfter(int64_t micros) const;

  size_t event_count() const { return events_.size(); }
  size_t cached_count() const { return cache_.size(); }
  size_t cache_capacity() const { return cache_capacity_; }
  // The first cached sequence (head() + 1 when nothing is cached).
  uint64_t cached_first() const { return head() + 1 - cache_.size(); }
  size_t retained_count() const { return slots_.size(); }

 private:
  struct Slot {
    int64_t received_us;
    EventDigest digest;
  };

  const size_t cache_capacity_;
  uint64_t first_ = 1;  // The sequence of slots_.front().
  std::deque<Slot> slots_;
  absl::flat_hash_map<EventDigest, uint64_t> events_;
  // The entries of the sequences [head() + 1 - cache_.size(), head()].
  std::deque<LogEntryPtr> cache_;
};

}  // namespace jetstream
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_RETAINED_INDEX_H_
