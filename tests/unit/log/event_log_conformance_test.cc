// The EventLog conformance suite (tests/support/event_log_conformance.h)
// for the in-memory test log and the SQLite log; JetStream runs it in
// tests/nats (label nats).

#include <sqlite3.h>

#include <memory>
#include <string>

#include "server/log/event_log.h"
#include "server/log/sqlite_event_log.h"
#include "tests/support/event_log_conformance.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;

struct InMemoryLog {
  static bool Available() { return true; }
  static std::unique_ptr<EventLog> Open(Clock* clock, const std::string&) {
    return NewInMemoryEventLog(clock);
  }
  static void FailAppends(EventLog* log, const std::string&, bool fail) {
    SetInMemoryAppendFailure(
        log, fail ? absl::UnavailableError("disk full (test)")
                  : absl::OkStatus());
  }
};

struct SqliteLog {
  static bool Available() { return true; }
  static std::unique_ptr<EventLog> Open(Clock* clock, const std::string& dir) {
    SqliteOptions options;
    options.data_dir = dir;
    options.fsync = FsyncPolicy::kOff;
    options.clock = clock;
    absl::StatusOr<std::unique_ptr<EventLog>> log = OpenSqliteEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }
  // A trigger that refuses every stored update, set from a second
  // connection, stands for a full disk.
  static void FailAppends(EventLog*, const std::string& dir, bool fail) {
    sqlite3* db = nullptr;
    const std::string path = dir + "/" + kSqliteFileName;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK) << path;
    sqlite3_busy_timeout(db, 10000);
    char* error = nullptr;
    const int rc = sqlite3_exec(
        db,
        fail ? "CREATE TRIGGER fail BEFORE INSERT ON updates "
               "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
             : "DROP TRIGGER fail",
        nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
};

using Backends = ::testing::Types<InMemoryLog, SqliteLog>;

}  // namespace

// In the suite's namespace, as googletest requires. Lower-case prefix so
// that ctest -R log selects the suite.
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(log, EventLogConformanceTest, Backends);
}  // namespace conformance
}  // namespace sitrep
