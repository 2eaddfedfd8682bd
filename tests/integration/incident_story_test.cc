// The security chain end to end through a real sitrepd: GetIncident over
// gRPC and HTTP, the chain-exception right, the audit and the metrics, and
// what a reader of one mission may see of another's incident.

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kKpToken[] = "sitrep_kp-desk-token-0123456789";
constexpr char kEulexToken[] = "sitrep_eulex-desk-token-0123456789";
constexpr char kKforToken[] = "sitrep_kfor-ops-token-0123456789";
constexpr char kKforWatchToken[] = "sitrep_kfor-watch-token-0123456789";

std::string PolicyJson() {
  auto entry = [](const char* name, const char* token, const char* publish,
                  const char* read, const char* exceptions) {
    return absl::StrCat(R"({"name": ")", name, R"(", "tokenSha256": [")",
                        HashToken(token), R"("], "publish": [)", publish,
                        R"(], "read": [)", read, R"(], "chainException": [)",
                        exceptions, "]}");
  };
  return absl::StrCat(
      R"({"principals": [)",
      entry("kp-desk", kKpToken, R"("KOSOVO_POLICE")", R"("*")", ""), ",",
      entry("eulex-desk", kEulexToken, R"("EULEX")", R"("*")", ""), ",",
      entry("kfor-ops", kKforToken, R"("KFOR")", R"("*")", R"("KFOR")"), ",",
      entry("kfor-watch", kKforWatchToken, "", R"("KFOR")", ""), "]}");
}

// One update of `id` by `mission` acting as its own tier.
v1::SituationUpdate Step(const std::string& id, v1::Mission mission,
                         v1::Kind kind, const std::string& headline) {
  v1::SituationUpdate update = NewIncident(id, v1::MISSION_KOSOVO_POLICE);
  update.set_mission(mission);
  update.set_role(mission == v1::MISSION_KFOR    ? v1::ROLE_THIRD_RESPONDER
                  : mission == v1::MISSION_EULEX ? v1::ROLE_SECOND_RESPONDER
                                                 : v1::ROLE_FIRST_RESPONDER);
  update.set_kind(kind);
  update.set_headline(headline);
  update.clear_labels();
  if (kind != v1::KIND_NEW) update.clear_location();
  return update;
}

class IncidentStoryTest : public ::testing::Test {
 protected:
  IncidentStoryTest()
      : server_([this](ServerConfig& c) {
          const std::string path = dir_.path() + "/policy.json";
          FILE* out = fopen(path.c_str(), "w");
          const std::string json = PolicyJson();
          fwrite(json.data(), 1, json.size(), out);
          fclose(out);
          c.auth_file = path;
        }) {}

  std::unique_ptr<v1::SituationFeed::Stub> As(const char* token) {
    return v1::SituationFeed::NewStub(
        NewTokenChannel(server_.address(), token));
  }

  // KP opens in Zvečan, asks EULEX, EULEX acknowledges and takes the lead,
  // KP adds an update without a location.
  void PublishTheChain() {
    auto kp = As(kKpToken);
    auto eulex = As(kEulexToken);
    MustPublish(*kp, Step("kp-1", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW,
                          "Road blocked at Rudare"));
    MustPublish(*kp, Step("kp-1", v1::MISSION_KOSOVO_POLICE,
                          v1::KIND_REQUEST_SUPPORT, "KP asks EULEX"));
    MustPublish(*eulex, Step("kp-1", v1::MISSION_EULEX, v1::KIND_ACKNOWLEDGE,
                             "EULEX FPU deploying"));
    MustPublish(*eulex, Step("kp-1", v1::MISSION_EULEX, v1::KIND_ESCALATE,
                             "EULEX in charge"));
    MustPublish(*kp, Step("kp-1", v1::MISSION_KOSOVO_POLICE, v1::KIND_UPDATE,
                          "Traffic diverted"));
  }

  TempDir dir_;
  TestServer server_;
};

TEST_F(IncidentStoryTest, GetIncidentTellsTheWholeStoryStepByStep) {
  PublishTheChain();
  auto kp = As(kKpToken);
  absl::StatusOr<v1::IncidentThread> thread = GetIncident(*kp, "kp-1");
  ASSERT_TRUE(thread.ok()) << thread.status();
  EXPECT_FALSE(thread->history_truncated());
  ASSERT_EQ(thread->steps_size(), 5);
  std::vector<v1::Role> leads;
  for (const v1::IncidentStep& step : thread->steps()) {
    leads.push_back(step.state().lead().tier());
    EXPECT_EQ(step.state().version(), step.update().incident_version());
    EXPECT_EQ(step.state().location().municipality(), "mitrovice");
  }
  EXPECT_THAT(leads, ElementsAre(v1::ROLE_FIRST_RESPONDER,
                                 v1::ROLE_FIRST_RESPONDER,
                                 v1::ROLE_FIRST_RESPONDER,
                                 v1::ROLE_SECOND_RESPONDER,
                                 v1::ROLE_SECOND_RESPONDER));
  EXPECT_EQ(thread->steps(1).state().support_requests(0).state(),
            v1::SupportRequest::STATE_OPEN);
  EXPECT_EQ(thread->steps(2).state().support_requests(0).state(),
            v1::SupportRequest::STATE_ACKNOWLEDGED);
  EXPECT_EQ(thread->incident().lead().mission(), v1::MISSION_EULEX);
  EXPECT_EQ(thread->incident().version(), 5u);
  EXPECT_EQ(thread->incident().latest().headline(), "Traffic diverted");
  EXPECT_TRUE(thread->incident().latest().location_carried());
  // The last step's state is the incident's own.
  v1::Incident last = thread->steps(4).state();
  v1::Incident now = thread->incident();
  now.clear_latest();
  EXPECT_EQ(last.SerializeAsString(), now.SerializeAsString());

  EXPECT_THAT(GetIncident(*kp, "nope").status(),
              StatusIs(absl::StatusCode::kNotFound, "not found or not permitted"));
  EXPECT_THAT(GetIncident(*kp, "bad id!").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "incident_id"));
}

