// What one webhook sink reports, for metrics and operators' tools
// (sitrep_webhook_lag_updates{sink}, sitrep_webhook_deliveries_total{sink,
// result}). A plain value: no libcurl, no locking.
#ifndef SITREP_SERVER_SINKS_WEBHOOK_SINK_STATUS_H_
#define SITREP_SERVER_SINKS_WEBHOOK_SINK_STATUS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace sitrep {

struct WebhookSinkStatus {
  std::string name;
  // Every update of the log up to this sequence was delivered, skipped by
  // the filter, or rejected by the endpoint (what the cursor file holds, or
  // a little ahead of it).
  uint64_t cursor = 0;
  // The log's head minus `cursor`: updates not yet through this sink
  // (including ones its filter will skip).
  uint64_t lag_updates = 0;
  // POSTs by result: acknowledged (2xx); failed and to be retried (network
  // error, timeout, 5xx, 429 ...); rejected and skipped (other 4xx).
  uint64_t deliveries_ok = 0;
  uint64_t deliveries_failed = 0;
  uint64_t deliveries_rejected = 0;
  // Updates in acknowledged POSTs; updates in rejected ones.
  uint64_t updates_delivered = 0;
  uint64_t updates_rejected = 0;
  // Updates retention removed before this sink read them (never delivered).
  uint64_t updates_missed = 0;
  // Failures since the last acknowledged POST (0: healthy).
  uint64_t consecutive_failures = 0;
  // When the last POST was acknowledged; InfinitePast() if never (in this
  // process).
  absl::Time last_success = absl::InfinitePast();
  // Why the last failed POST failed ("HTTP 503", "Connection refused" ...);
  // never a URL, token or header.
  std::string last_error;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_WEBHOOK_SINK_STATUS_H_
