// GetSituation as_of on the SQLite store: the scenario of
// situation_as_of_scenario.h (every point equals the test's replay of the
// log, across expiry and retention), and the HTTP form `?as_of=`.
#include "tests/integration/situation_as_of_scenario.h"

namespace sitrep::testing {
namespace {

TEST(SituationAsOfTest, EveryPointEqualsAReplayOfTheLogAcrossRetention) {
  RunAsOfScenario(nullptr);
}

}  // namespace
}  // namespace sitrep::testing
