// GetSituation as_of on the SQLite store: the scenario of
// situation_as_of_scenario.h (every point equals the test's replay of the
// log, across expiry and retention), and the HTTP form `?as_of=`.
#include "tests/integration/situation_as_of_scenario.h"
#include "tests/support/http_get.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SituationAsOfTest, EveryPointEqualsAReplayOfTheLogAcrossRetention) {
  RunAsOfScenario(nullptr);
}

TEST(SituationAsOfTest, HttpTakesAsOfAndAsOfSequence) {
  TestServer server;
  auto stub = server.NewStub();
  const uint64_t opened = MustPublish(*stub, NewIncident("kp-7"));
  v1::SituationUpdate resolve = NewIncident("kp-7");
  resolve.set_kind(v1::KIND_RESOLVE);
  resolve.clear_location();
  MustPublish(*stub, resolve);
  absl::StatusOr<v1::ListUpdatesResponse> log =
      ListUpdates(*stub, v1::ListUpdatesRequest());
  ASSERT_THAT(log, IsOk());
  const std::string first_time = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E*SZ", FromProtoTime(log->updates(0).received_at()),
      absl::UTCTimeZone());
  const int port = server.server().http_port();

  absl::StatusOr<HttpGetResult> then =
      HttpGet(port, absl::StrCat("/v1/situation?as_of_sequence=", opened));
  ASSERT_THAT(then, IsOk());
  EXPECT_EQ(then->status, 200) << then->body;
  EXPECT_THAT(then->body, HasSubstr(R"("incidentId":"kp-7")"));
  absl::StatusOr<HttpGetResult> at_time =
      HttpGet(port, absl::StrCat("/v1/situation?as_of=", first_time));
  ASSERT_THAT(at_time, IsOk());
  EXPECT_EQ(at_time->status, 200) << at_time->body;
  EXPECT_THAT(at_time->body, HasSubstr(R"("incidentId":"kp-7")"));
  EXPECT_THAT(at_time->body, HasSubstr(R"("sequence":"1")"));
  absl::StatusOr<HttpGetResult> now = HttpGet(port, "/v1/situation");
  ASSERT_THAT(now, IsOk());
  EXPECT_THAT(now->body, Not(HasSubstr("kp-7")));
  absl::StatusOr<HttpGetResult> beyond =
      HttpGet(port, "/v1/situation?as_of_sequence=99");
  ASSERT_THAT(beyond, IsOk());
  EXPECT_EQ(beyond->status, 400);
  EXPECT_THAT(beyond->body, HasSubstr("beyond the head"));
}

}  // namespace
}  // namespace sitrep::testing
