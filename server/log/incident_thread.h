#ifndef SITREP_SERVER_LOG_INCIDENT_THREAD_H_
#define SITREP_SERVER_LOG_INCIDENT_THREAD_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "server/log/event_log.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The rules of an incident thread, shared by every EventLog backend and by
// the in-memory situation, so that all of them agree.

// Whether `update` (with a non-empty incident_id) may be appended to the
// thread `current` (nullptr: the id was never used). FAILED_PRECONDITION
// with a message that says what to do otherwise:
//   - KIND_NEW on a used id;
//   - any other kind on an unknown or closed incident;
//   - `expected_version` set and not the thread's current version.
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

// Orders `incidents` by the sequence of their latest update, as
// EventLog::LoadOpenIncidents returns them.
void SortByLatestSequence(std::vector<IncidentRecord>* incidents);

// True for the kinds that close a thread: RESOLVE, CANCEL, EXPIRED.
bool IsClosingKind(v1::Kind kind);

// True for the responder roles FIRST, SECOND and THIRD.
bool IsResponderRole(v1::Role role);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_INCIDENT_THREAD_H_
