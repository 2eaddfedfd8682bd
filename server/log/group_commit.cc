#include "server/log/group_commit.h"

#include <utility>

namespace sitrep {

GroupCommitQueue::GroupCommitQueue(size_t max_batch)
    : max_batch_(max_batch == 0 ? 1 : max_batch) {}

bool GroupCommitQueue::PushAppend(PendingAppend&& pending) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  appends_.push_back(std::move(pending));
  return true;
}

bool GroupCommitQueue::PushTask(Task&& task) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  tasks_.push_back(std::move(task));
  return true;
}

void GroupCommitQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

bool GroupCommitQueue::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

bool GroupCommitQueue::Next(Work* work) {
  work->appends.clear();
  work->task = nullptr;
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !appends_.empty() || !tasks_.empty();
  };
  mu_.Await(absl::Condition(&has_work));
  return TakeLocked(work);
}

bool GroupCommitQueue::TryNext(Work* work) {
  work->appends.clear();
  work->task = nullptr;
  absl::MutexLock lock(&mu_);
  return TakeLocked(work);
}

bool GroupCommitQueue::TakeLocked(Work* work) {
  // Everything queued up to max_batch_ requests; always at least one append
  // so that a single oversized Append still makes progress.
  size_t requests = 0;
  while (!appends_.empty()) {
    const size_t next = appends_.front().batch.size();
    if (!work->appends.empty() && requests + next > max_batch_) break;
    requests += next;
    work->appends.push_back(std::move(appends_.front()));
    appends_.pop_front();
  }
  if (!tasks_.empty()) {
    work->task = std::move(tasks_.front());
    tasks_.pop_front();
  }
  return !work->appends.empty() || work->task != nullptr;
}

void GroupCommitQueue::PushAppendOrFail(std::vector<AppendRequest> batch,
                                        AppendCallback done,
                                        const absl::Status& closed) {
  PendingAppend pending{std::move(batch), std::move(done)};
  if (PushAppend(std::move(pending))) return;
  // Closed: there is no writer to run the callback, so it runs here.
  std::vector<absl::StatusOr<AppendResult>> results(pending.batch.size(),
                                                    closed);
  pending.done(std::move(results));
}

void GroupCommitQueue::RunWriter(
    absl::FunctionRef<void(std::vector<PendingAppend>* appends)> commit) {
  Work work;
  while (Next(&work)) {
    if (!work.appends.empty()) commit(&work.appends);
    if (work.task != nullptr) work.task();
  }
}

}  // namespace sitrep
