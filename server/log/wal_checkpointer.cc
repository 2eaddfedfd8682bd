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
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(options, writer, *std::move(db)));
  // Replaces SQLite's automatic checkpoint, which is a WAL hook too.
  sqlite3_wal_hook(writer->handle(), &WalCheckpointer::OnCommit,
                   checkpointer.get());
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
}

uint64_t WalCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

bool WalCheckpointer::AwaitCheckpoints(uint64_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return done_ >= n;
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
    // Commits never left the thread a moment to copy the last frame (then
    // the WAL cannot start over), or readers hold old snapshots: the writer
    // copies the rest itself - after the thread's checkpoints, only the
    // frames since the last of them - so the WAL stays bounded.
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
    checkpointer->writer_checkpoints_.fetch_add(1);
  } else if (pages >= checkpointer->next_due_pages_) {
    checkpointer->next_due_pages_ = pages + options.due_pages;
    absl::MutexLock lock(&checkpointer->mu_);
    checkpointer->due_ = true;
  }
  return SQLITE_OK;
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
    // PASSIVE: copies the frames no reader still needs, without taking the
    // writer's lock, so commits go on meanwhile. Once everything is copied
    // the writer's next transaction starts the WAL over from its beginning.
    int wal_pages = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(
        db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      // The writer's own fallback keeps the WAL bounded; say why.
      LogWarning("log", "WAL checkpoint failed",
                 {{"error", db_->Error(rc, "checkpointing").ToString()}});
    }
    absl::MutexLock lock(&mu_);
    ++done_;
  }
}

}  // namespace sitrep
