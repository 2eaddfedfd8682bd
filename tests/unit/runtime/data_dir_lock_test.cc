#include "server/runtime/data_dir_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

TEST(DataDirLockTest, ASecondLockNamesTheDirectoryAndTheHoldersPid) {
  testing::TempDir dir;
  const std::string data = dir.path() + "/data";
  absl::StatusOr<std::unique_ptr<DataDirLock>> first = DataDirLock::Acquire(data);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(ReadFile(data + "/LOCK"), absl::StrCat(getpid()));
  // flock locks belong to the open file: the same process cannot lock twice.
  absl::StatusOr<std::unique_ptr<DataDirLock>> second = DataDirLock::Acquire(data);
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition,
                               absl::StrCat("--data_dir: '", data,
                                            "' is in use by another sitrepd (pid ",
                                            getpid(), ", holding ", data,
                                            "/LOCK)")));
  first->reset();
  EXPECT_THAT(DataDirLock::Acquire(data), IsOk());
}

TEST(DataDirLockTest, AKilledHolderLeavesNoStaleLock) {
  testing::TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    absl::StatusOr<std::unique_ptr<DataDirLock>> lock =
        DataDirLock::Acquire(dir.path());
    const char byte = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &byte, 1);
    pause();  // Until SIGKILL.
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  ASSERT_EQ(byte, 'y');
  EXPECT_THAT(DataDirLock::Acquire(dir.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("(pid ", child, ",")));
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  // The kernel dropped the lock with the process; the file stays.
  EXPECT_THAT(DataDirLock::Acquire(dir.path()), IsOk());
}

TEST(DataDirLockTest, AnUncreatableDirectoryIsUnavailable) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  EXPECT_THAT(DataDirLock::Acquire(dir.path() + "/file/data"),
              StatusIs(absl::StatusCode::kUnavailable,
                       "--data_dir: cannot create the data directory"));
}

}  // namespace
}  // namespace sitrep
