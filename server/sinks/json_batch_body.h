// The "json" webhook format: one POST body per batch, a
// sitrep.v1.SubscribeResponse in protobuf's JSON mapping with `updates` and
// `cursor` set — the very message a Subscribe stream carries, so a receiver
// can parse it with the sitrep protos and resume logic stays the same:
//
//   {"updates": [{"sequence": "42", "mission": "MISSION_KFOR", ...}, ...],
//    "cursor": {"logId": "...", "sequence": "45"}}
//
// The cursor may be beyond the last update (updates the filter skipped).
// Delivery is at least once: a receiver that must not act twice keeps the
// highest (logId, sequence) it processed and ignores updates at or below it.
#ifndef SITREP_SERVER_SINKS_JSON_BATCH_BODY_H_
#define SITREP_SERVER_SINKS_JSON_BATCH_BODY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "server/log/log_entry.h"

namespace sitrep {

std::string EncodeJsonBatch(const std::vector<LogEntryPtr>& updates,
                            const std::string& log_id, uint64_t cursor);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_JSON_BATCH_BODY_H_
