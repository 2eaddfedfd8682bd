#include "client/cursor_file.h"

#include "absl/strings/str_cat.h"
#include "common/cursor_file.h"

namespace sitrep::cli {

absl::StatusOr<std::optional<sitrep::v1::Cursor>> LoadCursorFile(
    const std::string& path) {
  absl::StatusOr<std::optional<sitrep::v1::Cursor>> cursor =
      ReadCursorFile(path);
  // A damaged --cursor-file is the user's argument to fix.
  if (cursor.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::InvalidArgumentError(
        absl::StrCat(cursor.status().message(), "; remove it to start over"));
  }
  return cursor;
}

absl::Status SaveCursorFile(const std::string& path,
                            const sitrep::v1::Cursor& cursor) {
  return WriteCursorFile(path, cursor, /*sync=*/true);
}

}  // namespace sitrep::cli
