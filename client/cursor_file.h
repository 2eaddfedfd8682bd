// A subscriber's cursor on disk, so a restarted `sitrep subscribe` resumes
// where the last one stopped. Format (protobuf JSON of sitrep.v1.Cursor with
// the proto field names): {"log_id":"...","sequence":"42"}.
#ifndef SITREP_CLIENT_CURSOR_FILE_H_
#define SITREP_CLIENT_CURSOR_FILE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// nullopt when the file does not exist (a first run). INVALID_ARGUMENT when
// it exists but is not a cursor (names the path); UNAVAILABLE from the OS.
absl::StatusOr<std::optional<sitrep::v1::Cursor>> LoadCursorFile(
    const std::string& path);

// Replaces the file atomically and durably (common/cursor_file.h): after a
// crash the file holds either the old or the new cursor, never a mix.
absl::Status SaveCursorFile(const std::string& path,
                            const sitrep::v1::Cursor& cursor);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_CURSOR_FILE_H_
