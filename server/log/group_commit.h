#ifndef SITREP_SERVER_LOG_GROUP_COMMIT_H_
#define SITREP_SERVER_LOG_GROUP_COMMIT_H_

#include <cstddef>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/log/event_log.h"

namespace sitrep {

// The queue between appenders and the one writer thread of a log: turns
// concurrent appends into one transaction, as leveldb's DBImpl::Write turns
// concurrent writers into one log record. Appenders Push() and return at
// once; the writer calls Next(), which hands over everything queued (up to
// `max_batch` requests) so that one commit - and one fsync - covers all of
// it. Tasks (retention steps) run on the writer between two batches, so
// there is a single writer and a task never waits behind a long queue nor
// holds appends up for longer than one task.
//
// Thread safety: Push*, Close and closed() may be called from any thread;
// Next() from the one writer thread only.
class GroupCommitQueue {
 public:
  struct PendingAppend {
    std::vector<AppendRequest> batch;
    AppendCallback done;
  };
  using Task = absl::AnyInvocable<void()>;

  // What the writer does next: commit `appends` (in order) in one
  // transaction, then run `task` if set.
  struct Work {
    std::vector<PendingAppend> appends;
    Task task;
  };

  explicit GroupCommitQueue(size_t max_batch);

  // Queues `pending`. Returns false, leaving `pending` untouched, once the
  // queue is closed.
  bool PushAppend(PendingAppend&& pending);
  // Queues the append; once the queue is closed, runs `done` at once (on
  // this thread) with `closed` for every request instead.
  void PushAppendOrFail(std::vector<AppendRequest> batch, AppendCallback done,
                        const absl::Status& closed);
  // Queues `task` behind the appends queued so far. False once closed.
  bool PushTask(Task&& task);

  // Rejects further pushes; Next() still hands out what is queued.
  void Close();
  bool closed() const;

  // The writer thread's loop: hands each group of appends to `commit`, then
  // runs the task, until the queue is closed and drained.
  void RunWriter(
      absl::FunctionRef<void(std::vector<PendingAppend>* appends)> commit);

  // Blocks until there is work. Returns false when the queue is closed and
  // everything queued was handed out: the writer may end.
  bool Next(Work* work);
  // As Next, without waiting: false when nothing is queued (or the queue is
  // closed and drained). For a writer with a commit in flight, which then
  // finishes it rather than blocking (jetstream_publishing.cc).
  bool TryNext(Work* work);

 private:
  // Moves what is queued (up to max_batch_ requests, at least one append)
  // and the first task into *work; true when anything was.
  bool TakeLocked(Work* work) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const size_t max_batch_;

  // State below is protected by mu_.
  mutable absl::Mutex mu_;
  std::deque<PendingAppend> appends_ ABSL_GUARDED_BY(mu_);
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_GROUP_COMMIT_H_
