#ifndef SITREP_SERVER_LOG_INCIDENT_THREAD_H_
#define SITREP_SERVER_LOG_INCIDENT_THREAD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "server/incident/incident_fold.h"
#include "server/log/event_log.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The rules of an incident thread, shared by every EventLog backend (and
// by IncidentFolder, for readers that replay the log), so that all of them
// agree. The incident's state and the security chain's rules live in
// server/incident/; this file puts them together with what the log keeps
// per thread (version, closed, latest). The situation index folds nothing:
// it holds the log's records (AppendListener::OnAppended).

// Whether `update` (with a non-empty incident_id) may be appended to the
// thread `current` (nullptr: the id was never used). FAILED_PRECONDITION
// with a message that says what to do otherwise, in this order:
//   - `expected_version` set and not the thread's current version;
//   - KIND_NEW on a used id;
//   - any other kind on an unknown or closed incident;
//   - a chain rule (CheckChainRules), unless the update carries a chain
//     exception.
absl::Status CheckIncidentTransition(const IncidentRecord* current,
                                     const v1::SituationUpdate& update,
                                     std::optional<uint64_t> expected_version);

// The version the next update of `current` gets (1 for a new thread).
inline uint64_t NextIncidentVersion(const IncidentRecord* current) {
  return current == nullptr ? 1 : current->version + 1;
}

// Folds a stored update (incident_version set) into its thread's record.
// `record` is a default-constructed record for the thread's first update.
void ApplyToIncident(const LogEntryPtr& entry, IncidentRecord* record);

// The record `current` (null: the thread's first update) becomes with
// `entry`: a new immutable record, `current` left as it was (records are
// shared, see IncidentRecordPtr).
IncidentRecordPtr AppliedToIncident(const IncidentRecord* current,
                                    const LogEntryPtr& entry);

// Folds a run of stored updates into their threads' records the way the
// log does, for a reader that replays the log rather than listening to it
// (GetSituation as_of rebuilds a past situation from a stored snapshot and
// the updates after it). A thread it has no record of starts afresh, so an
// update whose thread began before the run gets a partial record.
//
// Thread safety: none; one replay uses one folder.
class IncidentFolder {
 public:
  // Starts the thread of `record` from it (a snapshot's open incidents).
  void Seed(IncidentRecordPtr record);
  // The records of `entries`' threads after each of them, as
  // AppendListener::OnAppended gives them (null for stand-alone reports).
  std::vector<IncidentRecordPtr> Fold(const std::vector<LogEntryPtr>& entries);

 private:
  // Open threads only: a closed thread takes no more updates.
  absl::flat_hash_map<std::string, IncidentRecordPtr> open_;
};

// What a record written before incidents were folded by FoldIntoIncident
// (SQLite schema 3, JetStream snapshot format 1) kept about its thread.
struct LegacyIncidentSummary {
  v1::Role current_tier = v1::ROLE_UNSPECIFIED;
  bool support_requested = false;
  bool support_acknowledged = false;
  v1::Severity peak_severity = v1::SEVERITY_UNSPECIFIED;
  // The opening update (mission, occurred_at, received_at at least).
  v1::SituationUpdate opening;
};

// The state such a record stands for, for a thread whose updates are no
// longer all retained (otherwise the store replays them: see the upgrade in
// each backend). Support requests it cannot tell apart are left out; the
// lead is the old current tier.
v1::Incident LegacyIncidentState(const LegacyIncidentSummary& old,
                                 const v1::SituationUpdate& latest);

// Orders `incidents` by the sequence of their latest update, as
// EventLog::LoadOpenIncidents returns them.
void SortByLatestSequence(std::vector<IncidentRecordPtr>* incidents);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_INCIDENT_THREAD_H_
