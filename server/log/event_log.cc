#include "server/log/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sitrep {

absl::StatusOr<EventLog::MissionRead> EventLog::ReadForMissions(
    const ReadRange& range, MissionSet /*missions*/) const {
  absl::StatusOr<std::vector<LogEntryPtr>> entries = Read(range);
  if (!entries.ok()) return entries.status();
  MissionRead read;
  read.scanned_through =
      entries->empty() ? range.first - 1 : entries->back()->sequence();
  read.entries = *std::move(entries);
  return read;
}

void ReportRetained(AppendListener* listener, uint64_t before,
                    uint64_t after) {
  if (listener != nullptr && after > before) listener->OnRetained(after);
}

uint64_t ClampRetentionTarget(const RetentionPolicy& policy, uint64_t oldest,
                              uint64_t limits_target) {
  return std::max(oldest, std::min(limits_target, policy.first_kept_at_most));
}

absl::StatusOr<uint64_t> FirstSequenceRetentionKeeps(
    const EventLog& log, const RetentionPolicy& policy, absl::Time now) {
  const uint64_t head = log.Head();
  uint64_t first = log.Oldest();
  if (policy.max_updates > 0 && head > policy.max_updates) {
    first = std::max(first, head - policy.max_updates + 1);
  }
  if (policy.max_age != absl::InfiniteDuration()) {
    absl::StatusOr<uint64_t> young =
        log.FirstSequenceAtOrAfter(now - policy.max_age);
    if (!young.ok()) return young.status();
    first = std::max(first, *young);
  }
  return std::min(first, head + 1);
}

absl::StatusOr<std::optional<IncidentRecord>> EventLog::LoadIncident(
    const std::string& incident_id) const {
  return absl::UnimplementedError(absl::StrCat(
      "this event log cannot look up incident '", incident_id, "'"));
}

absl::Status EventLog::SaveSituationSnapshot(
    const StoredSituation& snapshot) {
  return absl::UnimplementedError(absl::StrCat(
      "this event log cannot store the situation snapshot of sequence ",
      snapshot.sequence));
}

absl::StatusOr<std::vector<uint64_t>> EventLog::ListSituationSnapshots()
    const {
  return std::vector<uint64_t>();
}

absl::StatusOr<StoredSituation> EventLog::LoadSituationSnapshot(
    uint64_t sequence) const {
  return absl::NotFoundError(
      absl::StrCat("no situation snapshot of sequence ", sequence));
}

}  // namespace sitrep
