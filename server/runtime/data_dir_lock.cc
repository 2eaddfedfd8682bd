#include "server/runtime/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sitrep {

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(
    const std::string& dir, absl::string_view flag) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        flag, ": cannot create the data directory '", dir,
        "': ", error.message()));
  }
  const std::string path = (std::filesystem::path(dir) / kFileName).string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        flag, ": cannot open ", path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    // The holder wrote its pid right after locking; a holder that has only
    // just locked may not have yet.
    char text[32] = {};
    const ssize_t got = ::pread(fd, text, sizeof(text) - 1, 0);
    ::close(fd);
    if (lock_error != EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(
          flag, ": cannot lock ", path, ": ", std::strerror(lock_error)));
    }
    const std::string pid(
        absl::StripAsciiWhitespace(absl::string_view(text, got > 0 ? got : 0)));
    return absl::FailedPreconditionError(absl::StrCat(
        flag, ": '", dir, "' is in use by another sitrepd (",
        pid.empty() ? "pid unknown" : absl::StrCat("pid ", pid), ", holding ",
        path, "); stop it, or give this server a --data_dir of its own"));
  }
  const std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) !=
          static_cast<ssize_t>(pid.size())) {
    const std::string write_error = std::strerror(errno);
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat(flag, ": cannot write ", path, ": ", write_error));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

}  // namespace sitrep
