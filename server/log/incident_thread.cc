#include "server/log/incident_thread.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/incident/chain_rules.h"
#include "server/incident/tiers.h"

namespace sitrep {

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
  } else if (current == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("update.kind: incident '", id,
                     "' does not exist; open it with KIND_NEW first"));
  } else if (current->closed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "update.kind: incident '", id, "' is closed (",
        v1::Kind_Name(current->latest ? current->latest->update.kind()
                                      : v1::KIND_UNSPECIFIED),
        " at version ", version, "); open a new incident with KIND_NEW"));
  }
  const ChainVerdict verdict = CheckChainRules(
      current != nullptr ? current->state : v1::Incident(), update);
  if (!verdict.ok() && !update.has_chain_exception()) return verdict.status;
  return absl::OkStatus();
}

void ApplyToIncident(const LogEntryPtr& entry, IncidentRecord* record) {
  const v1::SituationUpdate& update = entry->update;
  if (record->version == 0) record->incident_id = update.incident_id();
  record->version = update.incident_version();
  record->latest = entry;
  record->closed = IsClosingKind(update.kind());
  FoldIntoIncident(update, &record->state);
}

IncidentRecordPtr AppliedToIncident(const IncidentRecord* current,
                                    const LogEntryPtr& entry) {
  auto record = current != nullptr ? std::make_shared<IncidentRecord>(*current)
                                   : std::make_shared<IncidentRecord>();
  ApplyToIncident(entry, record.get());
  return record;
}

void IncidentFolder::Seed(IncidentRecordPtr record) {
  if (record == nullptr || record->closed) return;
  std::string id = record->incident_id;
  open_[std::move(id)] = std::move(record);
}

std::vector<IncidentRecordPtr> IncidentFolder::Fold(
    const std::vector<LogEntryPtr>& entries) {
  std::vector<IncidentRecordPtr> records;
  records.reserve(entries.size());
  for (const LogEntryPtr& entry : entries) {
    const std::string& id = entry->update.incident_id();
    if (id.empty()) {
      records.push_back(nullptr);
      continue;
    }
    auto it = open_.find(id);
    const IncidentRecord* current =
        it != open_.end() ? it->second.get() : nullptr;
    IncidentRecordPtr record = AppliedToIncident(current, entry);
    if (record->closed) {
      if (it != open_.end()) open_.erase(it);
    } else if (it != open_.end()) {
      it->second = record;
    } else {
      open_.emplace(id, record);
    }
    records.push_back(std::move(record));
  }
  return records;
}

v1::Incident LegacyIncidentState(const LegacyIncidentSummary& old,
                                 const v1::SituationUpdate& latest) {
  v1::Incident state;
  state.set_opened_by(old.opening.mission());
  state.set_opened_by_publisher(old.opening.publisher());
  state.set_opened_sequence(old.opening.sequence());
  *state.mutable_opened_at() = old.opening.has_occurred_at()
                                   ? old.opening.occurred_at()
                                   : old.opening.received_at();
  if (TierRank(old.current_tier) != 0) {
    state.mutable_lead()->set_tier(old.current_tier);
    state.mutable_lead()->set_mission(MissionOfTier(old.current_tier));
  }
  *state.mutable_location() = latest.location();
  state.set_category(latest.category());
  state.set_peak_severity(std::max(old.peak_severity, latest.severity()));
  state.set_closed(IsClosingKind(latest.kind()));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  state.set_current_tier(old.current_tier);
  state.set_support_requested(old.support_requested);
  state.set_support_acknowledged(old.support_acknowledged);
#pragma GCC diagnostic pop
  return state;
}

void SortByLatestSequence(std::vector<IncidentRecordPtr>* incidents) {
  std::sort(incidents->begin(), incidents->end(),
            [](const IncidentRecordPtr& a, const IncidentRecordPtr& b) {
              return a->latest->sequence() < b->latest->sequence();
            });
}

}  // namespace sitrep
