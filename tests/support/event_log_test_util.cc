#include "tests/support/event_log_test_util.h"

#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/support/updates.h"

namespace sitrep {

std::vector<absl::StatusOr<AppendResult>> AppendAndWait(
    EventLog* log, std::vector<AppendRequest> batch) {
  absl::Notification done;
  std::vector<absl::StatusOr<AppendResult>> results;
  log->Append(std::move(batch),
              [&](std::vector<absl::StatusOr<AppendResult>> r) {
                results = std::move(r);
                done.Notify();
              });
  done.WaitForNotification();
  return results;
}

AppendRequest PatrolReport(const std::string& publisher,
                           const std::string& event_id) {
  AppendRequest request;
  request.update = testing::PatrolUpdate(v1::MISSION_KFOR, event_id);
  request.update.set_publisher(publisher);
  request.update.set_event_id(event_id);
  return request;
}

absl::StatusOr<AppendResult> AppendOneAndWait(EventLog* log,
                                              AppendRequest request) {
  std::vector<AppendRequest> batch;
  batch.push_back(std::move(request));
  std::vector<absl::StatusOr<AppendResult>> results =
      AppendAndWait(log, std::move(batch));
  if (results.size() != 1) {
    return absl::InternalError("Append returned other than one result");
  }
  return std::move(results[0]);
}

absl::StatusOr<uint64_t> RetainFrom(EventLog* log, uint64_t first_kept) {
  const uint64_t head = log->Head();
  if (first_kept <= 1 || first_kept > head) {
    return absl::InvalidArgumentError("RetainFrom: first_kept must be in (1, Head()]");
  }
  RetentionPolicy policy;
  policy.max_updates = head - first_kept + 1;
  return log->ApplyRetention(policy, absl::Now());
}

void RecordingAppendListener::OnAppended(
    const std::vector<LogEntryPtr>& entries,
    const std::vector<IncidentRecordPtr>& /*incidents*/) {
  absl::MutexLock lock(&mu_);
  for (const LogEntryPtr& entry : entries) {
    sequences_.push_back(entry->sequence());
  }
}

void RecordingAppendListener::OnConnection(bool connected) {
  absl::MutexLock lock(&mu_);
  connection_.push_back(connected);
}

bool RecordingAppendListener::WaitForSequence(uint64_t sequence,
                                              absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto seen = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !sequences_.empty() && sequences_.back() >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
}

bool RecordingAppendListener::WaitForConnectionEvents(size_t count,
                                                      absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto seen = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return connection_.size() >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
}

std::vector<uint64_t> RecordingAppendListener::sequences() const {
  absl::MutexLock lock(&mu_);
  return sequences_;
}

std::vector<bool> RecordingAppendListener::connection_events() const {
  absl::MutexLock lock(&mu_);
  return connection_;
}

}  // namespace sitrep
