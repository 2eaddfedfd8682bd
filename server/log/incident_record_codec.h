#ifndef SITREP_SERVER_LOG_INCIDENT_RECORD_CODEC_H_
#define SITREP_SERVER_LOG_INCIDENT_RECORD_CODEC_H_

// A compact binary form of an IncidentRecord, for backends that keep
// incident records outside their log of updates (the JetStream log's
// incident snapshots, so that the situation survives retention there too).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/event_log.h"

namespace sitrep {

// REQUIRES: record.latest is set.
std::string EncodeIncidentRecord(const IncidentRecord& record);

// DATA_LOSS naming `what` when `bytes` is not an encoded record. A record of
// format 1 (written before incidents were folded by FoldIntoIncident) comes
// back with `legacy` set and its state from LegacyIncidentState: the store
// re-derives it when it still retains the thread's first update.
absl::StatusOr<IncidentRecord> DecodeIncidentRecord(absl::string_view bytes,
                                                    absl::string_view what);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_INCIDENT_RECORD_CODEC_H_
