// Where a Subscribe stream resumes after a reconnect, and which cursor may be
// saved, given the messages the client has processed.
#ifndef SITREP_CLIENT_RESUME_TRACKER_H_
#define SITREP_CLIENT_RESUME_TRACKER_H_

#include <optional>

#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// Rules (DESIGN.md §3):
//  - every SubscribeResponse carries the cursor to resume from after it;
//    resume = `after_sequence = cursor.sequence`, `log_id = cursor.log_id`;
//  - when the client processed only the first k updates of a batch, the
//    cursor is the k-th update's sequence (everything up to it was considered);
//  - during the snapshot of a `situation` start (before SnapshotEnd) the
//    cursor says nothing about the snapshot: a reconnect there starts the
//    snapshot again, and no cursor may be saved.
// Not thread-safe.
class ResumeTracker {
 public:
  explicit ResumeTracker(sitrep::v1::SubscribeRequest initial);

  // `response` was processed completely.
  void Observe(const sitrep::v1::SubscribeResponse& response);
  // Only response.updates(0..processed-1) were processed (processed >= 1).
  void ObservePartial(const sitrep::v1::SubscribeResponse& response,
                      int processed);

  // The request for the next attempt: the initial one until a cursor arrived,
  // then a resume from the cursor with the same filter and options.
  sitrep::v1::SubscribeRequest NextRequest() const;

  // The cursor a restarted client may resume from; nullopt before the first
  // cursor and during a `situation` snapshot.
  std::optional<sitrep::v1::Cursor> SavableCursor() const;

 private:
  void Set(const sitrep::v1::Cursor& cursor, bool ends_snapshot);

  const sitrep::v1::SubscribeRequest initial_;
  bool in_initial_snapshot_;
  std::optional<sitrep::v1::Cursor> cursor_;
};

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_RESUME_TRACKER_H_
