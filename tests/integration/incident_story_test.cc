// The security chain end to end through a real sitrepd: GetIncident over
// gRPC and HTTP, the chain-exception right, the audit and the metrics, and
// what a reader of one mission may see of another's incident.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "server/incident/tiers.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
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
using ::testing::Not;

constexpr char kKpToken[] = "sitrep_kp-desk-token-0123456789";
constexpr char kEulexToken[] = "sitrep_eulex-desk-token-0123456789";
constexpr char kKforToken[] = "sitrep_kfor-ops-token-0123456789";
constexpr char kKforWatchToken[] = "sitrep_kfor-watch-token-0123456789";
constexpr char kEulexWatchToken[] = "sitrep_eulex-watch-token-0123456789";
constexpr char kKforFieldToken[] = "sitrep_kfor-field-token-0123456789";

std::string PolicyJson() {
  return AccessPolicyBuilder()
      .Principal("kp-desk").Token(kKpToken).Publish({"KOSOVO_POLICE"}).Read({"*"})
      .Principal("eulex-desk").Token(kEulexToken).Publish({"EULEX"}).Read({"*"})
      .Principal("kfor-ops").Token(kKforToken).Publish({"KFOR"}).Read({"*"})
          .ChainException({"KFOR"})
      .Principal("kfor-watch").Token(kKforWatchToken).Read({"KFOR"})
      .Principal("eulex-watch").Token(kEulexWatchToken).Read({"EULEX"})
      .Principal("kfor-field").Token(kKforFieldToken).Publish({"KFOR"}).Read({"KFOR"})
      .Json();
}

// One update of `id` by `mission` acting as its own tier.
v1::SituationUpdate Step(const std::string& id, v1::Mission mission,
                         v1::Kind kind, const std::string& headline) {
  v1::SituationUpdate update = NewIncident(id, v1::MISSION_KOSOVO_POLICE);
  update.set_mission(mission);
  update.set_role(TierOfMission(mission));
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
    return NewTokenStub(server_.address(), token);
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

// Issue 17, I-1 and M-2: a reader who may read only EULEX keeps the
// incident EULEX took part in when the Kosovo Police publishes its latest
// update, and sees it through EULEX's newest update, without the Kosovo
// Police's names, opening or severities.
TEST_F(IncidentStoryTest, AReaderKeepsAnIncidentItTookPartInAndSeesOnlyItsPart) {
  PublishTheChain();
  auto kp = As(kKpToken);
  auto watch = As(kEulexWatchToken);
  MustPublish(*kp, [] {
    v1::SituationUpdate update = Step("kp-1", v1::MISSION_KOSOVO_POLICE,
                                      v1::KIND_UPDATE, "Crowd growing");
    update.set_severity(v1::SEVERITY_EXTREME);
    return update;
  }());
  absl::StatusOr<v1::Situation> situation = GetSituation(*watch);
  ASSERT_TRUE(situation.ok()) << situation.status();
  ASSERT_EQ(situation->incidents_size(), 1);
  const v1::Incident& seen = situation->incidents(0);
  EXPECT_EQ(seen.incident_id(), "kp-1");
  EXPECT_EQ(seen.latest().mission(), v1::MISSION_EULEX);
  EXPECT_EQ(seen.latest().headline(), "EULEX in charge");
  EXPECT_EQ(seen.lead().mission(), v1::MISSION_EULEX);
  EXPECT_EQ(seen.version(), 6u);
  EXPECT_NE(seen.peak_severity(), v1::SEVERITY_EXTREME);
  EXPECT_FALSE(seen.has_opened_at());
  EXPECT_EQ(seen.opened_by_publisher(), "");
  EXPECT_EQ(seen.opened_sequence(), 0u);
  ASSERT_EQ(seen.participants_size(), 1);
  EXPECT_EQ(seen.participants(0).mission(), v1::MISSION_EULEX);
  EXPECT_EQ(seen.participants(0).updates(), 2u);
  ASSERT_EQ(seen.support_requests_size(), 1);
  EXPECT_EQ(seen.support_requests(0).requested_by(), "");
  EXPECT_EQ(seen.support_requests(0).acknowledged_by(), "eulex-desk");
  // A filter on the severity of what it may read, not of what it may not.
  v1::Filter extreme;
  extreme.set_min_severity(v1::SEVERITY_EXTREME);
  situation = GetSituation(*watch, extreme);
  ASSERT_TRUE(situation.ok()) << situation.status();
  EXPECT_EQ(situation->incidents_size(), 0);

  // A `situation` start of Subscribe shows the same update.
  v1::SubscribeRequest request;
  request.set_situation(true);
  StreamReader reader(*watch, request, absl::Seconds(30));
  std::vector<v1::SituationUpdate> snapshot;
  ASSERT_TRUE(reader
                  .ReadUntil([](const v1::SubscribeResponse& response) {
                    return response.has_snapshot_end();
                  },
                  &snapshot)
                  .has_value());
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].headline(), "EULEX in charge");

  // After a restart the situation is loaded from the store: the same view.
  server_.Restart();
  watch = As(kEulexWatchToken);
  kp = As(kKpToken);
  situation = GetSituation(*watch);
  ASSERT_TRUE(situation.ok()) << situation.status();
  ASSERT_EQ(situation->incidents_size(), 1);
  EXPECT_EQ(situation->incidents(0).latest().headline(), "EULEX in charge");
  EXPECT_EQ(situation->incidents(0).participants_size(), 1);

  // A reader of every mission still sees all of it.
  situation = GetSituation(*kp);
  ASSERT_TRUE(situation.ok()) << situation.status();
  ASSERT_EQ(situation->incidents_size(), 1);
  EXPECT_EQ(situation->incidents(0).latest().headline(), "Crowd growing");
  EXPECT_EQ(situation->incidents(0).peak_severity(), v1::SEVERITY_EXTREME);
  EXPECT_EQ(situation->incidents(0).opened_by_publisher(), "kp-desk");
  EXPECT_EQ(situation->incidents(0).participants_size(), 2);
}

