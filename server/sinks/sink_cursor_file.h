// A webhook sink's acknowledged position, on disk: <data_dir>/webhooks/
// <name>.cursor, so that a restarted sitrepd resumes each sink after the last
// batch its endpoint acknowledged. Same format as the CLI's --cursor-file
// (protobuf JSON of sitrep.v1.Cursor): {"log_id":"...","sequence":"42"}.
// A small file per sink rather than a table in the store: writing it never
// queues behind the log's group commit, and an operator can read, copy or
// delete it (deleting restarts the sink at the head).
#ifndef SITREP_SERVER_SINKS_SINK_CURSOR_FILE_H_
#define SITREP_SERVER_SINKS_SINK_CURSOR_FILE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// nullopt when the file does not exist. FAILED_PRECONDITION naming the path
// when it exists but is not a cursor (a person must decide: remove it to
// restart the sink at the head).
absl::StatusOr<std::optional<v1::Cursor>> LoadSinkCursor(
    const std::string& path);

// Replaces the file atomically (common/cursor_file.h); with `sync`, also
// durably, so that after a power loss the file holds the old or the new
// cursor.
absl::Status SaveSinkCursor(const std::string& path, const v1::Cursor& cursor,
                            bool sync);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_SINK_CURSOR_FILE_H_
