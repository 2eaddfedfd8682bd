// One process per data directory: an exclusive flock on <data_dir>/LOCK,
// held for the life of the lock object (in sitrepd, the process's life). Two
// servers on one SQLite file would each keep their own head and collide on
// sequences; the lock stops the second one before it opens anything.
//
// flock (not fcntl) so that the lock belongs to the open file: a second
// Acquire in the same process fails too, and the kernel drops the lock when
// the process dies however it dies (kill -9 included), so a stale LOCK file
// never blocks a restart.
#ifndef SITREP_SERVER_RUNTIME_DATA_DIR_LOCK_H_
#define SITREP_SERVER_RUNTIME_DATA_DIR_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

class DataDirLock {
 public:
  // The lock file's name inside the directory.
  static constexpr char kFileName[] = "LOCK";

  // Creates `dir` if needed, locks <dir>/LOCK without waiting and writes this
  // process's pid into it. FAILED_PRECONDITION naming `flag`, the directory
  // and the holder's pid (as the holder wrote it) when the lock is held;
  // UNAVAILABLE when the directory or file cannot be made.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(
      const std::string& dir, absl::string_view flag = "--data_dir");

  // Unlocks. The file stays: removing it could remove a successor's file.
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_DATA_DIR_LOCK_H_
