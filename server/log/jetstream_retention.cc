// Retention of the JetStream log: every replica, on --retention_interval,
// snapshots the incident records that changed and then purges the stream
// below the first sequence the policy keeps (one purge request, applied by
// JetStream on every node of the stream).

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_log.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace jetstream {

absl::StatusOr<uint64_t> JetStreamEventLog::Retain(
    const RetentionPolicy& policy, absl::Time now) {
  if (closed_.load(std::memory_order_acquire)) return CloseError();
  const uint64_t oldest = Oldest();
  const uint64_t target = RetentionTarget(policy, now);
  if (target <= oldest) return 0;
  // The incident records must outlive the updates they were made of.
  absl::Status snapshots = SnapshotIncidents();
  if (!snapshots.ok()) return snapshots;
  absl::Status purged = PurgeBelow(target);
  if (!purged.ok()) return purged;
  // Snapshots before target - 1 can start no replay any more.
  if (absl::Status dropped = situation_bucket_->DropBefore(target - 1);
      !dropped.ok()) {
    LogWarning("log", "old situation snapshots stay",
               {{"error", std::string(dropped.message())}});
  }
  {
    absl::MutexLock lock(&mu_);
    // The dedupe entries, received_at and cached entries of the removed
    // updates go with them.
    index_.DropBefore(target);
  }
  ReportRetained(listener_.load(std::memory_order_acquire), oldest, target);
  return target - oldest;
}

uint64_t JetStreamEventLog::RetentionTarget(const RetentionPolicy& policy,
                                            absl::Time now) const {
  absl::MutexLock lock(&mu_);
  uint64_t target = index_.oldest();
  const uint64_t head = index_.head();
  if (policy.max_updates > 0 && head > policy.max_updates) {
    target = std::max(target, head - policy.max_updates + 1);
  }
  if (policy.max_age != absl::InfiniteDuration()) {
    target = std::max(target, index_.FirstReceivedAtOrAfter(
                                  CeilMicros(now - policy.max_age)));
  }
  return ClampRetentionTarget(policy, index_.oldest(), target);
}

absl::Status JetStreamEventLog::PurgeBelow(uint64_t target) {
  // One request: JetStream removes everything below `target` (on every
  // replica of the stream) without holding appends up.
  jsOptions purge;
  jsOptions_Init(&purge);
  purge.Wait = timeout_ms_;
  purge.Stream.Purge.Sequence = target;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(js_, options_.stream.c_str(), &purge, &code);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot remove old updates from stream '",
                     options_.stream, "'"),
        s, code));
  }
  return absl::OkStatus();
}

}  // namespace jetstream
}  // namespace sitrep
