#ifndef SITREP_SERVER_LOG_EVENT_LOG_H_
#define SITREP_SERVER_LOG_EVENT_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/log_entry.h"
#include "server/log/store_health.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// One update to append. `update` is validated and normalised; the log sets
// `sequence`, `received_at` and `incident_version` and keeps every other
// field (including `publisher` and `event_id`, which must be non-empty).
struct AppendRequest {
  v1::SituationUpdate update;
  // See PublishRequest.expected_incident_version.
  std::optional<uint64_t> expected_incident_version;
  // The missions the publisher may read. A refusal about an incident thread none of whose missions it may
  // read says only "not found or not permitted" (incident_readers.h).
  MissionSet publisher_read_missions = MissionSet::All();
};

struct AppendResult {
  // The stored update: the new one, or the original one for a duplicate.
  LogEntryPtr entry;
  // True when `(publisher, event_id)` was stored before with equal content.
  bool duplicate = false;
};

using AppendCallback =
    absl::AnyInvocable<void(std::vector<absl::StatusOr<AppendResult>>)>;

// The state of one incident thread as of the log's head.
struct IncidentRecord {
  std::string incident_id;
  // The number of updates in the thread; the incident_version of `latest`.
  uint64_t version = 0;
  // True once a RESOLVE, CANCEL or EXPIRED update closed the thread.
  bool closed = false;
  // The thread's latest update. Kept even when retention removed it from the
  // log, so that the situation survives retention.
  LogEntryPtr latest;
  // The incident as folded from its thread by FoldIntoIncident
  // (server/incident/incident_fold.h): lead, support requests, location,
  // exceptions, opened_*, peak severity. Its incident_id, version and latest
  // are left unset (the fields above hold them).
  v1::Incident state;
  // True for a record loaded from a store written before the chain's rules
  // (state approximated from its old summary): the store replays the thread
  // into a fresh record when it still retains the thread's first update.
  bool legacy = false;
};

// An immutable incident record, shared by the log that folded it and every
// reader that holds it (the situation index, its snapshots). The log
// replaces a record instead of changing it, so a holder's record stays valid
// (and unchanged) after the log moved on: one record per incident state in
// the process, whoever reads it.
using IncidentRecordPtr = std::shared_ptr<const IncidentRecord>;

// Told about the log's changes by the log itself, so that a reader's cache
// (the Feed's ring, the situation) follows the log without anyone calling
// it by hand:
//   OnAppended  every append after it is durable, in sequence order, before
//               the appenders' callbacks run, with `incidents[i]` the record
//               of entries[i]'s incident as the log folded it with that
//               update (closed when it closed the incident; null for a
//               stand-alone report): the very record the log keeps, so a
//               reader holds the log's state rather than a copy it folds
//               itself. Called on the log's writer thread: must be quick
//               and must not call back into the log's Append.
//   OnRetained  retention removed every update before `oldest`, which
//               Oldest() returns by then. Called on the thread that ran
//               ApplyRetention, before it returns, once per run that
//               removed anything (a run that failed half-way included).
//               May run concurrently with OnAppended.
//   OnHealthChanged  the store's availability changed, as the log's own
//               operations showed it (`health`'s available() and reason();
//               see server/log/log_health.h for what counts): a failed
//               append, read or retention, NATS lost or back. Called on the
//               thread whose operation showed it, one call at a time, in
//               order; must be quick and must not call into the log. Also
//               called once by SetAppendListener, on its caller's thread,
//               with the health at that moment, whatever it is: a listener
//               starts from the log's state rather than from an assumed
//               "available", so a store that failed before the listener
//               came (while opening) is reported at once, not with the
//               next change.
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  virtual void OnAppended(const std::vector<LogEntryPtr>& entries,
                          const std::vector<IncidentRecordPtr>& incidents) = 0;
  virtual void OnRetained(uint64_t /*oldest*/) {}
  virtual void OnHealthChanged(const StoreHealth& /*health*/) {}
};

// Tells `listener` (nullable) that a retention run moved Oldest() from
// `before` to `after`; nothing when it did not move. Every backend's
// ApplyRetention ends with it.
void ReportRetained(AppendListener* listener, uint64_t before, uint64_t after);

