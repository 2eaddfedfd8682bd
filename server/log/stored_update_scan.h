#ifndef SITREP_SERVER_LOG_STORED_UPDATE_SCAN_H_
#define SITREP_SERVER_LOG_STORED_UPDATE_SCAN_H_

// The few fields of a stored update (LogEntry::encoded, the body of a
// JetStream message) that a replica's indexes are made of, read from the
// encoding without parsing the update: a joining replica reads every
// retained update but decodes in full only those it keeps (its cache of
// recent entries) or folds (incident updates). Internal to server/log.

#include <cstdint>

#include "absl/strings/string_view.h"

namespace sitrep {

struct StoredUpdateFields {
  uint64_t sequence = 0;
  // received_at in microseconds since the epoch, as ReceivedAtMicros.
  int64_t received_at_us = 0;
  // Views into the scanned bytes.
  absl::string_view publisher;
  absl::string_view event_id;
  absl::string_view incident_id;
};

// Reads those fields of the encoded v1::SituationUpdate `encoded` with the
// parser's rules (the last occurrence of a field wins, occurrences of
// received_at merge, a field with another wire type is an unknown field).
// False when `encoded` is not a well-formed encoding on the wire. It does
// not check what it skips (UTF-8 of other fields, enum values): a full
// decode of the update (DecodeLogEntry) still does, when it is read.
bool ScanStoredUpdate(absl::string_view encoded, StoredUpdateFields* fields);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_STORED_UPDATE_SCAN_H_
