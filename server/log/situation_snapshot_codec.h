#ifndef SITREP_SERVER_LOG_SITUATION_SNAPSHOT_CODEC_H_
#define SITREP_SERVER_LOG_SITUATION_SNAPSHOT_CODEC_H_

// The stored form of a StoredSituation, the same on every backend: a
// format number, the sequence, its received_at, then every incident record
// in EncodeIncidentRecord's form (length-prefixed).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/event_log.h"

namespace sitrep {

// REQUIRES: every record's latest is set.
std::string EncodeSituationSnapshot(const StoredSituation& snapshot);

// DATA_LOSS naming `what` when `bytes` is not an encoded snapshot.
absl::StatusOr<StoredSituation> DecodeSituationSnapshot(
    absl::string_view bytes, absl::string_view what);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_SITUATION_SNAPSHOT_CODEC_H_
