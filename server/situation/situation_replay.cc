#include "server/situation/situation_replay.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/log/incident_thread.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// Updates read per store read while replaying.
constexpr size_t kReplayBatch = 4096;

// Where a rebuild of `sequence` can start: the newest snapshot at or
// before it that the retained updates can carry up to it (at or after
// oldest - 1), or one of exactly `sequence`; 0 (the empty situation) while
// the log still holds sequence 1. nullopt: nothing can.
std::optional<uint64_t> ReplayBase(const std::vector<uint64_t>& snapshots,
                                   uint64_t sequence, uint64_t oldest) {
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    if (*it > sequence) continue;
    if (*it == sequence || *it + 1 >= oldest) return *it;
    break;
  }
  if (oldest <= 1 || sequence == 0) return 0;
  return std::nullopt;
}

}  // namespace

absl::Status BeforeRetentionError(absl::string_view asked, uint64_t oldest,
                                  const std::vector<uint64_t>& snapshots) {
  std::string earliest =
      "none yet (a snapshot is stored every --situation_snapshot_every "
      "updates and before each retention run)";
  for (uint64_t s : snapshots) {
    if (s + 1 >= oldest) {
      earliest = absl::StrCat("sequence ", s);
      break;
    }
  }
  return absl::OutOfRangeError(absl::StrCat(
      asked, " is before the oldest point this store can rebuild: retention "
      "removed the updates before sequence ", oldest,
      " and no situation snapshot covers it. The oldest point it can rebuild "
      "is ", earliest, "; ask for that or a later one"));
}

absl::StatusOr<PastSituation> ReplaySituationTo(
    const EventLog& log, uint64_t sequence, uint64_t oldest,
    const std::vector<uint64_t>& snapshots, absl::string_view asked) {
  const std::optional<uint64_t> base = ReplayBase(snapshots, sequence, oldest);
  if (!base.has_value()) return BeforeRetentionError(asked, oldest, snapshots);

  EventLog::OpenIncidents start;
  start.head = *base;
  absl::Time base_time = absl::UnixEpoch();
  // The log's fold, from the snapshot's records on.
  IncidentFolder folder;
  if (*base > 0) {
    absl::StatusOr<StoredSituation> snapshot =
        log.LoadSituationSnapshot(*base);
    if (!snapshot.ok()) return snapshot.status();
    for (IncidentRecordPtr& record : snapshot->incidents) {
      folder.Seed(record);
      start.incidents.push_back(std::move(record));
    }
    base_time = snapshot->received_at;
  }
  PastSituation past;
  past.index = std::make_unique<SituationIndex>();
  past.index->Reset(std::move(start), &log);
  past.at = base_time;
  for (uint64_t next = *base + 1; next <= sequence;) {
    ReadRange range;
    range.first = next;
    range.last = sequence;
    range.limit = kReplayBatch;
    absl::StatusOr<std::vector<LogEntryPtr>> entries = log.Read(range);
    if (!entries.ok()) return entries.status();
    // Retention ran meanwhile and took updates the replay needs.
    if (entries->empty() || entries->front()->sequence() != next) {
      return BeforeRetentionError(asked, log.Oldest(), snapshots);
    }
    past.index->Apply(*entries, folder.Fold(*entries));
    next = entries->back()->sequence() + 1;
    past.at = FromProtoTime(entries->back()->update.received_at());
  }
  return past;
}

absl::StatusOr<PastSituation> RebuildSituationAt(const EventLog& log,
                                                 uint64_t sequence) {
  const uint64_t oldest = log.Oldest();
  absl::StatusOr<std::vector<uint64_t>> snapshots =
      log.ListSituationSnapshots();
  if (!snapshots.ok()) return snapshots.status();
  return ReplaySituationTo(log, sequence, oldest, *snapshots,
                           absl::StrCat("as_of_sequence ", sequence));
}

}  // namespace sitrep
