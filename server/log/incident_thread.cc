#include "server/log/incident_thread.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace sitrep {

bool IsClosingKind(v1::Kind kind) {
  return kind == v1::KIND_RESOLVE || kind == v1::KIND_CANCEL ||
         kind == v1::KIND_EXPIRED;
}

bool IsResponderRole(v1::Role role) {
  return role == v1::ROLE_FIRST_RESPONDER ||
         role == v1::ROLE_SECOND_RESPONDER || role == v1::ROLE_THIRD_RESPONDER;
}

absl::Status CheckIncidentTransition(const IncidentRecord* current,
                                     const v1::SituationUpdate& update,
                                     std::optional<uint64_t> expected_version) {
  const std::string& id = update.incident_id();
  const uint64_t version = current == nullptr ? 0 : current->version;
  if (expected_version.has_value() && *expected_version != version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected_incident_version: incident '", id, "' is at version ",
        version, ", not ", *expected_version,
        "; read the thread again and decide on its latest update"));
  }
  if (update.kind() == v1::KIND_NEW) {
    if (current != nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "update.kind: incident '", id, "' already exists (version ",
          version, current->closed ? ", closed" : "",
          "); publish KIND_UPDATE to it, or use a new incident_id"));
    }
    return absl::OkStatus();
  }
  if (current == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("update.kind: incident '", id,
                     "' does not exist; open it with KIND_NEW first"));
  }
  if (current->closed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "update.kind: incident '", id, "' is closed (",
        v1::Kind_Name(current->latest ? current->latest->update.kind()
                                      : v1::KIND_UNSPECIFIED),
        " at version ", version, "); open a new incident with KIND_NEW"));
  }
  return absl::OkStatus();
}

void ApplyToIncident(const LogEntryPtr& entry, IncidentRecord* record) {
  const v1::SituationUpdate& update = entry->update;
  if (record->version == 0) {
    record->incident_id = update.incident_id();
    record->opening = update;
  }
  record->version = update.incident_version();
  record->latest = entry;
  record->closed = IsClosingKind(update.kind());
  if (IsResponderRole(update.role())) record->current_tier = update.role();
  switch (update.kind()) {
    case v1::KIND_REQUEST_SUPPORT:
      record->support_requested = true;
      record->support_acknowledged = false;
      break;
    case v1::KIND_ACKNOWLEDGE:
      if (record->support_requested) record->support_acknowledged = true;
      break;
    default:
      break;
  }
  if (update.severity() > record->peak_severity) {
    record->peak_severity = update.severity();
  }
}

void SortByLatestSequence(std::vector<IncidentRecord>* incidents) {
  std::sort(incidents->begin(), incidents->end(),
            [](const IncidentRecord& a, const IncidentRecord& b) {
              return a.latest->sequence() < b.latest->sequence();
            });
}

}  // namespace sitrep
