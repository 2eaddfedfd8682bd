#include "server/query/situation_as_of.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// Updates read per store read while replaying.
constexpr size_t kReplayBatch = 4096;

std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

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

absl::Status BeforeRetention(absl::string_view asked, uint64_t oldest,
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

}  // namespace

absl::StatusOr<PastSituation> RebuildSituationAsOf(
    const EventLog& log, const v1::GetSituationRequest& request,
    absl::Time now) {
  const uint64_t head = log.Head();
  const uint64_t oldest = log.Oldest();
  absl::StatusOr<std::vector<uint64_t>> snapshots =
      log.ListSituationSnapshots();
  if (!snapshots.ok()) return snapshots.status();

  uint64_t sequence = 0;
  std::optional<absl::Time> at;
  std::string asked;
  if (request.as_of_case() == v1::GetSituationRequest::kAsOfSequence) {
    sequence = request.as_of_sequence();
    asked = absl::StrCat("as_of_sequence ", sequence);
    if (sequence > head) {
      return absl::OutOfRangeError(absl::StrCat(
          "as_of_sequence: ", sequence, " is beyond the head (", head,
          ") of this log; ask for at most ", head,
          ", or leave as_of out for the situation now"));
    }
  } else {
    const absl::Time time = FromProtoTime(request.as_of_time());
    asked = absl::StrCat("as_of_time ", TimeText(time));
    if (time > now) {
      return absl::InvalidArgumentError(absl::StrCat(
          "as_of_time: ", TimeText(time), " is in the future (server time ",
          TimeText(now), "); leave it out for the situation now"));
    }
    at = time;
    absl::StatusOr<uint64_t> first_after =
        log.FirstSequenceAtOrAfter(time + absl::Nanoseconds(1));
    if (!first_after.ok()) return first_after.status();
    sequence = std::min(*first_after, head + 1) - 1;
    // Every retained update is after `time`: the point is at or before
    // oldest - 1, which only a snapshot of exactly oldest - 1 received at or
    // before `time` pins down.
    if (sequence + 1 == oldest && oldest > 1) {
      absl::StatusOr<StoredSituation> edge =
          log.LoadSituationSnapshot(oldest - 1);
      if (!edge.ok() && !absl::IsNotFound(edge.status())) return edge.status();
      if (!edge.ok() || edge->received_at > time) {
        return BeforeRetention(asked, oldest, *snapshots);
      }
    }
  }

  const std::optional<uint64_t> base = ReplayBase(*snapshots, sequence, oldest);
  if (!base.has_value()) return BeforeRetention(asked, oldest, *snapshots);

  EventLog::OpenIncidents start;
  start.head = *base;
  absl::Time base_time = absl::UnixEpoch();
  if (*base > 0) {
    absl::StatusOr<StoredSituation> snapshot =
        log.LoadSituationSnapshot(*base);
    if (!snapshot.ok()) return snapshot.status();
    start.incidents = std::move(snapshot->incidents);
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
      return BeforeRetention(asked, log.Oldest(), *snapshots);
    }
    past.index->Apply(*entries);
    next = entries->back()->sequence() + 1;
    past.at = FromProtoTime(entries->back()->update.received_at());
  }
  if (at.has_value()) past.at = *at;
  return past;
}

}  // namespace sitrep
