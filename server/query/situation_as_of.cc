#include "server/query/situation_as_of.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
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
        return BeforeRetentionError(asked, oldest, *snapshots);
      }
    }
  }

  absl::StatusOr<PastSituation> past =
      ReplaySituationTo(log, sequence, oldest, *snapshots, asked);
  if (!past.ok()) return past.status();
  if (at.has_value()) past->at = *at;
  return past;
}

}  // namespace sitrep
