#ifndef SITREP_SERVER_LOG_APPEND_RULES_H_
#define SITREP_SERVER_LOG_APPEND_RULES_H_

// The per-request rules of EventLog::Append that do not depend on a backend
// (the incident rules are in incident_thread.h), shared by the SQLite log
// and the in-memory test log so that both give the same answers.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// INVALID_ARGUMENT when the request lacks what the log needs to store it
// (publisher and event_id; the publisher normally makes both).
absl::Status CheckAppendRequest(const AppendRequest& request);

// `stored` is the update stored under the request's (publisher, event_id).
// OK when the request has the same content (the server-set fields sequence,
// received_at and incident_version aside): a duplicate. ALREADY_EXISTS
// naming the event_id and the stored sequence otherwise.
absl::Status CheckSameContent(const v1::SituationUpdate& stored,
                              const v1::SituationUpdate& request);
// The same for a request whose occurred_at the log has filled in already:
// `request_had_occurred_at` says whether the publisher had set it.
absl::Status CheckSameContent(const v1::SituationUpdate& stored,
                              const v1::SituationUpdate& request,
                              bool request_had_occurred_at);

// The received_at of the next update: `now` truncated to microseconds (the
// precision the store keeps), but never before `last`.
absl::Time NextReceivedAt(absl::Time now, absl::Time last);

// What an accepted request becomes when appended: its stored entry and,
// for an incident update, the thread's new record with the entry applied
// (null for a stand-alone report).
struct PreparedAppend {
  LogEntryPtr entry;
  IncidentRecordPtr record;
};

// What PrepareAppend changed in a request's update to make the stored one:
// with the entry, enough to have the request's update back exactly
// (UpdateBeforePrepare). A writer that may decide a request again (the
// JetStream log, after a refused round) moves requests into their entries
// and gets them back in the rare round decided again, rather than copying
// every request (~4,000 instructions per update with its destruction).
struct AppendUndo {
  // The request's own server-set fields, which PrepareAppend overwrites.
  uint64_t sequence = 0;
  uint64_t incident_version = 0;
  bool had_received_at = false;
  int64_t received_at_seconds = 0;
  int32_t received_at_nanos = 0;
  // occurred_at was unset and took received_at.
  bool occurred_at_filled = false;
  // The incident's location was carried in: the request's own location
  // (and whether it had one) and location_carried.
  bool location_replaced = false;
  bool had_location = false;
  v1::Location location;
  bool location_carried = false;
  // The incident's status was carried in (the request's was unspecified):
  // the request's own status_carried.
  bool status_replaced = false;
  bool status_carried = false;
};

// Checks `request` (valid and not a duplicate) against its incident thread
// `current` (null: a stand-alone report or an unknown id) and makes the
// entry it becomes at `sequence`, received at `received_at` (see
// NextReceivedAt). FAILED_PRECONDITION as CheckIncidentTransition.
// On success the entry takes `request.update` over (and *undo, when given,
// says what was changed in it); on error `request` is left as it was.
absl::StatusOr<PreparedAppend> PrepareAppend(AppendRequest&& request,
                                             const IncidentRecord* current,
                                             uint64_t sequence,
                                             absl::Time received_at,
                                             AppendUndo* undo = nullptr);
// The update a request had before PrepareAppend made `stored` of it with
// `undo`.
v1::SituationUpdate UpdateBeforePrepare(const v1::SituationUpdate& stored,
                                        const AppendUndo& undo);
// The same for a request the caller keeps (JetStream may decide a round
// again after a failed publish): copies the update.
absl::StatusOr<PreparedAppend> PrepareAppend(const AppendRequest& request,
                                             const IncidentRecord* current,
                                             uint64_t sequence,
                                             absl::Time received_at);

// Sets the server-set fields of `update`.
void SetServerFields(uint64_t sequence, absl::Time received_at,
                     uint64_t incident_version, v1::SituationUpdate* update);

// The update's deterministic encoding (LogEntry::encoded), so that storing
// it encodes nothing again.
absl::string_view EncodedUpdate(const LogEntry& entry);

// received_at of `update` in microseconds since the Unix epoch.
int64_t ReceivedAtMicros(const v1::SituationUpdate& update);

// Microseconds since the epoch of the first instant >= `time` (the key of
// FirstSequenceAtOrAfter at the precision the store keeps).
int64_t CeilMicros(absl::Time time);

// A new random log_id: 32 lower-case hex digits.
std::string NewLogId();

// Decodes a stored update and, if not empty, its LogEntry::previous.
// DATA_LOSS naming `what` when either does not decode.
absl::StatusOr<LogEntryPtr> DecodeLogEntry(absl::string_view body,
                                           absl::string_view what,
                                           absl::string_view previous = {});

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_APPEND_RULES_H_
