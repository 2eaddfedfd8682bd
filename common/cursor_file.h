// A cursor on disk: the protobuf JSON of sitrep.v1.Cursor with the proto
// field names, e.g. {"log_id":"...","sequence":"42"}. The CLI's
// --cursor-file and the server's webhook sinks both keep their position in
// this format, so an operator can read, copy or delete either.
#ifndef SITREP_COMMON_CURSOR_FILE_H_
#define SITREP_COMMON_CURSOR_FILE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// nullopt when the file does not exist. FAILED_PRECONDITION naming the path
// when it exists but is not a cursor; UNAVAILABLE when the OS refuses.
absl::StatusOr<std::optional<v1::Cursor>> ReadCursorFile(
    const std::string& path);

// Replaces the file atomically: writes <path>.tmp.<pid> and renames it over
// <path>. With `sync`, fsyncs the file before and the directory after the
// rename, so that after a power loss the file holds the old or the new
// cursor, never a mix. UNAVAILABLE naming the path when the OS refuses.
absl::Status WriteCursorFile(const std::string& path, const v1::Cursor& cursor,
                             bool sync);

}  // namespace sitrep

#endif  // SITREP_COMMON_CURSOR_FILE_H_
