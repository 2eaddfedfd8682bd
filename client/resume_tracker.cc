#include "client/resume_tracker.h"

#include <utility>

namespace sitrep::cli {

using sitrep::v1::Cursor;
using sitrep::v1::SubscribeRequest;
using sitrep::v1::SubscribeResponse;

ResumeTracker::ResumeTracker(SubscribeRequest initial)
    : initial_(std::move(initial)),
      in_initial_snapshot_(initial_.start_case() == SubscribeRequest::kSituation) {}

void ResumeTracker::Set(const Cursor& cursor, bool ends_snapshot) {
  if (ends_snapshot) in_initial_snapshot_ = false;
  if (in_initial_snapshot_) return;
  cursor_ = cursor;
}

void ResumeTracker::Observe(const SubscribeResponse& response) {
  if (!response.has_cursor()) {
    // The server promises a cursor on every message; a marker ending the
    // snapshot still ends it.
    if (response.has_snapshot_end()) in_initial_snapshot_ = false;
    return;
  }
  Set(response.cursor(), response.has_snapshot_end());
}

void ResumeTracker::ObservePartial(const SubscribeResponse& response,
                                   int processed) {
  if (processed <= 0) return;
  if (processed >= response.updates_size()) {
    Observe(response);
    return;
  }
  if (in_initial_snapshot_) return;
  Cursor cursor;
  cursor.set_log_id(response.cursor().log_id());
  cursor.set_sequence(response.updates(processed - 1).sequence());
  Set(cursor, false);
}

SubscribeRequest ResumeTracker::NextRequest() const {
  SubscribeRequest request = initial_;
  if (!cursor_.has_value()) return request;
  request.set_after_sequence(cursor_->sequence());
  request.set_log_id(cursor_->log_id());
  return request;
}

std::optional<Cursor> ResumeTracker::SavableCursor() const { return cursor_; }

}  // namespace sitrep::cli
