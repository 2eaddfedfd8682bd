#ifndef SITREP_SERVER_FANOUT_SUBSCRIBER_CURSOR_H_
#define SITREP_SERVER_FANOUT_SUBSCRIBER_CURSOR_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/fanout/feed.h"
#include "server/filter/filter_matcher.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// One message for a subscriber, before encoding.
struct CursorMessage {
  enum class Type { kUpdates, kCaughtUp, kSnapshotEnd, kGap };
  Type type = Type::kUpdates;
  // kUpdates: the batch, in order.
  std::vector<LogEntryPtr> updates;
  // kUpdates: a batch of a situation snapshot (current incidents, not new
  // updates in sequence order).
  bool snapshot = false;
  // kUpdates: the updates of the batch sent only because their incident's
  // previous update matched the filter (the update by which the incident
  // leaves the view), with the reason (LeftViewReason).
  struct LeftView {
    uint64_t sequence = 0;
    std::string reason;
  };
  std::vector<LeftView> left_view;
  // The cursor after this message (Cursor.sequence).
  uint64_t cursor = 0;
  // kCaughtUp / kSnapshotEnd: the marker's sequence. kGap: the missing range.
  uint64_t sequence = 0;
  uint64_t gap_from = 0;
  uint64_t gap_to = 0;
};

// One subscriber's position over the log (DESIGN §3): delivering is advancing
// the cursor, taking cursor+1 from the ring when it is cached and from the
// store otherwise, so catching up and live are one path with no gap and no
// duplicate. Decides on Gap, CaughtUp and snapshots; knows nothing of gRPC.
//
// Thread safety: thread-compatible. The owner serialises all calls (the
// subscribe reactor holds its mutex, and does the store read in between).
class SubscriberCursor {
 public:
  struct Limits {
    size_t max_batch_updates = 256;
    size_t max_batch_bytes = 64 * 1024;
    // Entries scanned per Next() before yielding to other subscribers.
    size_t max_scan = 16384;
    // Entries per store read.
    size_t store_batch = 1024;
  };

  // Resolves the request's start position against `feed`. Errors:
  // FAILED_PRECONDITION (log_id of another log), OUT_OF_RANGE
  // (after_sequence beyond the head), UNAVAILABLE (store read failed).
  // `feed` and `filter` are borrowed and must outlive the cursor.
  static absl::StatusOr<std::unique_ptr<SubscriberCursor>> Start(
      Feed* feed, const v1::SubscribeRequest& request,
      const FilterMatcher* filter, Limits limits);

  enum class Step {
    kMessage,    // *message is filled: send it.
    kReadStore,  // call ReadStore() (any thread, no lock needed while it
                 // runs), AcceptStoreRead(), Next().
    kYield,      // scanned a lot without a match: call Next() again later.
    kIdle,       // nothing to send until the head moves past cursor().
    kFail,       // end the stream with *failure.
  };
  Step Next(CursorMessage* message, absl::Status* failure);

  // What to read when Next() said kReadStore: reads it when called, so the
  // caller can take the read off its lock.
  struct StoreRead {
    EventLog* log;
    ReadRange range;
    MissionSet missions;
    absl::StatusOr<EventLog::MissionRead> operator()() const {
      return log->ReadForMissions(range, missions);
    }
  };
  StoreRead ReadStore() const;
  // The result of a ReadStore() (an error ends in kFail).
  void AcceptStoreRead(absl::StatusOr<EventLog::MissionRead> read);

  // The updates in (cursor(), sequence] are known not to match (the Feed
  // did not wake this cursor for them, Feed::EndWait): moves past them
  // without reading them. Does nothing during a snapshot or backwards.
  void SkipTo(uint64_t sequence);

  // Next() would say kIdle: caught up at the head, with no snapshot,
  // marker, gap or error owed. Reads no entry, so a transport may ask it
  // on any thread to park the stream at the Feed without a pump
  // (Subscription::OnWriteDone).
  bool Idle() const {
    return store_error_.ok() && !in_snapshot_ && caught_up_sent_ &&
           cursor_ >= feed_->head() && cursor_ >= store_gap_to_ &&
           cursor_ + 1 >= feed_->oldest();
  }

  // Every update <= cursor() was sent or skipped.
  uint64_t cursor() const { return cursor_; }
  // The missions this cursor's filter can match (all without a filter).
  MissionSet missions() const { return missions_; }
  bool caught_up() const { return caught_up_sent_; }
  // A situation snapshot is being sent (cursor() is the one before it).
  bool in_snapshot() const { return in_snapshot_; }

 private:
  SubscriberCursor(Feed* feed, const FilterMatcher* filter, Limits limits,
                   v1::GapPolicy on_gap, uint64_t max_lag);

  void StartSnapshot();
  // The three kinds of turn Next() takes, in its order of precedence: the
  // snapshot's next batch (or its end), a gap that retention left before
  // the cursor (`gap_to`: its last sequence), or the updates after the
  // cursor up to `head`. Next() has cleared message->left_view.
  // Always inlined into Next(), their only caller, and defined next to it in
  // the .cc: Next() runs once per batch on the fan-out path, and this way it
  // costs what it did in one piece (out of line, GCC 12 added about 15
  // instructions a call in callgrind).
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline Step NextSnapshotBatch(
      CursorMessage* message);
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline Step NextGap(uint64_t gap_to,
                                                   CursorMessage* message,
                                                   absl::Status* failure);
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline Step NextUpdates(uint64_t head,
                                                       CursorMessage* message,
                                                       absl::Status* failure);
  // Scans from cursor_+1, adding matches to `batch`. Returns false when the
  // next entry is neither cached nor buffered (a store read is needed).
  bool Scan(std::vector<LogEntryPtr>* batch,
            std::vector<CursorMessage::LeftView>* left_view, size_t* bytes,
            size_t* scanned,
            uint64_t head);
  // Takes `entry` (the one at cursor_+1) into the scan.
  void Consider(const LogEntryPtr& entry, std::vector<LogEntryPtr>* batch,
                std::vector<CursorMessage::LeftView>* left_view,
                size_t* bytes);
  bool BatchFull(const std::vector<LogEntryPtr>& batch, size_t bytes) const;
  void ClearBuffered();

  // Constant after construction.
  Feed* const feed_;
  const FilterMatcher* const filter_;
  const Limits limits_;
  const v1::GapPolicy on_gap_;
  const uint64_t max_lag_;
  const MissionSet missions_;

  uint64_t cursor_ = 0;
  bool caught_up_sent_ = false;
  // Snapshot in progress: updates still to send, and the sequence it ends at.
  bool in_snapshot_ = false;
  std::deque<LogEntryPtr> snapshot_;
  uint64_t snapshot_sequence_ = 0;
  // Entries read from the store, after cursor_. The sequences between them,
  // and from the last one to buffered_through_, were left out by the store
  // because this cursor's missions cannot match them (ReadForMissions).
  std::deque<LogEntryPtr> buffered_;
  uint64_t buffered_through_ = 0;
  // A store read found that retention removed (cursor_, gap_to_].
  uint64_t store_gap_to_ = 0;
  absl::Status store_error_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_SUBSCRIBER_CURSOR_H_
