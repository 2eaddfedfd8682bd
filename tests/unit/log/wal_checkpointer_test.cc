// The WAL checkpoints of the SQLite log leave the writer's thread: they run
// on the checkpointer's thread once due, on the writer only as a fallback,
// and go back to SQLite's automatic ones after Stop().

#include "server/log/wal_checkpointer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/log/sqlite_statement.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;

// A WAL database with one table, written by the test as the log's writer.
class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/wal.db";
    absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
        sqlite::Database::Open(path_, /*create=*/true);
    ASSERT_THAT(db, IsOk());
    writer_ = *std::move(db);
    ASSERT_THAT(writer_->Exec("PRAGMA journal_mode = WAL"), IsOk());
    ASSERT_THAT(writer_->Exec("CREATE TABLE t(x BLOB)"), IsOk());
    initial_size_ = std::filesystem::file_size(path_);
  }

  std::unique_ptr<WalCheckpointer> Start(int due_pages, int writer_pages,
                                         int restart_pages = 0) {
    WalCheckpointer::Options options;
    options.restart_pages = restart_pages;
    options.wal_size_limit_bytes = 1 << 20;
    options.path = path_;
    options.synchronous = "PRAGMA synchronous = NORMAL";
    options.due_pages = due_pages;
    options.writer_pages = writer_pages;
    absl::StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
        WalCheckpointer::Start(options, writer_.get());
    EXPECT_THAT(checkpointer, IsOk());
    return checkpointer.ok() ? *std::move(checkpointer) : nullptr;
  }

  // Commits `transactions` transactions of ten ~3 KB rows: about ten WAL
  // pages each.
  void Write(int transactions, WalCheckpointer* checkpointer = nullptr) {
    for (int i = 0; i < transactions; ++i) {
      if (checkpointer != nullptr) checkpointer->BeforeTransaction();
      ASSERT_THAT(writer_->Exec("BEGIN"), IsOk());
      for (int j = 0; j < 10; ++j) {
        ASSERT_THAT(writer_->Exec("INSERT INTO t VALUES(randomblob(3000))"),
                    IsOk());
      }
      ASSERT_THAT(writer_->Exec("COMMIT"), IsOk());
    }
  }

  // The database file (not the WAL) holds what a checkpoint copied.
  uintmax_t DatabaseFileGrowth() const {
    return std::filesystem::file_size(path_) - initial_size_;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<sqlite::Database> writer_;
  uintmax_t initial_size_ = 0;
};

TEST_F(WalCheckpointerTest, ADueCheckpointRunsOnItsOwnThread) {
  std::unique_ptr<WalCheckpointer> checkpointer =
      Start(/*due_pages=*/50, /*writer_pages=*/1000000);
  ASSERT_NE(checkpointer, nullptr);
  Write(8);  // ~80 pages: past due.
  ASSERT_TRUE(checkpointer->AwaitCheckpoints(1, absl::Seconds(30)));
  EXPECT_EQ(checkpointer->writer_checkpoints(), 0u);
  // The rows were copied into the database file.
  // (At least the five transactions that made it due.)
  EXPECT_GE(DatabaseFileGrowth(), 5u * 10 * 3000);
  checkpointer->Stop();
}

// Beside a stream of commits the WAL seldom starts over, so it stays past
// the threshold: the thread is asked again only after as many new pages, not
// after every commit (it spun on a core in a fan-out benchmark).
TEST_F(WalCheckpointerTest, EachCheckpointWaitsForAThresholdOfNewPages) {
  std::unique_ptr<WalCheckpointer> checkpointer =
      Start(/*due_pages=*/50, /*writer_pages=*/1000000);
  ASSERT_NE(checkpointer, nullptr);
  Write(30);  // ~300 pages in 30 commits.
  ASSERT_TRUE(checkpointer->AwaitCheckpoints(1, absl::Seconds(30)));
  checkpointer->Stop();
  EXPECT_LE(checkpointer->checkpoints(), 300u / 50 + 1);
}

TEST_F(WalCheckpointerTest, BelowTheThresholdNothingIsCopied) {
  std::unique_ptr<WalCheckpointer> checkpointer =
      Start(/*due_pages=*/1000, /*writer_pages=*/1000000);
  ASSERT_NE(checkpointer, nullptr);
  Write(8);
  checkpointer->Stop();  // Joins the thread: whatever it ran is counted.
  EXPECT_EQ(checkpointer->checkpoints(), 0u);
  EXPECT_EQ(DatabaseFileGrowth(), 0u);
}

TEST_F(WalCheckpointerTest, TheWriterCheckpointsItselfWhenFarBehind) {
  // Never due for the thread; the writer's bound is 50 pages.
  std::unique_ptr<WalCheckpointer> checkpointer =
      Start(/*due_pages=*/1000000, /*writer_pages=*/50);
  ASSERT_NE(checkpointer, nullptr);
  Write(8);
  EXPECT_GE(checkpointer->writer_checkpoints(), 1u);
  EXPECT_GE(DatabaseFileGrowth(), 5u * 10 * 3000);
  checkpointer->Stop();
  EXPECT_EQ(checkpointer->checkpoints(), 0u);
}

// Beside a stream of commits a PASSIVE checkpoint never lets the WAL start
// over: without restarts the WAL held everything written since it opened,
// until the writer's own checkpoint (the 8-73 ms stalls). The thread's
// restarts keep it near `restart_pages` while the writer goes on.
TEST_F(WalCheckpointerTest, RestartsKeepTheWalBoundedUnderALongBurst) {
  std::unique_ptr<WalCheckpointer> checkpointer = Start(
      /*due_pages=*/50, /*writer_pages=*/1000000, /*restart_pages=*/200);
  ASSERT_NE(checkpointer, nullptr);
  const std::string wal = path_ + "-wal";
  const int transactions = 400;  // at least 16 MB through the WAL
  uintmax_t largest_wal = 0;
  for (int i = 0; i < transactions; ++i) {
    Write(1, checkpointer.get());
    largest_wal = std::max(largest_wal, std::filesystem::file_size(wal));
  }
  const WalCheckpointer::Stats stats = checkpointer->stats();
  checkpointer->Stop();
  EXPECT_GE(stats.restarts - stats.failed_restarts, 2u);
  EXPECT_EQ(stats.writer, 0u);
  // At least ten pages of 4 KiB per transaction were written; the WAL
  // stays near 200 pages (0.8 MiB), and journal_size_limit cut it back to
  // 1 MiB at a restart.
  const uintmax_t written = static_cast<uintmax_t>(transactions) * 10 * 4096;
  EXPECT_LT(largest_wal, written / 4);
  EXPECT_LE(std::filesystem::file_size(wal), uintmax_t{1} << 20);
  EXPECT_GT(stats.restart_time, absl::ZeroDuration());
  // Everything is in the database file, nothing lost.
  EXPECT_GE(DatabaseFileGrowth(), uintmax_t{1} * transactions * 10 * 3000 / 2);
}

TEST_F(WalCheckpointerTest, AfterStopSQLiteCheckpointsAutomaticallyAgain) {
  std::unique_ptr<WalCheckpointer> checkpointer =
      Start(/*due_pages=*/50, /*writer_pages=*/1000000);
  ASSERT_NE(checkpointer, nullptr);
  checkpointer->Stop();
  checkpointer->Stop();  // Idempotent.
  Write(8);
  EXPECT_EQ(checkpointer->checkpoints(), 0u);
  // SQLite's own checkpoint, at the same threshold, inside a COMMIT.
  EXPECT_GE(DatabaseFileGrowth(), 5u * 10 * 3000);
}

}  // namespace
}  // namespace sitrep
