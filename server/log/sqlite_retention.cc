// Retention of the SQLite log, in small transactions on the writer thread
// between append batches, and the situation snapshots it keeps.

#include "server/log/sqlite_log.h"

namespace sitrep {
namespace sqlite_log {

absl::StatusOr<uint64_t> SqliteEventLog::ApplyRetention(
    const RetentionPolicy& policy, absl::Time now) {
  auto job = std::make_shared<RetentionJob>();
  job->policy = policy;
  job->now = now;
  const uint64_t before = Oldest();
  if (!queue_.PushTask([this, job] { RetentionStep(job); })) {
    return CloseError();
  }
  job->done.WaitForNotification();
  ReportRetained(listener_.load(std::memory_order_acquire), before, Oldest());
  health_.ReportWrite(job->status);
  if (!job->status.ok()) return job->status;
  return job->removed;
}

absl::Status SqliteEventLog::SaveSituationSnapshot(
    const StoredSituation& snapshot) {
  // Encoded here, on the caller's thread; only the insert runs on the
  // writer, between two append batches.
  struct Job {
    std::string body;
    absl::Status status;
    absl::Notification done;
  };
  auto job = std::make_shared<Job>();
  job->body = EncodeSituationSnapshot(snapshot);
  const int64_t sequence = static_cast<int64_t>(snapshot.sequence);
  if (!queue_.PushTask([this, job, sequence] {
        sqlite::ScopedReset reset(&w_.put_snapshot);
        w_.put_snapshot.BindInt64(1, sequence);
        w_.put_snapshot.BindBlob(2, job->body);
        job->status = w_.put_snapshot.Run();
        job->done.Notify();
      })) {
    return CloseError();
  }
  job->done.WaitForNotification();
  health_.ReportWrite(job->status);
  return job->status;
}


absl::StatusOr<uint64_t> SqliteEventLog::RetentionTarget(
    const RetentionJob& job) {
  uint64_t target = Oldest();
  const uint64_t max_updates = job.policy.max_updates;
  if (max_updates > 0 && writer_head_ > max_updates) {
    target = std::max(target, writer_head_ - max_updates + 1);
  }
  if (job.policy.max_age != absl::InfiniteDuration()) {
    sqlite::Statement& s = w_.first_at_or_after;
    sqlite::ScopedReset reset(&s);
    s.BindInt64(1, CeilMicros(job.now - job.policy.max_age));
    s.BindInt64(2, static_cast<int64_t>(writer_head_));
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    const uint64_t first_young =
        *row ? static_cast<uint64_t>(s.ColumnInt64(0)) : writer_head_ + 1;
    target = std::max(target, first_young);
  }
  return ClampRetentionTarget(job.policy, Oldest(), target);
}

void SqliteEventLog::RetentionStep(const std::shared_ptr<RetentionJob>& job) {
  if (!job->started) {
    job->started = true;
    absl::StatusOr<uint64_t> target = RetentionTarget(*job);
    if (!target.ok()) {
      job->status = target.status();
      job->done.Notify();
      return;
    }
    job->target = *target;
  }
  const uint64_t oldest = Oldest();
  if (oldest >= job->target) {
    job->done.Notify();
    return;
  }
  // One chunk per transaction; the appends queued meanwhile go next.
  const uint64_t upto = std::min(job->target, oldest + kRetentionChunk);
  {
    sqlite::ScopedReset reset(&w_.delete_before);
    w_.delete_before.BindInt64(1, static_cast<int64_t>(upto));
    absl::Status status = w_.delete_before.Run();
    if (!status.ok()) {
      job->status = status;
      job->done.Notify();
      return;
    }
  }
  // Snapshots before the new oldest - 1 can start no replay any more (the
  // updates after them are gone): they go with the updates.
  {
    sqlite::ScopedReset reset(&w_.delete_snapshots_before);
    w_.delete_snapshots_before.BindInt64(1, static_cast<int64_t>(upto - 1));
    absl::Status status = w_.delete_snapshots_before.Run();
    if (!status.ok()) {
      job->status = status;
      job->done.Notify();
      return;
    }
  }
  retention_steps_.fetch_add(1, std::memory_order_relaxed);
  job->removed += upto - oldest;
  oldest_.store(upto, std::memory_order_release);
  if (upto >= job->target) {
    job->done.Notify();
  } else if (!queue_.PushTask([this, job] { RetentionStep(job); })) {
    job->status = absl::UnavailableError(absl::StrCat(
        "the log was closed during retention after removing ", job->removed,
        " updates"));
    job->done.Notify();
  }
}


}  // namespace sqlite_log
}  // namespace sitrep