// The situation at one point of the log, stored so that GetSituation as_of
// does not replay the log from its start (query/situation_as_of.h): every
// incident that was open after the update `sequence`, expired ones
// included (expiry is judged by the reader at its own time).
struct StoredSituation {
  uint64_t sequence = 0;
  // The received_at of the update `sequence` (the epoch for sequence 0).
  absl::Time received_at = absl::UnixEpoch();
  // In the order of their latest update's sequence. The records are shared,
  // as everywhere (the index's when saved, fresh ones when loaded).
  std::vector<IncidentRecordPtr> incidents;
};

struct RetentionPolicy {
  // Remove updates received before now - max_age. Infinite: keep.
  absl::Duration max_age = absl::InfiniteDuration();
  // Keep at most this many updates (the newest). 0: no limit.
  uint64_t max_updates = 0;
  // Never remove this sequence or a later one, whatever the limits above
  // allow. The server sets it just past the situation snapshot it stores
  // before each run, so that GetSituation as_of can rebuild every retained
  // point. UINT64_MAX: no such bound.
  uint64_t first_kept_at_most = UINT64_MAX;
};

// The first sequence `policy` keeps when applied at `now` to a log whose
// retained sequences are [oldest, head]: `limits_target` (what max_age and
// max_updates allow) bounded by first_kept_at_most, never below `oldest`.
// Each EventLog's ApplyRetention uses it, so the bound means the same on
// every store.
uint64_t ClampRetentionTarget(const RetentionPolicy& policy, uint64_t oldest,
                              uint64_t limits_target);

// A range of sequences to read, inclusive on both ends.
struct ReadRange {
  uint64_t first = 1;
  uint64_t last = UINT64_MAX;
  bool descending = false;
  // At most this many entries.
  size_t limit = 1024;
};

// Example (tests/support/event_log_conformance.h exercises every backend
// this way):
//
//   absl::StatusOr<std::unique_ptr<EventLog>> log =
//       OpenSqliteEventLog({.data_dir = "/var/lib/sitrep"});
//   (*log)->SetAppendListener(&feed);    // told of every durable append
//   std::vector<AppendRequest> batch(1);
//   batch[0].update = update;            // validated by Publisher first
//   (*log)->Append(std::move(batch),
//                  [](std::vector<absl::StatusOr<AppendResult>> results) {
//                    // On the writer thread: keep it short, hand off.
//                  });
//   absl::StatusOr<std::vector<LogEntryPtr>> entries =
//       (*log)->Read({.first = (*log)->Oldest(), .limit = 256});
//   (*log)->Close();
//
// The durable, ordered, deduplicated log of situation updates: the single
// source of truth. Sequences start at 1, increase by 1 per appended update
// and are never reused; retention removes only from the oldest end, so the
// retained sequences are always the dense range [Oldest(), Head()].
//
// Thread safety: every method is safe to call concurrently. Append never
// blocks on disk I/O; reads may.
class EventLog {
 public:
  virtual ~EventLog() = default;

  // A random id made when the log was created; stable across restarts.
  virtual const std::string& log_id() const = 0;

  // Appends `batch` atomically per request: each request is stored, found
  // to be a duplicate, or rejected with nothing stored:
  //   ALREADY_EXISTS      (publisher, event_id) was stored with other content
  //   FAILED_PRECONDITION the incident thread does not allow the kind (NEW on
  //                       a used id, anything else on an unknown or closed
  //                       id), `expected_incident_version` is stale, or the
  //                       security chain's rules refuse it and it carries no
  //                       chain exception (server/incident/chain_rules.h)
  //   UNAVAILABLE         the log is closed or the store failed (the whole
  //                       batch fails; nothing of it was stored)
  // Requests are applied in order, so a later request sees an earlier one of
  // the same batch. `done` runs exactly once, on the writer thread, after the
  // batch is durable per the fsync policy, with one result per request.
  // Concurrent appends are committed together (group commit).
  virtual void Append(std::vector<AppendRequest> batch, AppendCallback done) = 0;

  // The entries of `range` that are retained, in the requested order, at
  // most `range.limit`. Never returns a sequence outside the range.
  virtual absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const = 0;

  // ReadForMissions' answer.
  struct MissionRead {
    std::vector<LogEntryPtr> entries;
    // Every retained sequence in [range.first, scanned_through] that is not
    // in `entries` was left out for its missions. range.first - 1 when
    // nothing was read.
    uint64_t scanned_through = 0;
  };

