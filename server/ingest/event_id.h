#ifndef SITREP_SERVER_INGEST_EVENT_ID_H_
#define SITREP_SERVER_INGEST_EVENT_ID_H_

#include <string>

#include "absl/time/time.h"

namespace sitrep {

// A new ULID (26 characters of Crockford base32: 48 bits of milliseconds,
// 80 random bits), for updates published without an event_id. Sortable by
// time; unique for all practical purposes. Thread-safe.
std::string NewEventId(absl::Time now);

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_EVENT_ID_H_
