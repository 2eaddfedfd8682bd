#include "server/query/situation_index.h"

#include <algorithm>
#include <utility>

#include "server/incident/update_status.h"
#include "server/log/incident_thread.h"

namespace sitrep {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// True when the latest update set an expiry that is not after `now`.
bool ExpiredBy(const IncidentRecord& record, absl::Time now) {
  const v1::SituationUpdate& latest = record.latest->update;
  return latest.has_expires_at() && ToTime(latest.expires_at()) <= now;
}

}  // namespace

void SituationIndex::Reset(EventLog::OpenIncidents initial) {
  absl::MutexLock lock(&mu_);
  by_sequence_.clear();
  latest_sequence_.clear();
  sequence_ = initial.head;
  for (IncidentRecord& record : initial.incidents) {
    if (record.closed || record.latest == nullptr) continue;
    auto owned = std::make_shared<IncidentRecord>(std::move(record));
    InsertLocked(std::move(owned));
  }
}

void SituationIndex::Apply(const std::vector<LogEntryPtr>& entries) {
  absl::MutexLock lock(&mu_);
  for (const LogEntryPtr& entry : entries) ApplyLocked(entry);
}

void SituationIndex::ApplyLocked(const LogEntryPtr& entry) {
  mu_.AssertHeld();
  if (entry->sequence() <= sequence_) return;  // Reset already covered it.
  sequence_ = entry->sequence();
  const std::string& id = entry->update.incident_id();
  if (id.empty()) return;

  // Copy-on-write: snapshots may still hold the current record.
  auto record = std::make_shared<IncidentRecord>();
  if (auto it = latest_sequence_.find(id); it != latest_sequence_.end()) {
    auto node = by_sequence_.find(it->second);
    *record = *node->second;
    by_sequence_.erase(node);
    latest_sequence_.erase(it);
  }
  // An unknown id that is not KIND_NEW means the index missed the thread's
  // start (the log never accepts that otherwise). The thread facts are then
  // partial, but showing an open incident beats hiding it.
  ApplyToIncident(entry, record.get());
  if (record->closed) return;
  InsertLocked(std::move(record));
}

void SituationIndex::InsertLocked(std::shared_ptr<IncidentRecord> record) {
  mu_.AssertHeld();
  const uint64_t key = record->latest->sequence();
  latest_sequence_[record->incident_id] = key;
  by_sequence_[key] = std::move(record);
}

SituationIndex::Snapshot SituationIndex::Take(const FilterMatcher* filter,
                                              absl::Time now) const {
  Snapshot snapshot;
  {
    absl::MutexLock lock(&mu_);
    snapshot.sequence = sequence_;
    snapshot.incidents.reserve(by_sequence_.size());
    for (const auto& [sequence, record] : by_sequence_) {
      snapshot.incidents.push_back(record);
    }
  }
  // Records are immutable, so filtering after the unlock sees exactly the
  // state at snapshot.sequence. Exercises and tests are no real incidents:
  // they count only when the filter asks for their status.
  const bool any_status = filter != nullptr && filter->RestrictsStatuses();
  auto& incidents = snapshot.incidents;
  incidents.erase(
      std::remove_if(incidents.begin(), incidents.end(),
                     [&](const IncidentRecordPtr& record) {
                       const v1::SituationUpdate& latest =
                           record->latest->update;
                       return ExpiredBy(*record, now) ||
                              (!any_status && !IsActual(latest)) ||
                              (filter != nullptr && !filter->Matches(latest));
                     }),
      incidents.end());
  return snapshot;
}

std::vector<IncidentRecord> SituationIndex::ExpiredAt(absl::Time now) const {
  std::vector<IncidentRecord> expired;
  absl::MutexLock lock(&mu_);
  for (const auto& [sequence, record] : by_sequence_) {
    if (ExpiredBy(*record, now)) expired.push_back(*record);
  }
  return expired;
}

uint64_t SituationIndex::sequence() const {
  absl::MutexLock lock(&mu_);
  return sequence_;
}

size_t SituationIndex::size() const {
  absl::MutexLock lock(&mu_);
  return by_sequence_.size();
}

v1::Incident ToIncidentProto(const IncidentRecord& record) {
  v1::Incident incident = record.state;
  incident.set_incident_id(record.incident_id);
  if (record.latest != nullptr) *incident.mutable_latest() = record.latest->update;
  incident.set_version(record.version);
  incident.set_closed(record.closed);
  return incident;
}

}  // namespace sitrep
