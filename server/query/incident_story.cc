#include "server/query/incident_story.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/incident/incident_fold.h"
#include "server/incident/incident_readers.h"
#include "server/situation/situation_index.h"

namespace sitrep {
namespace {

absl::Status NotFound(const std::string& incident_id) {
  return absl::NotFoundError(absl::StrCat(
      "incident '", incident_id,
      "' not found or not permitted; `sitrep situation` lists the incidents "
      "you may read"));
}

absl::StatusOr<LogEntryPtr> ReadOne(const EventLog& log, uint64_t sequence) {
  absl::StatusOr<std::vector<LogEntryPtr>> read =
      log.Read(ReadRange{.first = sequence, .last = sequence, .limit = 1});
  if (!read.ok()) return read.status();
  if (read->empty()) return nullptr;
  return read->front();
}

}  // namespace

absl::StatusOr<v1::IncidentThread> ReadIncidentStory(
    const EventLog& log, const std::string& incident_id,
    MissionSet readable_missions) {
  const uint64_t head = log.Head();
  absl::StatusOr<std::optional<IncidentRecord>> record =
      log.LoadIncident(incident_id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return NotFound(incident_id);

  // Newest first, back along LogEntry::previous.
  std::vector<LogEntryPtr> thread;
  bool truncated = false;
  uint64_t sequence = (*record)->latest->sequence();
  while (thread.size() < kMaxIncidentStorySteps) {
    absl::StatusOr<LogEntryPtr> entry = ReadOne(log, sequence);
    if (!entry.ok()) return entry.status();
    if (*entry == nullptr) {
      truncated = true;  // Retention removed it.
      break;
    }
    thread.push_back(*entry);
    if ((*entry)->update.incident_version() <= 1) break;
    if ((*entry)->previous == nullptr) {
      truncated = true;
      break;
    }
    sequence = (*entry)->previous->sequence();
  }
  if (!thread.empty() && thread.back()->update.incident_version() > 1) {
    truncated = true;
  }
  std::reverse(thread.begin(), thread.end());

  v1::IncidentThread story;
  story.set_history_truncated(truncated);
  story.set_sequence(std::max(head, (*record)->latest->sequence()));
  story.set_log_id(log.log_id());
  v1::Incident state;
  const v1::SituationUpdate* latest_readable = nullptr;
  for (const LogEntryPtr& entry : thread) {
    const v1::SituationUpdate& update = entry->update;
    if (!truncated) FoldIntoIncident(update, &state);
    if (!readable_missions.Contains(update.mission())) continue;
    latest_readable = &update;
    v1::IncidentStep* step = story.add_steps();
    *step->mutable_update() = update;
    if (!truncated) {
      v1::Incident* after = step->mutable_state();
      *after = state;
      after->set_incident_id(incident_id);
      after->set_version(update.incident_version());
    }
  }
  const bool latest_is_readable =
      readable_missions.Contains((*record)->latest->update.mission());
  if (!latest_is_readable && latest_readable == nullptr) {
    return NotFound(incident_id);
  }
  v1::Incident* incident = story.mutable_incident();
  *incident = ToIncidentProto(**record);
  if (!latest_is_readable) *incident->mutable_latest() = *latest_readable;
  RedactForReader(readable_missions, !latest_is_readable, incident);
  for (v1::IncidentStep& step : *story.mutable_steps()) {
    if (step.has_state()) {
      RedactForReader(readable_missions, false, step.mutable_state());
    }
  }
  return story;
}

}  // namespace sitrep
