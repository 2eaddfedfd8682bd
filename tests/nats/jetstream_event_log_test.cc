// The EventLog conformance suite (tests/support/event_log_conformance.h)
// against the JetStream log on a real single-node nats-server -js. Each test
// gets a stream of its own on the binary's one server.

#include <memory>
#include <string>

#include "server/log/jetstream_event_log.h"
#include "tests/support/event_log_conformance.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;

struct JetStreamLog {
  static bool Available() { return SharedNatsServer() != nullptr; }
  static std::unique_ptr<EventLog> Open(Clock* clock, const std::string&) {
    JetStreamOptions options = testing::StreamOfItsOwn("conformance");
    options.clock = clock;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }
};


}  // namespace

// In the suite's namespace, as googletest requires.
namespace conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(log, EventLogConformanceTest, JetStreamLog);
}  // namespace conformance
}  // namespace sitrep