TEST_F(IncidentStoryTest, OverHttpItIsTheSameAnswerInJson) {
  PublishTheChain();
  auto kp = As(kKpToken);
  absl::StatusOr<v1::IncidentThread> grpc = GetIncident(*kp, "kp-1");
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  HttpCall call;
  call.path = "/v1/incidents/kp-1";
  call.headers = {{"Authorization", absl::StrCat("Bearer ", kKpToken)}};
  absl::StatusOr<HttpGetResult> http =
      HttpFetch(server_.server().http_port(), call);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->status, 200) << http->body;
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*grpc, &json).ok());
  EXPECT_EQ(http->body, json);
  call.path = "/v1/incidents/nope";
  http = HttpFetch(server_.server().http_port(), call);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->status, 404) << http->body;
  EXPECT_THAT(http->body, HasSubstr("not found or not permitted"));
}

TEST_F(IncidentStoryTest, AReaderSeesOnlyTheStepsOfMissionsItMayRead) {
  PublishTheChain();
  auto watch = As(kKforWatchToken);
  // No KFOR update in the thread: as if it did not exist.
  EXPECT_THAT(GetIncident(*watch, "kp-1").status(),
              StatusIs(absl::StatusCode::kNotFound, "not found or not permitted"));
}

TEST_F(IncidentStoryTest, AChainExceptionNeedsItsRightAndIsCountedAndKept) {
  auto kp = As(kKpToken);
  auto kfor = As(kKforToken);
  MustPublish(*kp, Step("kp-2", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW,
                        "Shots fired near the bridge"));
  // Out of turn without an exception: the rule's error.
  v1::SituationUpdate take_over =
      Step("kp-2", v1::MISSION_KFOR, v1::KIND_ESCALATE, "KFOR takes over");
  EXPECT_THAT(Publish(*kfor, take_over).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "chain rule 'escalate-after-acknowledge'"));
  // The Kosovo Police has no chainException right.
  v1::SituationUpdate kp_exception =
      Step("kp-2", v1::MISSION_KOSOVO_POLICE, v1::KIND_UPDATE, "x");
  kp_exception.mutable_chain_exception()->set_reason("testing the right");
  EXPECT_THAT(Publish(*kp, kp_exception).status(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "update.chain_exception: principal 'kp-desk' has no "
                       "chain_exception right"));
  // KFOR has it.
  take_over.mutable_chain_exception()->set_reason(
      "protecting life under the mandate");
  MustPublish(*kfor, take_over);
  absl::StatusOr<v1::IncidentThread> thread = GetIncident(*kp, "kp-2");
  ASSERT_TRUE(thread.ok()) << thread.status();
  ASSERT_EQ(thread->incident().exceptions_size(), 1);
  EXPECT_EQ(thread->incident().exceptions(0).rule(),
            "escalate-after-acknowledge");
  EXPECT_EQ(thread->incident().exceptions(0).reason(),
            "protecting life under the mandate");
  EXPECT_EQ(thread->incident().exceptions(0).publisher(), "kfor-ops");
  EXPECT_EQ(thread->incident().lead().mission(), v1::MISSION_KFOR);

  absl::StatusOr<HttpGetResult> metrics =
      HttpGet(server_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body,
              HasSubstr("sitrep_chain_exceptions_total{mission=\"kfor\"} 1"));
}

TEST_F(IncidentStoryTest, OpenRequestsAndTheirWaitAreMetrics) {
  auto kp = As(kKpToken);
  MustPublish(*kp, Step("kp-3", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW, "a"));
  MustPublish(*kp, Step("kp-3", v1::MISSION_KOSOVO_POLICE,
                        v1::KIND_REQUEST_SUPPORT, "KP asks EULEX"));
  absl::StatusOr<HttpGetResult> metrics =
      HttpGet(server_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body,
              HasSubstr("sitrep_support_requests{from_tier=\"first_responder\","
                        "state=\"waiting\",to_tier=\"second_responder\"} 1"));
  EXPECT_THAT(metrics->body,
              HasSubstr("sitrep_support_request_oldest_wait_seconds{"
                        "to_tier=\"second_responder\"}"));
}

}  // namespace
}  // namespace sitrep::testing
