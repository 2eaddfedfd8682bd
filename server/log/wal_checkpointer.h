#ifndef SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_
#define SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_

// Runs the SQLite log's WAL checkpoints on a thread of their own. SQLite's
// automatic checkpoint runs inside the COMMIT that crosses its threshold, on
// the committing thread: the log's single writer then copied pages into the
// database file and waited for the checkpoint's fsyncs (2-14 ms measured
// here, about twice a second at 2,000 updates/s), and every update queued
// behind it waited as long - the tail of publish->deliver latency.
//
// Internal to server/log (only .cc files include it).
//
// Thread safety: the commit hook runs on the writer's thread (the thread
// that uses `writer`); Stop() must be called there or when no commit can
// run. checkpoints() may be read from any thread.

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
    // Beyond this many pages (the thread has fallen far behind) the writer
    // checkpoints itself, so the WAL stays bounded.
    int writer_pages = 16000;
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

  // Checkpoints run so far by the thread and, as a fallback, by the writer.
  uint64_t checkpoints() const;
  uint64_t writer_checkpoints() const { return writer_checkpoints_.load(); }

  // Blocks until the thread has run at least `n` checkpoints or `timeout`
  // passed; returns whether it had. For tests and diagnostics.
  bool AwaitCheckpoints(uint64_t n, absl::Duration timeout);

 private:
  WalCheckpointer(const Options& options, sqlite::Database* writer,
                  std::unique_ptr<sqlite::Database> db);

  // sqlite3_wal_hook: after every commit of the writer, with the WAL's size.
  static int OnCommit(void* self, sqlite3* db, const char* name, int pages);
  void Run();

  // Constant after construction.
  const Options options_;
  sqlite::Database* const writer_;
  // Used by thread_ only.
  const std::unique_ptr<sqlite::Database> db_;

  std::atomic<uint64_t> writer_checkpoints_{0};

  // The commit hook's state (writer thread only). A checkpoint that runs
  // beside a stream of commits rarely copies the last frame before the next
  // commit, so the WAL keeps its size and the next commit would find it due
  // at once: the thread is signalled again only after `due_pages` more.
  int next_due_pages_;
  int last_pages_ = 0;

  mutable absl::Mutex mu_;
  bool due_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_WAL_CHECKPOINTER_H_
