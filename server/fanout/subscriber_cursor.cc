#include "server/fanout/subscriber_cursor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/fanout/entry_encodings.h"
#include "server/fanout/left_view.h"
#include "server/runtime/proto_time.h"

namespace sitrep {

absl::StatusOr<std::unique_ptr<SubscriberCursor>> SubscriberCursor::Start(
    Feed* feed, const v1::SubscribeRequest& request,
    const FilterMatcher* filter, Limits limits) {
  if (!request.log_id().empty() && request.log_id() != feed->log_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log_id: the cursor belongs to log '", request.log_id(),
        "' but this server's log is '", feed->log_id(),
        "' (the store was wiped, restored or replaced); the cursor's "
        "sequences mean nothing here: subscribe again without after_sequence "
        "(e.g. with situation) and drop the old cursor"));
  }
  std::unique_ptr<SubscriberCursor> cursor(new SubscriberCursor(
      feed, filter, limits, request.on_gap(), request.max_lag()));
  const uint64_t head = feed->head();
  switch (request.start_case()) {
    case v1::SubscribeRequest::kAfterSequence:
      if (request.after_sequence() > head) {
        return absl::OutOfRangeError(absl::StrCat(
            "after_sequence: ", request.after_sequence(),
            " is beyond the head of log '", feed->log_id(), "' (", head,
            "); a cursor can only come from this log"));
      }
      cursor->cursor_ = request.after_sequence();
      break;
    case v1::SubscribeRequest::kSinceTime: {
      if (!IsValidTimestamp(request.since_time())) {
        return absl::InvalidArgumentError(
            "since_time: not a valid timestamp");
      }
      absl::StatusOr<uint64_t> first = feed->log().FirstSequenceAtOrAfter(
          FromProtoTime(request.since_time()));
      if (!first.ok()) return first.status();
      // Start no earlier than what is retained: a time before retention is
      // "from the beginning", not a gap.
      cursor->cursor_ = std::max(*first, feed->oldest()) - 1;
      break;
    }
    case v1::SubscribeRequest::kFromBeginning:
      cursor->cursor_ = feed->oldest() - 1;
      break;
    case v1::SubscribeRequest::kSituation:
      cursor->cursor_ = 0;
      cursor->StartSnapshot();
      break;
    case v1::SubscribeRequest::kFromNow:
    case v1::SubscribeRequest::START_NOT_SET:
      cursor->cursor_ = head;
      break;
  }
  return cursor;
}

SubscriberCursor::SubscriberCursor(Feed* feed, const FilterMatcher* filter,
                                   Limits limits, v1::GapPolicy on_gap,
                                   uint64_t max_lag)
    : feed_(feed),
      filter_(filter),
      limits_(limits),
      on_gap_(on_gap),
      max_lag_(max_lag),
      missions_(filter == nullptr ? MissionSet::All() : filter->Missions()) {}

void SubscriberCursor::StartSnapshot() {
  SituationSnapshot snapshot;
  if (feed_->snapshots() != nullptr) {
    snapshot = feed_->snapshots()->TakeSnapshot(filter_);
  } else {
    snapshot.sequence = feed_->head();
  }
  snapshot_.assign(snapshot.updates.begin(), snapshot.updates.end());
  snapshot_sequence_ = snapshot.sequence;
  in_snapshot_ = true;
  ClearBuffered();
}

void SubscriberCursor::ClearBuffered() {
  buffered_.clear();
  buffered_through_ = 0;
}

bool SubscriberCursor::BatchFull(const std::vector<LogEntryPtr>& batch,
                                 size_t bytes) const {
  return batch.size() >= limits_.max_batch_updates ||
         bytes >= limits_.max_batch_bytes;
}

void SubscriberCursor::Consider(const LogEntryPtr& entry,
                                std::vector<LogEntryPtr>* batch,
                                std::vector<CursorMessage::LeftView>* left_view,
                                size_t* bytes) {
  cursor_ = entry->sequence();
  // An incident update that no longer matches is still sent when the
  // incident's previous update did: it is how the incident leaves this
  // subscriber's view (closed by another mission, de-escalated below its
  // minimum severity), so a filtered situation never keeps a stale entry.
  // A filter on kinds asks for events, not for a view: no leaving there.
  // Rights come first: a reader never gets an update of a mission it may
  // not read, even one that closes an incident it saw.
  if (filter_ == nullptr || filter_->Matches(entry->update)) {
    *bytes += UpdatesFieldSize(*entry);
    batch->push_back(entry);
  } else if (entry->previous != nullptr && !filter_->RestrictsKinds() &&
             filter_->Readable(entry->update) &&
             filter_->Matches(*entry->previous)) {
    *bytes += UpdatesFieldSize(*entry);
    batch->push_back(entry);
    left_view->push_back(
        {entry->sequence(), LeftViewReason(entry->update, *entry->previous)});
  }
}

bool SubscriberCursor::Scan(std::vector<LogEntryPtr>* batch,
                            std::vector<CursorMessage::LeftView>* left_view,
                            size_t* bytes, size_t* scanned, uint64_t head) {
  while (cursor_ < head && !BatchFull(*batch, *bytes) &&
         *scanned < limits_.max_scan) {
    // Entries read from the store come first: they precede the ring.
    if (!buffered_.empty()) {
      if (buffered_.front()->sequence() <= cursor_) {
        ClearBuffered();  // Stale: read again.
        continue;
      }
      Consider(buffered_.front(), batch, left_view, bytes);
      buffered_.pop_front();
      ++*scanned;
      continue;
    }
    if (cursor_ < buffered_through_) {
      // The store left these out: none can match.
      cursor_ = buffered_through_;
      ++*scanned;
      continue;
    }
    const UpdateRing::Visited visited = feed_->ring().ForEachFrom(
        cursor_ + 1, limits_.max_scan - *scanned, missions_,
        [&](const LogEntryPtr& entry) {
          Consider(entry, batch, left_view, bytes);
          return !BatchFull(*batch, *bytes);
        });
    if (!visited.cached) return false;
    cursor_ = visited.through;
    *scanned += visited.looked_at;
  }
  return true;
}

