// The WAL checkpoints of the SQLite log leave the writer's thread: they run
// on the checkpointer's thread once due, on the writer only as a fallback,
// and go back to SQLite's automatic ones after Stop().

#include "server/log/wal_checkpointer.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/log/sqlite_statement.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

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

  std::unique_ptr<WalCheckpointer> Start(int due_pages, int writer_pages) {
    WalCheckpointer::Options options;
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
  void Write(int transactions) {
    for (int i = 0; i < transactions; ++i) {
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

  ScopedTempDir dir_;
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
