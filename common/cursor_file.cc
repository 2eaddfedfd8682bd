#include "common/cursor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace sitrep {
namespace {

absl::Status OsError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Closes and removes the temporary file after a failed step.
absl::Status Abandon(int fd, const std::string& tmp, absl::Status status) {
  close(fd);
  unlink(tmp.c_str());
  return status;
}

}  // namespace

absl::StatusOr<std::optional<v1::Cursor>> ReadCursorFile(
    const std::string& path) {
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return std::optional<v1::Cursor>();
  }
  std::ifstream in(path);
  if (!in) return OsError("cannot read cursor file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text(absl::StripAsciiWhitespace(buffer.str()));
  v1::Cursor cursor;
  if (!google::protobuf::util::JsonStringToMessage(text, &cursor).ok() ||
      cursor.log_id().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cursor file ", path,
        " is not a cursor (expected {\"log_id\":\"...\",\"sequence\":N})"));
  }
  return std::optional<v1::Cursor>(cursor);
}

absl::Status WriteCursorFile(const std::string& path, const v1::Cursor& cursor,
                             bool sync) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(cursor, &json, options);
  json += "\n";

  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return OsError("cannot write cursor file", tmp);
  size_t written = 0;
  while (written < json.size()) {
    const ssize_t n = write(fd, json.data() + written, json.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Abandon(fd, tmp, OsError("cannot write cursor file", tmp));
    }
    written += static_cast<size_t>(n);
  }
  if (sync && fsync(fd) != 0) {
    return Abandon(fd, tmp, OsError("cannot fsync cursor file", tmp));
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status status = OsError("cannot replace cursor file", path);
    unlink(tmp.c_str());
    return status;
  }
  if (sync) {
    // The rename is durable only once the directory entry is.
    const int dir =
        open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      fsync(dir);
      close(dir);
    }
  }
  return absl::OkStatus();
}

}  // namespace sitrep
