// The real SQLite log in a test's temp dir, for unit tests that need a
// store under what they test (snapshots, retention) without a server:
//
//   TempDir dir_;
//   FakeClock clock_;
//   std::unique_ptr<EventLog> log_;
//   void SetUp() override {
//     ASSERT_THAT(OpenSqliteTestLog(dir_, &clock_, &log_), IsOk());
//   }
#ifndef SITREP_TESTS_SUPPORT_SQLITE_TEST_LOG_H_
#define SITREP_TESTS_SUPPORT_SQLITE_TEST_LOG_H_

#include <memory>

#include "absl/status/status.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {

// Opens (or creates) a SqliteEventLog in `dir` with fsync off (tests do
// not survive power cuts) and `clock` for received_at, into *log. `dir` and
// `clock` are borrowed and must outlive the log; the caller Close()s it.
// Errors: OpenSqliteEventLog's.
absl::Status OpenSqliteTestLog(const TempDir& dir, Clock* clock,
                               std::unique_ptr<EventLog>* log);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_SQLITE_TEST_LOG_H_
