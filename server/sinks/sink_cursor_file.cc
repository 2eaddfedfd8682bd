#include "server/sinks/sink_cursor_file.h"

#include "absl/strings/str_cat.h"
#include "common/cursor_file.h"

namespace sitrep {

absl::StatusOr<std::optional<v1::Cursor>> LoadSinkCursor(
    const std::string& path) {
  absl::StatusOr<std::optional<v1::Cursor>> cursor = ReadCursorFile(path);
  if (cursor.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::FailedPreconditionError(
        absl::StrCat("webhook ", cursor.status().message(),
                     "; remove it to restart the sink at the head"));
  }
  return cursor;
}

absl::Status SaveSinkCursor(const std::string& path, const v1::Cursor& cursor,
                            bool sync) {
  return WriteCursorFile(path, cursor, sync);
}

}  // namespace sitrep
