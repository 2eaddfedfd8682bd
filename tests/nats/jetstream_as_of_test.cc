// GetSituation as_of on --store=jetstream against a real nats-server: the
// scenario of tests/integration/situation_as_of_scenario.h (every point
// equals the test's replay of the log, across expiry and retention), with
// the situation snapshots in the stream's `<stream>_SITUATION` bucket.
#include "tests/integration/situation_as_of_scenario.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"

namespace sitrep::testing {
namespace {

TEST(JetStreamAsOfTest, EveryPointEqualsAReplayOfTheLogAcrossRetention) {
  if (SharedNatsServer() == nullptr) {
    SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
  }
  const JetStreamOptions stream = StreamOfItsOwn("asof");
  RunAsOfScenario([&stream](ServerConfig& config) {
    config.store = StoreKind::kJetStream;
    config.jetstream = stream;
  });
}

}  // namespace
}  // namespace sitrep::testing
