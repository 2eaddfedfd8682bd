#include "server/auth/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sitrep {
namespace {

absl::Status Failed(const std::string& path, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status WriteSecretFile(const std::string& path,
                             absl::string_view content) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
           S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(
          path, ": already exists; remove it first or choose another path "
                "(an existing file keeps its own permissions)"));
    }
    return Failed(path, "cannot create it");
  }
  // The umask may have taken bits away, never added any; set 0600 exactly.
  absl::Status status;
  if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) status = Failed(path, "chmod 600");
  for (size_t written = 0; status.ok() && written < content.size();) {
    const ssize_t n =
        write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = Failed(path, "cannot write it");
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (status.ok() && fsync(fd) != 0) status = Failed(path, "cannot sync it");
  if (close(fd) != 0 && status.ok()) status = Failed(path, "cannot close it");
  if (!status.ok()) unlink(path.c_str());
  return status;
}

}  // namespace sitrep
