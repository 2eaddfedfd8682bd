#include "client/cursor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace sitrep::cli {
namespace {

absl::Status OsError(const std::string& what, const std::string& path) {
  const int err = errno;
  return absl::Status(err == ENOENT ? absl::StatusCode::kNotFound
                                    : absl::StatusCode::kFailedPrecondition,
                      absl::StrCat(what, " ", path, ": ", std::strerror(err)));
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::optional<sitrep::v1::Cursor>> LoadCursorFile(
    const std::string& path) {
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return std::optional<sitrep::v1::Cursor>();
  }
  std::ifstream in(path);
  if (!in) return OsError("cannot read cursor file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text(absl::StripAsciiWhitespace(buffer.str()));
  sitrep::v1::Cursor cursor;
  if (!google::protobuf::util::JsonStringToMessage(text, &cursor).ok() ||
      cursor.log_id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cursor file ", path,
        " is not a cursor (expected {\"log_id\":\"...\",\"sequence\":N}); "
        "remove it to start over"));
  }
  return std::optional<sitrep::v1::Cursor>(cursor);
}

absl::Status SaveCursorFile(const std::string& path,
                            const sitrep::v1::Cursor& cursor) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(cursor, &json, options);
  json += "\n";

  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return OsError("cannot write cursor file", tmp);
  size_t written = 0;
  while (written < json.size()) {
    const ssize_t n = write(fd, json.data() + written, json.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = OsError("cannot write cursor file", tmp);
      close(fd);
      unlink(tmp.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    absl::Status status = OsError("cannot fsync cursor file", tmp);
    close(fd);
    unlink(tmp.c_str());
    return status;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = OsError("cannot replace cursor file", path);
    unlink(tmp.c_str());
    return status;
  }
  // The rename is durable only once the directory entry is.
  const int dir = open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return absl::OkStatus();
}

}  // namespace sitrep::cli
