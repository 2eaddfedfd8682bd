#include "server/log/wal_checkpointer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"

namespace sitrep {

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const Options& options, sqlite::Database* writer) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(options.path, /*create=*/false);
  if (!db.ok()) return db.status();
  absl::Status status = (*db)->Exec(options.synchronous.c_str());
  if (!status.ok()) return status;
  status = writer->Exec(
      absl::StrCat("PRAGMA journal_size_limit = ", options.wal_size_limit_bytes)
          .c_str());
  if (!status.ok()) return status;
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(options, writer, *std::move(db)));
  // Replaces SQLite's automatic checkpoint, which is a WAL hook too.
  sqlite3_wal_hook(writer->handle(), &WalCheckpointer::OnCommit,
                   checkpointer.get());
  // Replaces the writer's busy timeout (SQLite's sleeping back-off would
  // oversleep a restart by up to its next step: 5, 10, 15 ms...).
  sqlite3_busy_handler(writer->handle(), &WalCheckpointer::OnWriterBusy,
                       checkpointer.get());
  sqlite3_busy_handler(checkpointer->db_->handle(),
                       &WalCheckpointer::OnRestartBusy, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(const Options& options,
                                 sqlite::Database* writer,
                                 std::unique_ptr<sqlite::Database> db)
    : options_(options),
      writer_(writer),
      db_(std::move(db)),
      next_due_pages_(options.due_pages) {
  thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() { Stop(); }

void WalCheckpointer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  thread_.join();
  sqlite3_wal_autocheckpoint(writer_->handle(), options_.due_pages);
  sqlite3_busy_timeout(
      writer_->handle(),
      static_cast<int>(absl::ToInt64Milliseconds(options_.writer_busy_timeout)));
}

uint64_t WalCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return stats_.passive + stats_.restarts;
}

uint64_t WalCheckpointer::writer_checkpoints() const {
  absl::MutexLock lock(&mu_);
  return stats_.writer;
}

WalCheckpointer::Stats WalCheckpointer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool WalCheckpointer::AwaitCheckpoints(uint64_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stats_.passive + stats_.restarts >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* name,
                              int pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  const Options& options = checkpointer->options_;
  if (pages < checkpointer->last_pages_) {
    // The WAL started over from its beginning.
    checkpointer->next_due_pages_ = options.due_pages;
  }
  checkpointer->last_pages_ = pages;
  if (pages >= options.writer_pages) {
    // The thread fell far behind (or readers hold old snapshots): the writer
    // copies the rest itself - after the thread's checkpoints, only the
    // frames since the last of them - so the WAL stays bounded.
    const absl::Time start = absl::Now();
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
    const absl::Duration took = absl::Now() - start;
    absl::MutexLock lock(&checkpointer->mu_);
    ++checkpointer->stats_.writer;
    checkpointer->stats_.writer_time += took;
  } else if (pages >= checkpointer->next_due_pages_) {
    checkpointer->next_due_pages_ = pages + options.due_pages;
    absl::MutexLock lock(&checkpointer->mu_);
    checkpointer->due_ = true;
  }
  return SQLITE_OK;
}

int WalCheckpointer::OnWriterBusy(void* self, int count) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  const absl::Time now = absl::Now();
  if (count == 0) checkpointer->writer_busy_since_ = now;
  if (now - checkpointer->writer_busy_since_ >
      checkpointer->options_.writer_busy_timeout) {
    return 0;  // SQLITE_BUSY, as the busy timeout it replaces would.
  }
  {
    absl::MutexLock lock(&checkpointer->mu_);
    if (checkpointer->restarting_) {
      auto ended = [checkpointer]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(checkpointer->mu_) {
                         return !checkpointer->restarting_;
                       };
      checkpointer->mu_.AwaitWithTimeout(
          absl::Condition(&ended), checkpointer->options_.writer_busy_timeout);
      checkpointer->stats_.writer_waited += absl::Now() - now;
      return 1;
    }
  }
  // Someone else holds the lock (another process, or recovery after a
  // crash): back off as SQLite's busy timeout does.
  absl::SleepFor(absl::Milliseconds(1));
  return 1;
}

void WalCheckpointer::BeforeTransaction() {
  absl::MutexLock lock(&mu_);
  if (!restarting_) return;
  const absl::Time start = absl::Now();
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !restarting_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ended), options_.writer_busy_timeout);
  stats_.writer_waited += absl::Now() - start;
}

int WalCheckpointer::OnRestartBusy(void* self, int /*count*/) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  // Waits for the writer's transaction or for readers of old frames; the
  // latter while holding the writer's lock, so briefly.
  if (absl::Now() - checkpointer->restart_started_ >
      checkpointer->options_.restart_wait) {
    return 0;  // The restart gives up and ends as a PASSIVE checkpoint.
  }
  absl::SleepFor(absl::Microseconds(100));
  return 1;
}

int WalCheckpointer::Checkpoint(int mode) {
  const bool restart = mode == SQLITE_CHECKPOINT_RESTART;
  const absl::Time start = absl::Now();
  if (restart) {
    restart_started_ = start;
    absl::MutexLock lock(&mu_);
    restarting_ = true;
  }
  // PASSIVE copies the frames no reader still needs without taking the
  // writer's lock, so commits go on meanwhile. RESTART takes the writer's
  // lock, copies what is left and waits for readers, so that the writer's
  // next transaction starts the WAL over from its beginning.
  int wal_pages = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, mode,
                                           &wal_pages, &copied);
  const absl::Duration took = absl::Now() - start;
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    // The writer's own fallback keeps the WAL bounded; say why.
    LogWarning("log", "WAL checkpoint failed",
               {{"error", db_->Error(rc, "checkpointing").ToString()}});
  }
  absl::MutexLock lock(&mu_);
  if (restart) {
    restarting_ = false;
    ++stats_.restarts;
    if (rc != SQLITE_OK) ++stats_.failed_restarts;
    stats_.restart_time += took;
  } else {
    ++stats_.passive;
    stats_.passive_time += took;
  }
  return wal_pages;
}

void WalCheckpointer::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return due_ || stopping_;
      };
      mu_.Await(absl::Condition(&woken));
      if (stopping_) return;
      due_ = false;
    }
    const int wal_pages = Checkpoint(SQLITE_CHECKPOINT_PASSIVE);
    if (options_.restart_pages > 0 && wal_pages >= options_.restart_pages) {
      // What is left to copy is what was committed during the PASSIVE one.
      Checkpoint(SQLITE_CHECKPOINT_RESTART);
    }
  }
}

}  // namespace sitrep
