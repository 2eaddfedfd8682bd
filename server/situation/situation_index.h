#ifndef SITREP_SERVER_SITUATION_SITUATION_INDEX_H_
#define SITREP_SERVER_SITUATION_SITUATION_INDEX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/filter/filter_matcher.h"
#include "server/log/event_log.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The current situation (DESIGN §1): every open incident with the facts of
// its thread, as of the last applied sequence. Built from
// EventLog::LoadOpenIncidents at start-up and then kept current by applying
// every appended entry with the record the log made of it (EventLog's
// AppendListener), so that GetSituation and `situation` subscriptions never
// scan the log.
//
// The index folds nothing: it holds the log's own immutable records
// (IncidentRecordPtr), so the index and the log cannot disagree about a
// thread, and an open incident's record exists once in the process. What
// the index adds is its order (by latest sequence), the latest update of
// each other mission of a thread (for readers who may not read its latest)
// and the state's encodings. A reader that replays the log instead of
// listening to it (GetSituation as_of) folds with IncidentFolder
// (server/log/incident_thread.h), the log's own code.
//
// Thread safety: every method may be called concurrently. One writer (the
// log's append listener) calls Apply; readers call Take / ExpiredAt. Apply
// holds mu_ only to swap record pointers, and readers hold it only to copy
// pointers, so neither waits on the other for long; filtering runs outside
// the lock on the immutable records.
//
// Invariants (under mu_):
//   - every record in by_sequence_ is open (not closed) and is keyed by the
//     sequence of its latest update;
//   - latest_sequence_ maps each incident id to exactly that key;
//   - sequence_ >= every key of by_sequence_.
// An open incident's state (a v1::Incident without `latest`) encoded once,
// by the first reader that asks, and shared like the record: GetSituation's
// answers copy these bytes instead of serialising every state on every call
// (situation_encoding.h). Thread-safe.
class EncodedState {
 public:
  const std::string& Get(const v1::Incident& state) const;
  // The state in protobuf's JSON mapping, on one line (HTTP's situation).
  const std::string& Json(const v1::Incident& state) const;
  // The incident's compact JSON (GET /v1/situation?view=compact), made by
  // `make` on the first call (server/query/compact_situation.h).
  const std::string& Compact(absl::FunctionRef<std::string()> make) const;
  // The same as a row (GET /v1/situation?view=rows).
  const std::string& CompactRow(absl::FunctionRef<std::string()> make) const;

 private:
  mutable absl::once_flag once_;
  mutable std::string bytes_;
  mutable absl::once_flag json_once_;
  mutable std::string json_;
  mutable absl::once_flag compact_once_;
  mutable std::string compact_;
  mutable absl::once_flag compact_row_once_;
  mutable std::string compact_row_;
};

class SituationIndex {
 public:
  // An open incident as one reader sees it (incident_readers.h).
  struct Shown {
    IncidentRecordPtr record;
    // The newest update of the thread the reader may read: record->latest
    // when it may read that one.
    LogEntryPtr latest;
    // record->state's encoding, kept with the index's entry of `record`
    // (shared with the index). Null when the Shown was made elsewhere.
    std::shared_ptr<const EncodedState> encoded_state;
    bool latest_replaced() const { return latest != record->latest; }
  };
  // A consistent view: exactly the incidents that were open after applying
  // every update up to and including `sequence`.
  struct Snapshot {
    // In the order of their latest update's sequence.
    std::vector<Shown> incidents;
    uint64_t sequence = 0;
  };

  SituationIndex() = default;
  SituationIndex(const SituationIndex&) = delete;
  SituationIndex& operator=(const SituationIndex&) = delete;

