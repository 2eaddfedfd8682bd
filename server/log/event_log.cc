#include "server/log/event_log.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sitrep {

absl::StatusOr<EventLog::MissionRead> EventLog::ReadForMissions(
    const ReadRange& range, uint32_t /*mission_mask*/) const {
  absl::StatusOr<std::vector<LogEntryPtr>> entries = Read(range);
  if (!entries.ok()) return entries.status();
  MissionRead read;
  read.scanned_through =
      entries->empty() ? range.first - 1 : entries->back()->sequence();
  read.entries = *std::move(entries);
  return read;
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
