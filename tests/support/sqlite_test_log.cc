#include "tests/support/sqlite_test_log.h"

#include <utility>

#include "absl/status/statusor.h"

namespace sitrep::testing {

absl::Status OpenSqliteTestLog(const TempDir& dir, Clock* clock,
                               std::unique_ptr<EventLog>* log) {
  SqliteOptions options;
  options.data_dir = dir.path();
  options.fsync = FsyncPolicy::kOff;
  options.clock = clock;
  absl::StatusOr<std::unique_ptr<EventLog>> opened = OpenSqliteEventLog(options);
  if (!opened.ok()) return opened.status();
  *log = *std::move(opened);
  return absl::OkStatus();
}

}  // namespace sitrep::testing
