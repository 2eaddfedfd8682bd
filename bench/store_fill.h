// Filling a store through the library, without a server (the recovery
// scenario, as_of_bench): the store opened for it, one batch appended and
// waited for.
#ifndef SITREP_BENCH_STORE_FILL_H_
#define SITREP_BENCH_STORE_FILL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "server/log/event_log.h"

namespace sitrep::bench {

// The SQLite store in `data_dir` (created if missing), opened for a fill:
// fsync off, since the fill is not what is measured.
inline absl::StatusOr<std::unique_ptr<EventLog>> OpenStoreForFill(
    const std::string& data_dir) {
  SqliteOptions options;
  options.data_dir = data_dir;
  options.fsync = FsyncPolicy::kOff;
  return OpenSqliteEventLog(options);
}

// Appends `batch` to `log` and waits for its callback (on a Notification,
// not a sleep): OK, or the first failed request's status.
inline absl::Status AppendBatchAndWait(EventLog* log,
                                       std::vector<AppendRequest> batch) {
  absl::Notification done;
  absl::Status first = absl::OkStatus();
  log->Append(std::move(batch),
              [&](std::vector<absl::StatusOr<AppendResult>> results) {
                for (auto& r : results) {
                  if (!r.ok() && first.ok()) first = r.status();
                }
                done.Notify();
              });
  done.WaitForNotification();
  return first;
}

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_STORE_FILL_H_
