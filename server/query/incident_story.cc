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

// An incident's thread as far as the log still holds it, oldest first.
struct Thread {
  std::vector<LogEntryPtr> entries;
  // Its first updates are gone (retention) or beyond kMaxIncidentStorySteps:
  // the states cannot be replayed.
  bool truncated = false;
};

// Reads the thread back from its latest update along LogEntry::previous.
absl::StatusOr<Thread> ReadThread(const EventLog& log, uint64_t latest) {
  Thread thread;
  uint64_t sequence = latest;
  while (thread.entries.size() < kMaxIncidentStorySteps) {
    absl::StatusOr<LogEntryPtr> entry = ReadOne(log, sequence);
    if (!entry.ok()) return entry.status();
    if (*entry == nullptr) {
      thread.truncated = true;  // Retention removed it.
      break;
    }
    thread.entries.push_back(*entry);
    if ((*entry)->update.incident_version() <= 1) break;
    if ((*entry)->previous == nullptr) {
      thread.truncated = true;
      break;
    }
    sequence = (*entry)->previous->sequence();
  }
  if (!thread.entries.empty() &&
      thread.entries.back()->update.incident_version() > 1) {
    thread.truncated = true;
  }
  std::reverse(thread.entries.begin(), thread.entries.end());
  return thread;
}

// Adds a step for each readable update of `thread` to `story`, with the
// incident's state after it unless the thread is truncated. Returns the
// latest readable update (null: none), borrowed from `thread`.
const v1::SituationUpdate* AddSteps(const Thread& thread,
                                    const std::string& incident_id,
                                    MissionSet readable_missions,
                                    v1::IncidentThread* story) {
  // Every update is folded, readable or not: the states are the
  // incident's, redacted afterwards.
  v1::Incident state;
  const v1::SituationUpdate* latest_readable = nullptr;
  for (const LogEntryPtr& entry : thread.entries) {
    const v1::SituationUpdate& update = entry->update;
    if (!thread.truncated) FoldIntoIncident(update, &state);
    if (!readable_missions.Contains(update.mission())) continue;
    latest_readable = &update;
    v1::IncidentStep* step = story->add_steps();
    *step->mutable_update() = update;
    if (!thread.truncated) {
      v1::Incident* after = step->mutable_state();
      *after = state;
      after->set_incident_id(incident_id);
      after->set_version(update.incident_version());
    }
  }
  return latest_readable;
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
  const LogEntryPtr& latest = (*record)->latest;
  absl::StatusOr<Thread> thread = ReadThread(log, latest->sequence());
  if (!thread.ok()) return thread.status();

  v1::IncidentThread story;
  story.set_history_truncated(thread->truncated);
  story.set_sequence(std::max(head, latest->sequence()));
  story.set_log_id(log.log_id());
  const v1::SituationUpdate* latest_readable =
      AddSteps(*thread, incident_id, readable_missions, &story);
  const bool latest_is_readable =
      readable_missions.Contains(latest->update.mission());
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