  // An ascending Read for a reader that can use only updates whose mission,
  // or whose LogEntry::previous's mission, is in `missions` (a filter's
  // FilterMatcher::Missions(), for instance). The log may leave the
  // others out, so that a narrow subscriber's catch-up does not decode what
  // its filter would drop. The first retained sequence >= range.first is
  // always included (the reader learns from it what retention removed).
  // At most range.limit entries; range.descending must be false.
  // The default reads everything (scanned_through = the last entry).
  virtual absl::StatusOr<MissionRead> ReadForMissions(
      const ReadRange& range, MissionSet missions) const;

  // The last appended sequence; 0 for an empty log.
  virtual uint64_t Head() const = 0;
  // The oldest retained sequence; Head() + 1 when nothing is retained.
  virtual uint64_t Oldest() const = 0;

  // The first sequence received at or after `time`; Head() + 1 if none.
  // Exact because the log assigns `received_at` in sequence order (never
  // decreasing).
  virtual absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const = 0;

  // Every incident that is not closed, as of the returned head sequence:
  // the records the log keeps (not copies), in the order of their latest
  // update's sequence.
  struct OpenIncidents {
    std::vector<IncidentRecordPtr> incidents;
    uint64_t head = 0;
  };
  virtual absl::StatusOr<OpenIncidents> LoadOpenIncidents() const = 0;

  // The record of one incident, open or closed, as of the log's head;
  // nullopt when the id was never used. Records survive retention.
  // The default is UNIMPLEMENTED (test doubles).
  virtual absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const;

  // Removes updates the policy no longer keeps, from the oldest end, in
  // small steps so that appends are never held up for long. Returns the
  // number removed. Incident records are kept. The listener is told
  // (AppendListener::OnRetained) before it returns.
  virtual absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                                  absl::Time now) = 0;

  // Stores `snapshot` (replacing one of the same sequence). Retention keeps
  // the snapshots a rebuild can still start from: those at or after
  // Oldest() - 1 (an older one could only answer its own point, and the
  // updates it stands for are gone by policy). The default is UNIMPLEMENTED
  // (test doubles): GetSituation as_of then replays from sequence 0.
  virtual absl::Status SaveSituationSnapshot(const StoredSituation& snapshot);
  // The sequences of the stored snapshots, ascending (default: none).
  virtual absl::StatusOr<std::vector<uint64_t>> ListSituationSnapshots() const;
  // The stored snapshot of `sequence`; NOT_FOUND when there is none.
  virtual absl::StatusOr<StoredSituation> LoadSituationSnapshot(
      uint64_t sequence) const;

  // Registers the one listener (or nullptr). Must be called before the first
  // Append; `listener` must outlive the log or be reset to nullptr first.
  // Tells the listener the store's current health before it returns
  // (AppendListener::OnHealthChanged), on the caller's thread.
  virtual void SetAppendListener(AppendListener* listener) = 0;

  // Stops accepting appends (UNAVAILABLE), completes those already accepted
  // and flushes. Idempotent. Reads keep working until destruction.
  virtual void Close() = 0;
};

// What ApplyRetention(policy, now) would keep from if it ran now: the first
// sequence the limits of `policy` keep (Head() + 1 when they keep nothing).
// The log may have grown by the time retention runs; bound the run with
// first_kept_at_most to make it exact.
absl::StatusOr<uint64_t> FirstSequenceRetentionKeeps(
    const EventLog& log, const RetentionPolicy& policy, absl::Time now);

enum class FsyncPolicy {
  // fsync before every commit is acknowledged: survives power loss.
  kAlways,
  // Commits survive a crash of sitrepd at once; the OS writes them to disk
  // within its own delay (SQLite WAL synchronous=NORMAL: a power loss may
  // lose the last commits, never corrupts).
  kBatch,
  // No fsync at all: for tests and throwaway data.
  kOff,
};

absl::StatusOr<FsyncPolicy> ParseFsyncPolicy(absl::string_view text);

struct SqliteOptions {
  // Directory holding the database file (created if missing).
  std::string data_dir = "./sitrep-data";
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  // At most this many requests per group-commit transaction.
  size_t max_batch = 4096;
  // Clock for received_at; not owned, must outlive the log. Null: real.
  Clock* clock = nullptr;
};

// Opens (or creates) the SQLite log in `options.data_dir`.
// Errors: UNAVAILABLE / FAILED_PRECONDITION with the file and SQLite message.
absl::StatusOr<std::unique_ptr<EventLog>> OpenSqliteEventLog(
    const SqliteOptions& options);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_EVENT_LOG_H_
