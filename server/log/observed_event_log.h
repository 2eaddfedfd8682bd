#ifndef SITREP_SERVER_LOG_OBSERVED_EVENT_LOG_H_
#define SITREP_SERVER_LOG_OBSERVED_EVENT_LOG_H_

#include <memory>

#include "server/log/event_log.h"
#include "server/log/store_health.h"

namespace sitrep {

// Wraps `log` so that every store operation's outcome reaches `health`:
// appends (whole-batch failures: UNAVAILABLE, INTERNAL, DATA_LOSS, UNKNOWN;
// a request refused for its content is the store working) and retention as
// writes, reads as reads. Outcomes after Close() are not reported: a closed
// log refuses by design. Everything else is forwarded unchanged.
// `health` is borrowed and must outlive the returned log.
std::unique_ptr<EventLog> ObserveEventLog(std::unique_ptr<EventLog> log,
                                          StoreHealth* health);

// Whether `status` of a read or retention says the store failed (rather
// than the request being wrong or the log being closed).
bool IsStoreFailure(const absl::Status& status);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_OBSERVED_EVENT_LOG_H_
