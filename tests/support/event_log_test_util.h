#ifndef SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_
#define SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"

namespace sitrep {

// Appends `batch` and waits (on a Notification, never a sleep) for its
// callback: one result per request.
std::vector<absl::StatusOr<AppendResult>> AppendAndWait(
    EventLog* log, std::vector<AppendRequest> batch);

// A stand-alone KFOR patrol report (testing::PatrolUpdate) by `publisher`
// with `event_id`.
AppendRequest PatrolReport(const std::string& publisher,
                           const std::string& event_id);

// Appends one request and waits for its result.
absl::StatusOr<AppendResult> AppendOneAndWait(EventLog* log,
                                              AppendRequest request);

// Removes every retained update before `first_kept` through the public
// ApplyRetention (max_updates = Head() - first_kept + 1), for tests that
// need a log whose oldest end has moved (Gap markers, catch-up reads).
// Returns the number removed. REQUIRES: 1 < first_kept <= Head().
absl::StatusOr<uint64_t> RetainFrom(EventLog* log, uint64_t first_kept);

// An AppendListener that records the sequences it is told about, and the
// events of a log's connection (JetStreamOptions::on_connection_change),
// for tests that wait for a log's tail: every wait is on its mutex, bounded.
class RecordingAppendListener : public AppendListener {
 public:
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override;
  void OnConnection(bool connected);

  // Waits until the listener was told about `sequence`.
  bool WaitForSequence(uint64_t sequence,
                       absl::Duration timeout = absl::Seconds(60));
  // Waits until `count` connection events were recorded; false on timeout.
  bool WaitForConnectionEvents(size_t count,
                               absl::Duration timeout = absl::Seconds(60));

  std::vector<uint64_t> sequences() const;
  std::vector<bool> connection_events() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> sequences_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_EVENT_LOG_TEST_UTIL_H_
