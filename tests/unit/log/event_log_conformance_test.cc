// The EventLog conformance suite (tests/support/event_log_conformance.h)
// for the in-memory test log and the SQLite log; JetStream runs it in
// tests/nats (label nats).

#include <memory>
#include <string>

#include "server/log/event_log.h"
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
};

using Backends = ::testing::Types<InMemoryLog, SqliteLog>;

}  // namespace

// In the suite's namespace, as googletest requires. Lower-case prefix so
// that ctest -R log selects the suite.
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(log, EventLogConformanceTest, Backends);
}  // namespace conformance
}  // namespace sitrep