// Issue 17, M-1: a publisher that may read none of the thread's missions
// learns nothing of the incident from a refusal: the same words as for an
// id that does not exist, no version, state or lead.
TEST_F(IncidentStoryTest, PublishErrorsTellNothingOfAnIncidentNotReadable) {
  PublishTheChain();
  auto field = As(kKforFieldToken);
  v1::SituationUpdate update =
      Step("kp-1", v1::MISSION_KFOR, v1::KIND_UPDATE, "KFOR patrol passing");
  absl::Status on_real = Publish(*field, update, 2).status();
  update.set_incident_id("kp-404");
  absl::Status on_missing = Publish(*field, update, 2).status();
  EXPECT_THAT(on_real, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "not found or not permitted"));
  EXPECT_EQ(on_real.code(), on_missing.code());
  EXPECT_EQ(absl::StrReplaceAll(on_real.message(), {{"kp-1", "kp-404"}}),
            on_missing.message());
  update.set_incident_id("kp-1");
  EXPECT_EQ(Publish(*field, update).status().message(), on_real.message());
  // KIND_NEW can only learn that the id is taken.
  absl::Status on_new = Publish(*field, Step("kp-1", v1::MISSION_KFOR,
                                             v1::KIND_NEW, "x"))
                            .status();
  EXPECT_THAT(on_new, StatusIs(absl::StatusCode::kFailedPrecondition,
                               "is taken by an incident you may not read"));
  for (const absl::Status& status : {on_real, on_missing, on_new}) {
    EXPECT_THAT(status.message(), Not(HasSubstr("version 5")));
    EXPECT_THAT(status.message(), Not(HasSubstr("EULEX")));
    EXPECT_THAT(status.message(), Not(HasSubstr("second responder")));
  }
  // A publisher that may read the thread keeps the precise error.
  auto kp = As(kKpToken);
  EXPECT_THAT(Publish(*kp, Step("kp-1", v1::MISSION_KOSOVO_POLICE,
                                v1::KIND_UPDATE, "x"),
                      2)
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "is at version 5, not 2"));
}

// Issue 17, M-2: heartbeats name only the missions the stream may read.
TEST_F(IncidentStoryTest, HeartbeatsNameOnlyReadableMissions) {
  PublishTheChain();
  auto watch = As(kEulexWatchToken);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  request.mutable_heartbeat_interval()->set_nanos(20'000'000);
  StreamReader reader(*watch, request, absl::Seconds(30));
  std::optional<v1::SubscribeResponse> heartbeat = reader.ReadUntil(
      [](const v1::SubscribeResponse& response) {
        return response.has_heartbeat();
      },
      nullptr);
  ASSERT_TRUE(heartbeat.has_value());
  ASSERT_EQ(heartbeat->heartbeat().missions_size(), 1)
      << heartbeat->DebugString();
  EXPECT_EQ(heartbeat->heartbeat().missions(0).mission(), v1::MISSION_EULEX);
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
