#ifndef SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_
#define SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_

// Runs the SQLite log's WAL checkpoints on a thread of their own. SQLite's
// automatic checkpoint runs inside the COMMIT that crosses its threshold, on
// the committing thread: the log's single writer then copied pages into the
// database file and waited for the checkpoint's fsyncs (2-14 ms measured
// here, about twice a second at 2,000 updates/s), and every update queued
// behind it waited as long - the tail of publish->deliver latency.
//
// A PASSIVE checkpoint never blocks the writer, but beside a stream of
// commits it never copies the last frame before the next commit, so the WAL
// never starts over from its beginning and grows without bound. Once the WAL
// holds `restart_pages`, the thread therefore follows its PASSIVE checkpoint
// (which leaves only the frames committed meanwhile) with a RESTART one: it
// holds the writer's lock only while it copies that small remainder and
// syncs, and the writer's next transaction starts the WAL over. The writer
// waits for it before its next transaction (BeforeTransaction) or in its
// busy handler, on a condition, not in SQLite's sleeping back-off.
// `journal_size_limit` shrinks the file after a burst.
//
// Internal to server/log (only .cc files include it).
//
// Thread safety: the commit hook and the busy handler run on the writer's
// thread (the thread that uses `writer`); Stop() must be called there or
// when no transaction can run. stats(), checkpoints() and
// AwaitCheckpoints() may be called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/log/sqlite_statement.h"

namespace sitrep {

class WalCheckpointer {
 public:
  struct Options {
    // The database file (a connection of its own is opened on it).
    std::string path;
    // The writer's "PRAGMA synchronous = ..." statement: a checkpoint syncs
    // as the writer's commits do.
    std::string synchronous;
    // A checkpoint is due once the WAL holds this many pages (SQLite's own
    // default threshold).
    int due_pages = 1000;
    // Past this many pages after a PASSIVE checkpoint, the thread restarts
    // the WAL (16 MiB of 4 KiB pages: about 3 s at 2,000 updates/s). 0: never.
    int restart_pages = 4096;
    // How long a restart may wait for the writer's transaction and for
    // readers of old frames before it gives up (and is tried again at the
    // next due checkpoint). The writer waits at most this long plus the
    // copy of the remainder and its syncs.
    absl::Duration restart_wait = absl::Milliseconds(20);
    // Beyond this many pages (the thread has fallen far behind) the writer
    // checkpoints itself, so the WAL stays bounded.
    int writer_pages = 16000;
    // The WAL file is truncated to this size when it starts over (SQLite's
    // journal_size_limit); -1: never.
    int64_t wal_size_limit_bytes = 64 << 20;
    // The writer's busy timeout, given back by Stop().
    absl::Duration writer_busy_timeout = absl::Seconds(5);
  };

  // Running totals, for metrics. A checkpoint counts whether or not it
  // copied everything.
  struct Stats {
    uint64_t passive = 0;    // on the thread
    uint64_t restarts = 0;   // on the thread, holding the writer's lock
    uint64_t failed_restarts = 0;  // of restarts: gave up waiting (BUSY)
    uint64_t writer = 0;     // the writer's own fallback
    absl::Duration passive_time;
    absl::Duration restart_time;
    absl::Duration writer_time;
    // Time the writer spent waiting for a restart to end.
    absl::Duration writer_waited;
  };

  // Opens the checkpoint connection, starts the thread and takes over the
  // checkpoints of `writer` (which must outlive this object).
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      const Options& options, sqlite::Database* writer);
  ~WalCheckpointer();

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Gives the writer's checkpoints back to it (SQLite's automatic ones) and
  // ends the thread. Idempotent.
  void Stop();

  // The writer calls this before each of its transactions (writer thread):
  // when the thread wants to restart the WAL, it waits until the restart
  // ended (at most `restart_wait` plus its copying and syncs). Without it, a
  // writer that commits back to back would never leave the lock free long
  // enough for the restart to take it.
  void BeforeTransaction();

  // Checkpoints run so far by the thread (passive and restarts) and, as a
  // fallback, by the writer.
  uint64_t checkpoints() const;
  uint64_t writer_checkpoints() const;
  Stats stats() const;

  // Blocks until the thread has run at least `n` checkpoints or `timeout`
  // passed; returns whether it had. For tests and diagnostics.
  bool AwaitCheckpoints(uint64_t n, absl::Duration timeout);

 private:
  WalCheckpointer(const Options& options, sqlite::Database* writer,
                  std::unique_ptr<sqlite::Database> db);

  // sqlite3_wal_hook: after every commit of the writer, with the WAL's size.
  static int OnCommit(void* self, sqlite3* db, const char* name, int pages);
  // sqlite3_busy_handler of the writer: waits while a restart runs.
  static int OnWriterBusy(void* self, int count);
  // sqlite3_busy_handler of the thread's connection during a restart.
  static int OnRestartBusy(void* self, int count);
  void Run();
  // One checkpoint in `mode` on the thread; returns the WAL's pages after it.
  int Checkpoint(int mode);

  // Constant after construction.
  const Options options_;
  sqlite::Database* const writer_;
  // Used by thread_ only.
  const std::unique_ptr<sqlite::Database> db_;
  absl::Time restart_started_;

  // The commit hook's state (writer thread only). A checkpoint that runs
  // beside a stream of commits rarely copies the last frame before the next
  // commit, so the WAL keeps its size and the next commit would find it due
  // at once: the thread is signalled again only after `due_pages` more.
  int next_due_pages_;
  int last_pages_ = 0;
  // The writer's busy handler: when its current wait began.
  absl::Time writer_busy_since_;

  mutable absl::Mutex mu_;
  bool due_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // From the thread's decision to restart until the restart ended.
  bool restarting_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_
