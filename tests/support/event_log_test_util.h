#ifndef SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_
#define SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "server/log/event_log.h"

namespace sitrep {

// Appends `batch` and waits (on a Notification, never a sleep) for its
// callback: one result per request.
std::vector<absl::StatusOr<AppendResult>> AppendAndWait(
    EventLog* log, std::vector<AppendRequest> batch);

// Appends one request and waits for its result.
absl::StatusOr<AppendResult> AppendOneAndWait(EventLog* log,
                                              AppendRequest request);

// Removes every retained update before `first_kept` through the public
// ApplyRetention (max_updates = Head() - first_kept + 1), for tests that
// need a log whose oldest end has moved (Gap markers, catch-up reads).
// Returns the number removed. REQUIRES: 1 < first_kept <= Head().
absl::StatusOr<uint64_t> RetainFrom(EventLog* log, uint64_t first_kept);

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_