  // Replaces the whole index by `initial` (closed records in it are
  // ignored) at sequence `initial.head`.
  // REQUIRES: no update after `initial.head` was applied before this call
  // and then lost: register the listener first and call Reset before the
  // log accepts appends (Apply skips entries at or below the current
  // sequence, so an overlap between the two is harmless).
  // `log` (borrowed for the call, nullable) gives the latest update of each
  // other mission of a thread (IncidentParticipant::last_sequence), which a
  // reader who may not read the thread's latest update is shown instead;
  // without it, or once retention removed that update, such a reader does
  // not see the incident.
  void Reset(EventLog::OpenIncidents initial, const EventLog* log = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Applies `entries` (in sequence order) with `incidents[i]` the record of
  // entries[i]'s incident after it, as AppendListener::OnAppended gives
  // them: the index keeps that record. Entries without a record (stand-alone
  // reports) only advance the sequence; entries at or below the current
  // sequence were already applied and are skipped; a closed record (RESOLVE,
  // CANCEL, EXPIRED) removes its incident.
  // REQUIRES: incidents.size() == entries.size().
  void Apply(const std::vector<LogEntryPtr>& entries,
             const std::vector<IncidentRecordPtr>& incidents)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The open incidents whose latest update's expires_at is unset or after
  // `now` and that `filter` (nullptr: all) matches, as its reader sees them:
  // the filter is matched against the newest update of the thread the reader
  // may read (FilterMatcher::Readable), so an incident stays in a reader's
  // situation when another mission it may not read publishes on it (issue
  // 17, I-1). Unless `filter` restricts statuses, only real incidents
  // (STATUS_ACTUAL, see update_status.h) count: an exercise is never part of
  // the situation by default. `filter` is borrowed for the call only.
  Snapshot Take(const FilterMatcher* filter, absl::Time now) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every open incident, expired, exercise or not (for the stored situation
  // snapshots, which readers filter at their own time).
  Snapshot TakeAll() const ABSL_LOCKS_EXCLUDED(mu_);

  // The open incidents whose latest update's expires_at is at or before
  // `now`, in sequence order: the server appends a KIND_EXPIRED update for
  // each (with expected_incident_version = version, so a concurrent update
  // wins over the expiry).
  std::vector<IncidentRecordPtr> ExpiredAt(absl::Time now) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The last applied sequence (0 before anything was applied).
  uint64_t sequence() const ABSL_LOCKS_EXCLUDED(mu_);
  // The number of open incidents, expired ones included.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // An open incident and, for readers who may not read its latest update,
  // the latest update of each other mission of its thread.
  struct OpenIncident {
    // The log's record (never null).
    IncidentRecordPtr record;
    std::vector<LogEntryPtr> other_missions_latest;
    EncodedState encoded_state;
  };
  using OpenIncidentPtr = std::shared_ptr<const OpenIncident>;

  void ApplyLocked(const LogEntryPtr& entry, IncidentRecordPtr record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InsertLocked(std::shared_ptr<OpenIncident> open)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What the reader of `filter` (nullptr: every mission) sees of `open`;
  // `latest` is null when it may read no update of the thread still held.
  static Shown ShowTo(const OpenIncidentPtr& open, const FilterMatcher* filter);

  // State below is protected by mu_.
  mutable absl::Mutex mu_;
  // Open incidents keyed by their latest sequence: iteration order is the
  // order a snapshot is sent in.
  std::map<uint64_t, OpenIncidentPtr> by_sequence_ ABSL_GUARDED_BY(mu_);
  // incident_id -> its key in by_sequence_.
  absl::flat_hash_map<std::string, uint64_t> latest_sequence_
      ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

// The API form of a record (sitrep.v1.Incident). opened_at is the opening
// update's occurred_at.
v1::Incident ToIncidentProto(const IncidentRecord& record);

// The API form of an incident as a reader with `readable_missions` sees it
// (incident_readers.h): `shown.latest` as latest, the rest cut down by
// RedactForReader.
v1::Incident ToIncidentProtoFor(const SituationIndex::Shown& shown,
                                MissionSet readable_missions);

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_SITUATION_INDEX_H_
