#include "server/situation/situation_index.h"

#include <algorithm>
#include <utility>

#include "server/incident/incident_readers.h"
#include "server/incident/update_status.h"
#include "server/log/incident_thread.h"
#include "server/situation/json_line.h"

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

void SituationIndex::Reset(EventLog::OpenIncidents initial,
                           const EventLog* log) {
  // Reads outside the lock: Reset runs before the log accepts appends.
  std::vector<std::shared_ptr<OpenIncident>> loaded;
  for (IncidentRecordPtr& record : initial.incidents) {
    if (record == nullptr || record->closed || record->latest == nullptr) {
      continue;
    }
    auto open = std::make_shared<OpenIncident>();
    open->record = std::move(record);
    const LogEntryPtr& latest = open->record->latest;
    const v1::Incident& state = open->record->state;
    for (const v1::IncidentParticipant& p : state.participants()) {
      if (log == nullptr || p.mission() == latest->update.mission()) continue;
      absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read(ReadRange{
          .first = p.last_sequence(), .last = p.last_sequence(), .limit = 1});
      // Unreadable or retained away: that mission's readers lose the view.
      if (read.ok() && !read->empty()) {
        open->other_missions_latest.push_back(read->front());
      }
    }
    loaded.push_back(std::move(open));
  }
  absl::MutexLock lock(&mu_);
  by_sequence_.clear();
  latest_sequence_.clear();
  sequence_ = initial.head;
  for (std::shared_ptr<OpenIncident>& open : loaded) {
    InsertLocked(std::move(open));
  }
}

void SituationIndex::Apply(const std::vector<LogEntryPtr>& entries,
                           const std::vector<IncidentRecordPtr>& incidents) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < entries.size(); ++i) {
    ApplyLocked(entries[i], i < incidents.size() ? incidents[i] : nullptr);
  }
}

void SituationIndex::ApplyLocked(const LogEntryPtr& entry,
                                 IncidentRecordPtr record) {
  mu_.AssertHeld();
  if (entry->sequence() <= sequence_) return;  // Reset already covered it.
  sequence_ = entry->sequence();
  if (record == nullptr) return;  // A stand-alone report.
  const std::string& id = record->incident_id;

  // Copy-on-write: snapshots may still hold the current OpenIncident.
  auto open = std::make_shared<OpenIncident>();
  LogEntryPtr previous_latest;
  if (auto it = latest_sequence_.find(id); it != latest_sequence_.end()) {
    auto node = by_sequence_.find(it->second);
    // Not the state's encoding: the record changes.
    previous_latest = node->second->record->latest;
    open->other_missions_latest = node->second->other_missions_latest;
    by_sequence_.erase(node);
    latest_sequence_.erase(it);
  }
  // The latest update so far becomes its mission's latest, and the new
  // entry's mission is represented by the entry itself.
  std::vector<LogEntryPtr>& others = open->other_missions_latest;
  if (previous_latest != nullptr) others.push_back(previous_latest);
  const v1::Mission mission = entry->update.mission();
  others.erase(std::remove_if(others.begin(), others.end(),
                              [mission](const LogEntryPtr& e) {
                                return e->update.mission() == mission;
                              }),
               others.end());
  open->record = std::move(record);
  if (open->record->closed) return;
  InsertLocked(std::move(open));
}

void SituationIndex::InsertLocked(std::shared_ptr<OpenIncident> open) {
  mu_.AssertHeld();
  const uint64_t key = open->record->latest->sequence();
  latest_sequence_[open->record->incident_id] = key;
  by_sequence_[key] = std::move(open);
}

const std::string& EncodedState::Get(const v1::Incident& state) const {
  absl::call_once(once_, [this, &state] { state.SerializeToString(&bytes_); });
  return bytes_;
}

const std::string& EncodedState::Json(const v1::Incident& state) const {
  absl::call_once(json_once_, [this, &state] { json_ = ToJsonLine(state); });
  return json_;
}

const std::string& EncodedState::Compact(
    absl::FunctionRef<std::string()> make) const {
  absl::call_once(compact_once_, [this, make] { compact_ = make(); });
  return compact_;
}

const std::string& EncodedState::CompactRow(
    absl::FunctionRef<std::string()> make) const {
  absl::call_once(compact_row_once_, [this, make] { compact_row_ = make(); });
  return compact_row_;
}

SituationIndex::Shown SituationIndex::ShowTo(const OpenIncidentPtr& open,
                                             const FilterMatcher* filter) {
  // Aliasing: the encoding lives as long as its OpenIncident.
  Shown shown{open->record, open->record->latest,
              std::shared_ptr<const EncodedState>(open, &open->encoded_state)};
  if (filter == nullptr || filter->Readable(shown.latest->update)) {
    return shown;
  }
  shown.latest = nullptr;
  for (const LogEntryPtr& entry : open->other_missions_latest) {
    if (!filter->Readable(entry->update)) continue;
    if (shown.latest == nullptr || entry->sequence() > shown.latest->sequence()) {
      shown.latest = entry;
    }
  }
  return shown;
}

SituationIndex::Snapshot SituationIndex::Take(const FilterMatcher* filter,
                                              absl::Time now) const {
  std::vector<OpenIncidentPtr> open;
  Snapshot snapshot;
  {
    absl::MutexLock lock(&mu_);
    snapshot.sequence = sequence_;
    open.reserve(by_sequence_.size());
    for (const auto& [sequence, incident] : by_sequence_) {
      open.push_back(incident);
    }
  }
  // Records are immutable, so filtering after the unlock sees exactly the
  // state at snapshot.sequence. Exercises and tests are no real incidents:
  // they count only when the filter asks for their status.
  const bool any_status = filter != nullptr && filter->RestrictsStatuses();
  snapshot.incidents.reserve(open.size());
  for (const OpenIncidentPtr& incident : open) {
    if (ExpiredBy(*incident->record, now)) continue;
    Shown shown = ShowTo(incident, filter);
    if (shown.latest == nullptr) continue;
    if (!any_status && !IsActual(shown.latest->update)) continue;
    if (filter != nullptr && !filter->Matches(shown.latest->update)) continue;
    snapshot.incidents.push_back(std::move(shown));
  }
  return snapshot;
}

SituationIndex::Snapshot SituationIndex::TakeAll() const {
  Snapshot snapshot;
  absl::MutexLock lock(&mu_);
  snapshot.sequence = sequence_;
  snapshot.incidents.reserve(by_sequence_.size());
  for (const auto& [sequence, incident] : by_sequence_) {
    snapshot.incidents.push_back(ShowTo(incident, nullptr));
  }
  return snapshot;
}

std::vector<IncidentRecordPtr> SituationIndex::ExpiredAt(
    absl::Time now) const {
  std::vector<IncidentRecordPtr> expired;
  absl::MutexLock lock(&mu_);
  for (const auto& [sequence, open] : by_sequence_) {
    if (ExpiredBy(*open->record, now)) expired.push_back(open->record);
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

v1::Incident ToIncidentProtoFor(const SituationIndex::Shown& shown,
                                MissionSet readable_missions) {
  v1::Incident incident = ToIncidentProto(*shown.record);
  if (shown.latest_replaced()) *incident.mutable_latest() = shown.latest->update;
  RedactForReader(readable_missions, shown.latest_replaced(), &incident);
  return incident;
}

}  // namespace sitrep