SubscriberCursor::Step SubscriberCursor::Next(CursorMessage* message,
                                              absl::Status* failure) {
  if (!store_error_.ok()) {
    *failure = store_error_;
    return Step::kFail;
  }
  message->snapshot = in_snapshot_;
  message->left_view.clear();
  if (in_snapshot_) return NextSnapshotBatch(message);
  const uint64_t head = feed_->head();
  const uint64_t gap_to = std::max(feed_->oldest() - 1, store_gap_to_);
  store_gap_to_ = 0;
  if (cursor_ < gap_to) return NextGap(gap_to, message, failure);
  return NextUpdates(head, message, failure);
}

inline SubscriberCursor::Step SubscriberCursor::NextSnapshotBatch(
    CursorMessage* message) {
  message->type = CursorMessage::Type::kUpdates;
  message->updates.clear();
  message->cursor = cursor_;
  size_t bytes = 0;
  while (!snapshot_.empty() && !BatchFull(message->updates, bytes)) {
    bytes += UpdatesFieldSize(*snapshot_.front());
    message->updates.push_back(std::move(snapshot_.front()));
    snapshot_.pop_front();
  }
  if (!message->updates.empty()) return Step::kMessage;
  in_snapshot_ = false;
  cursor_ = snapshot_sequence_;
  message->type = CursorMessage::Type::kSnapshotEnd;
  message->sequence = snapshot_sequence_;
  message->cursor = cursor_;
  return Step::kMessage;
}

inline SubscriberCursor::Step SubscriberCursor::NextGap(
    uint64_t gap_to, CursorMessage* message, absl::Status* failure) {
  if (on_gap_ == v1::GAP_POLICY_FAIL) {
    *failure = absl::OutOfRangeError(absl::StrCat(
        "after_sequence: updates ", cursor_ + 1, " to ", gap_to,
        " were removed by retention before this subscriber read them "
        "(on_gap=FAIL); subscribe with situation to resync"));
    return Step::kFail;
  }
  message->type = CursorMessage::Type::kGap;
  message->updates.clear();
  message->gap_from = cursor_ + 1;
  message->gap_to = gap_to;
  cursor_ = gap_to;
  message->cursor = cursor_;
  ClearBuffered();
  if (on_gap_ == v1::GAP_POLICY_SITUATION) {
    StartSnapshot();
    // The snapshot's own batches carry the pre-snapshot cursor.
  }
  return Step::kMessage;
}

inline SubscriberCursor::Step SubscriberCursor::NextUpdates(
    uint64_t head, CursorMessage* message, absl::Status* failure) {
  message->type = CursorMessage::Type::kUpdates;
  message->updates.clear();
  size_t bytes = 0;
  size_t scanned = 0;
  const uint64_t lag = head - cursor_;
  const bool complete =
      Scan(&message->updates, &message->left_view, &bytes, &scanned, head);
  message->cursor = cursor_;
  // Lagging means having more to deliver than one batch while far behind:
  // a narrow filter that skips many updates is quick to catch up, not
  // lagging.
  if (max_lag_ > 0 && lag > max_lag_ && BatchFull(message->updates, bytes)) {
    *failure = absl::ResourceExhaustedError(absl::StrCat(
        "max_lag: the subscriber is ", lag,
        " updates behind the head (more than max_lag ", max_lag_,
        "); resume from the last cursor, or subscribe with situation"));
    return Step::kFail;
  }
  if (!message->updates.empty()) return Step::kMessage;
  if (!complete) return Step::kReadStore;
  if (cursor_ < head) return Step::kYield;
  if (!caught_up_sent_) {
    caught_up_sent_ = true;
    message->type = CursorMessage::Type::kCaughtUp;
    message->sequence = cursor_;
    return Step::kMessage;
  }
  return Step::kIdle;
}

void SubscriberCursor::SkipTo(uint64_t sequence) {
  if (in_snapshot_ || sequence <= cursor_) return;
  cursor_ = sequence;
  ClearBuffered();
}

SubscriberCursor::StoreRead SubscriberCursor::ReadStore() const {
  ReadRange range;
  range.first = cursor_ + 1;
  // Read up to what the ring has, so the scan continues there.
  const uint64_t ring_first = feed_->ring().first();
  range.last = ring_first > range.first ? ring_first - 1 : feed_->head();
  range.last = std::min(range.last, feed_->head());
  range.limit = limits_.store_batch;
  return StoreRead{&feed_->log(), range, missions_};
}

void SubscriberCursor::AcceptStoreRead(
    absl::StatusOr<EventLog::MissionRead> read) {
  if (!read.ok()) {
    store_error_ = absl::UnavailableError(absl::StrCat(
        "reading the store failed: ", read.status().message(),
        "; resume from the last cursor"));
    return;
  }
  const std::vector<LogEntryPtr>& entries = read->entries;
  const uint64_t from = cursor_ + 1;
  if (entries.empty() || entries.front()->sequence() != from) {
    // Retention removed what we asked for between deciding and reading
    // (the first retained sequence always comes back).
    store_gap_to_ =
        entries.empty() ? feed_->oldest() - 1 : entries.front()->sequence() - 1;
    if (store_gap_to_ < from) store_gap_to_ = 0;
  }
  buffered_.assign(entries.begin(), entries.end());
  buffered_through_ = entries.empty() ? 0 : read->scanned_through;
}

}  // namespace sitrep
