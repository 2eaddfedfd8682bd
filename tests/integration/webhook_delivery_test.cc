// Webhook sinks against a real sitrepd and a local HTTP receiver: every
// matching update exactly once and in order; publishing goes on while the
// endpoint answers 503, drops connections or is down, and the missed updates
// follow in order when it is back; Retry-After; one stuck endpoint holds up
// no other sink; the Alertmanager format; a bad sink stops the start.
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/integration/webhook_calls.h"
#include "tests/support/http_receiver.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;
using ::testing::SizeIs;

// Publishes with a short deadline: a publish must never wait for a sink.
absl::StatusOr<v1::PublishResponse> PromptPublish(
    v1::SituationFeed::Stub& stub, const v1::SituationUpdate& update) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::PublishRequest request;
  *request.mutable_update() = update;
  v1::PublishResponse response;
  grpc::Status status = stub.Publish(&context, request, &response);
  if (!status.ok()) return ToAbslStatus(status);
  return response;
}

class WebhookDeliveryTest : public ::testing::Test {
 protected:
  // Starts sitrepd with `json` as its webhooks file; "$URL" in it becomes
  // the receiver's URL.
  void StartServer(const std::string& json) {
    const std::string path = WriteFile(
        dir_.path() + "/webhooks.json",
        absl::StrReplaceAll(json, {{"$URL", receiver_.Url()}}));
    server_ = std::make_unique<TestServer>(
        [&](ServerConfig& config) { config.webhooks_file = path; });
    stub_ = server_->NewStub();
  }

  uint64_t Publish(const v1::SituationUpdate& update) {
    absl::StatusOr<v1::PublishResponse> response =
        PromptPublish(*stub_, update);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->sequence() : 0;
  }

  // Publishes `count` patrols of `mission`; returns their sequences.
  std::vector<uint64_t> PublishPatrols(v1::Mission mission, int count) {
    std::vector<uint64_t> sequences;
    for (int i = 0; i < count; ++i) {
      sequences.push_back(
          Publish(PatrolUpdate(mission, absl::StrCat("patrol ", ++published_))));
    }
    return sequences;
  }

  WebhookSinkStatus SinkStatus(size_t index = 0) {
    std::vector<WebhookSinkStatus> status = server_->server().WebhookStatus();
    EXPECT_GT(status.size(), index);
    return status.size() > index ? status[index] : WebhookSinkStatus{};
  }

  HttpReceiver receiver_;
  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_;
  int published_ = 0;
};

// A sink with short retries, for the failure tests.
constexpr char kQuickSink[] = R"({"webhooks": [{
    "name": "quick", "url": "$URL", "max_batch": 4,
    "backoff_initial": "0.01s", "backoff_max": "0.05s"}]})";

TEST_F(WebhookDeliveryTest, EveryMatchingUpdateOnceInOrder) {
  StartServer(R"({"webhooks": [{
      "name": "kfor", "url": "$URL", "max_batch": 3,
      "filter": {"missions": ["MISSION_KFOR"]},
      "bearer_token": "hook-token", "headers": {"X-Team": "ops"}}]})");
  std::vector<uint64_t> expected;
  for (int round = 0; round < 10; ++round) {
    for (uint64_t s : PublishPatrols(v1::MISSION_KFOR, 1)) expected.push_back(s);
    PublishPatrols(v1::MISSION_EULEX, 1);
    PublishPatrols(v1::MISSION_KOSOVO_POLICE, 1);
  }
  // A fence: once it arrived, everything before it did (one batch at a
  // time, in order).
  const uint64_t fence = PublishPatrols(v1::MISSION_KFOR, 1)[0];
  expected.push_back(fence);
  ASSERT_TRUE(WaitDelivered(receiver_, fence));

  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  EXPECT_THAT(Delivered(requests), ElementsAreArray(expected));
  for (const HttpReceiver::Request& request : requests) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/hook");
    EXPECT_EQ(request.headers.at("authorization"), "Bearer hook-token");
    EXPECT_EQ(request.headers.at("content-type"), "application/json");
    EXPECT_EQ(request.headers.at("x-team"), "ops");
    const v1::SubscribeResponse batch = BatchOf(request);
    EXPECT_THAT(batch.updates(), SizeIs(Le(3)));
    ASSERT_GT(batch.updates_size(), 0);
    EXPECT_EQ(batch.cursor().log_id(), server_->server().log_id());
    EXPECT_GE(batch.cursor().sequence(),
              batch.updates(batch.updates_size() - 1).sequence());
    for (const v1::SituationUpdate& update : batch.updates()) {
      EXPECT_EQ(update.mission(), v1::MISSION_KFOR);
    }
  }

  // The fence's batch is acknowledged once the next one is posted.
  const uint64_t after = PublishPatrols(v1::MISSION_KFOR, 1)[0];
  ASSERT_TRUE(WaitDelivered(receiver_, after));
  const WebhookSinkStatus status = SinkStatus();
  EXPECT_EQ(status.name, "kfor");
  EXPECT_GE(status.cursor, fence);
  // The fence for sure; the last one if its answer was processed already.
  EXPECT_GE(status.updates_delivered, expected.size());
  EXPECT_LE(status.updates_delivered, expected.size() + 1);
  EXPECT_EQ(status.deliveries_failed, 0u);
  EXPECT_EQ(status.deliveries_rejected, 0u);
  EXPECT_NE(status.last_success, absl::InfinitePast());
  EXPECT_EQ(access((server_->data_dir() + "/data/webhooks/kfor.cursor").c_str(),
                   F_OK),
            0);
}

TEST_F(WebhookDeliveryTest, PublishingGoesOnWhileTheEndpointAnswers503) {
  receiver_.Answer(503);
  StartServer(kQuickSink);
  const std::vector<uint64_t> sequences =
      PublishPatrols(v1::MISSION_KFOR, 10);  // each acknowledged promptly
  ASSERT_TRUE(receiver_.WaitUntil([](const auto& requests) {
    return CountAnswered(requests, 503) >= 3;
  }));
  receiver_.Answer(200);
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back()));

  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  EXPECT_THAT(Delivered(requests), ElementsAreArray(sequences));
  // The refused batch was retried as it was: the same body each time.
  for (const HttpReceiver::Request& request : requests) {
    if (request.answered == 503) {
      EXPECT_EQ(request.body, requests[0].body);
    }
  }
  PublishPatrols(v1::MISSION_KFOR, 1);
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back() + 1));
  const WebhookSinkStatus status = SinkStatus();
  EXPECT_GE(status.deliveries_failed, 3u);
  EXPECT_EQ(status.consecutive_failures, 0u);
  EXPECT_EQ(status.last_error, "HTTP 503");
}

TEST_F(WebhookDeliveryTest, MissedUpdatesFollowInOrderAfterTheEndpointIsBack) {
  StartServer(kQuickSink);
  receiver_.Down();  // connection refused
  const std::vector<uint64_t> sequences = PublishPatrols(v1::MISSION_EULEX, 7);
  receiver_.Up();
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back()));
  EXPECT_THAT(Delivered(receiver_.requests()), ElementsAreArray(sequences));
}

TEST_F(WebhookDeliveryTest, AnEndpointThatDropsConnectionsIsRetried) {
  receiver_.Drop();
  StartServer(kQuickSink);
  const std::vector<uint64_t> sequences = PublishPatrols(v1::MISSION_KFOR, 5);
  ASSERT_TRUE(receiver_.WaitUntil(
      [](const auto& requests) { return requests.size() >= 3; }));
  receiver_.Answer(200);
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back()));
  EXPECT_THAT(Delivered(receiver_.requests()), ElementsAreArray(sequences));
  PublishPatrols(v1::MISSION_KFOR, 1);
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back() + 1));
  const WebhookSinkStatus status = SinkStatus();
  EXPECT_GE(status.deliveries_failed, 3u);
  EXPECT_FALSE(status.last_error.empty());
  EXPECT_EQ(status.last_error.find(receiver_.Url()), std::string::npos);
}

TEST_F(WebhookDeliveryTest, RetryAfterIsHonoured) {
  receiver_.Answer(429, "1");
  StartServer(kQuickSink);
  const uint64_t sequence = PublishPatrols(v1::MISSION_KFOR, 1)[0];
  ASSERT_TRUE(receiver_.WaitUntil(
      [](const auto& requests) { return !requests.empty(); }));
  receiver_.Answer(200);
  ASSERT_TRUE(WaitDelivered(receiver_, sequence));
  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  ASSERT_GE(requests.size(), 2u);
  // Without Retry-After the retry would come after 10-50 ms.
  EXPECT_GE(requests[1].received_at - requests[0].received_at,
            absl::Milliseconds(900));
}

TEST_F(WebhookDeliveryTest, ARefusedBatchIsSkippedAndCounted) {
  receiver_.Answer(400);
  StartServer(kQuickSink);
  const uint64_t refused = PublishPatrols(v1::MISSION_KFOR, 1)[0];
  ASSERT_TRUE(receiver_.WaitUntil(
      [](const auto& requests) { return !requests.empty(); }));
  receiver_.Answer(200);
  const uint64_t next = PublishPatrols(v1::MISSION_KFOR, 1)[0];
  ASSERT_TRUE(WaitDelivered(receiver_, next));
  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  EXPECT_THAT(SequencesOf(requests[0]), ElementsAreArray({refused}));
  EXPECT_THAT(Delivered(requests), ElementsAreArray({next}));
  EXPECT_EQ(CountAnswered(requests, 400), 1u);  // never retried
  const WebhookSinkStatus status = SinkStatus();
  EXPECT_EQ(status.deliveries_rejected, 1u);
  EXPECT_EQ(status.updates_rejected, 1u);
}

// Issue 17, L-5: an endpoint that echoes its request in a refusal does not
// put the sink's bearer token or header values in sitrepd's log.
TEST_F(WebhookDeliveryTest, ARefusalThatEchoesTheRequestLogsNoSecret) {
  constexpr char kToken[] = "sink-bearer-secret-0123456789";
  constexpr char kApiKey[] = "sink-api-key-secret-0123456789";
  receiver_.Echo(400);
  ::testing::internal::CaptureStderr();
  StartServer(absl::StrCat(R"({"webhooks": [{"name": "echo", "url": "$URL", )",
                           R"("bearer_token": ")", kToken,
                           R"(", "headers": {"X-Api-Key": ")", kApiKey,
                           R"("}, "backoff_initial": "0.01s"}]})"));
  PublishPatrols(v1::MISSION_KFOR, 1);
  ASSERT_TRUE(receiver_.WaitUntil(
      [](const auto& requests) { return !requests.empty(); }));
  receiver_.Answer(200);
  // One batch in flight per sink: the next delivery follows the logged
  // refusal.
  ASSERT_TRUE(WaitDelivered(receiver_, PublishPatrols(v1::MISSION_KFOR, 1)[0]));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("refused a batch"));
  EXPECT_THAT(log, HasSubstr("[redacted]"));
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
  EXPECT_THAT(log, Not(HasSubstr(kApiKey)));
}

TEST_F(WebhookDeliveryTest, AStuckEndpointHoldsUpNoOtherSink) {
  HttpReceiver stuck;
  stuck.Hang();
  StartServer(absl::StrCat(R"({"webhooks": [
      {"name": "stuck", "url": ")", stuck.Url(), R"(", "timeout": "60s"},
      {"name": "healthy", "url": "$URL", "max_batch": 2}]})"));
  const std::vector<uint64_t> sequences = PublishPatrols(v1::MISSION_KFOR, 6);
  ASSERT_TRUE(WaitDelivered(receiver_, sequences.back()));
  EXPECT_THAT(Delivered(receiver_.requests()), ElementsAreArray(sequences));
  // The stuck sink has one batch in flight and waits for it.
  ASSERT_TRUE(stuck.WaitUntil(
      [](const auto& requests) { return !requests.empty(); }));
  EXPECT_EQ(stuck.requests().size(), 1u);
  const std::vector<WebhookSinkStatus> status =
      server_->server().WebhookStatus();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].name, "stuck");
  EXPECT_EQ(status[0].lag_updates, sequences.back());
  EXPECT_EQ(status[0].deliveries_ok, 0u);
  server_->Stop();  // aborts the stuck POST after the grace
}

TEST_F(WebhookDeliveryTest, AlertmanagerFormat) {
  StartServer(R"({"webhooks": [{"name": "am", "url": "$URL",
                                "format": "alertmanager"}]})");
  const uint64_t opened = Publish(NewIncident("inc-am", v1::MISSION_KFOR));
  v1::SituationUpdate resolve = NewIncident("inc-am", v1::MISSION_KFOR);
  resolve.set_kind(v1::KIND_RESOLVE);
  resolve.set_headline("Crowd dispersed");
  const uint64_t resolved = Publish(resolve);
  ASSERT_NE(resolved, 0u);

  // Each POST is an array of alerts; collect them until the resolved one.
  std::vector<google::protobuf::Value> alerts;
  auto collect = [&](const std::vector<HttpReceiver::Request>& requests) {
    alerts.clear();
    for (const HttpReceiver::Request& request : requests) {
      google::protobuf::Value body;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(request.body, &body).ok())
          << request.body;
      EXPECT_EQ(body.kind_case(), google::protobuf::Value::kListValue)
          << request.body;
      for (const auto& alert : body.list_value().values()) alerts.push_back(alert);
    }
    return alerts.size() >= 2;
  };
  ASSERT_TRUE(receiver_.WaitUntil(collect));
  collect(receiver_.requests());
  ASSERT_EQ(alerts.size(), 2u);
  for (const HttpReceiver::Request& request : receiver_.requests()) {
    EXPECT_EQ(request.headers.at("content-type"), "application/json");
  }
  auto field = [](const google::protobuf::Value& object,
                  const std::string& name) -> std::string {
    const auto& fields = object.struct_value().fields();
    auto it = fields.find(name);
    return it == fields.end() ? "<absent>" : it->second.string_value();
  };
  auto object = [](const google::protobuf::Value& value,
                   const std::string& name) -> const google::protobuf::Value& {
    return value.struct_value().fields().at(name);
  };
  const google::protobuf::Value& fired = alerts[0];
  const google::protobuf::Value& labels = object(fired, "labels");
  EXPECT_EQ(field(labels, "alertname"), "SitrepUpdate");
  EXPECT_EQ(field(labels, "mission"), "kfor");
  EXPECT_EQ(field(labels, "severity"), "moderate");
  EXPECT_EQ(field(labels, "category"), "civil_disturbance");
  EXPECT_EQ(field(labels, "municipality"), "mitrovice");
  EXPECT_EQ(field(labels, "incident_id"), "inc-am");
  EXPECT_EQ(field(object(fired, "annotations"), "headline"),
            "Crowd gathering at the main bridge");
  EXPECT_EQ(field(object(fired, "annotations"), "kind"), "new");
  EXPECT_EQ(field(object(fired, "annotations"), "sequence"),
            absl::StrCat(opened));
  EXPECT_NE(field(fired, "startsAt"), "<absent>");
  EXPECT_EQ(field(fired, "endsAt"), "<absent>");

  const google::protobuf::Value& ended = alerts[1];
  // Same labels: Alertmanager resolves the alert that fired.
  EXPECT_EQ(object(ended, "labels").DebugString(), labels.DebugString());
  EXPECT_EQ(field(object(ended, "annotations"), "kind"), "resolve");
  EXPECT_EQ(field(ended, "endsAt"), field(ended, "startsAt"));
}

class WebhookConfigStartTest : public ::testing::Test {
 protected:
  // Every listener on a free port: the defaults (9464, 8080) may be a
  // running `make run`'s, and the start checks them before the file.
  ServerConfig ConfigOnFreePorts() {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics_address = "127.0.0.1:0";
    config.http_address = "127.0.0.1:0";
    config.data_dir = dir_.path() + "/data";
    return config;
  }

  absl::Status StartWith(const std::string& json) {
    ServerConfig config = ConfigOnFreePorts();
    config.fsync = FsyncPolicy::kOff;
    config.webhooks_file = WriteFile(dir_.path() + "/webhooks.json", json);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(config);
    if (server.ok()) (*server)->Shutdown();
    return server.status();
  }
  TempDir dir_;
};

TEST_F(WebhookConfigStartTest, ABadSinkStopsTheStartNamingTheField) {
  EXPECT_THAT(StartWith(R"({"webhooks": [{"name": "a", "url": "ftp://x/"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--webhooks_file: " + dir_.path() +
                           "/webhooks.json: webhooks[0].url: must start with "
                           "http:// or https://"));
  EXPECT_THAT(
      StartWith(R"({"webhooks": [{"name": "a", "url": "http://127.0.0.1:1/"},
                   {"name": "b", "url": "http://127.0.0.1:1/",
                    "filter": {"municipalities": ["Atlantis"]}}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "webhooks[1].filter.municipalities[0]: 'Atlantis'"));
  EXPECT_THAT(StartWith(R"({"webhooks": [{"name": "a b", "url": "http://h/"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "webhooks[0].name: 'a b' must be"));
  EXPECT_THAT(StartWith(R"({"webhooks": [{"nmae": "a"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not a valid webhooks file"));
}

TEST_F(WebhookConfigStartTest, AMissingFileStopsTheStart) {
  ServerConfig config = ConfigOnFreePorts();
  config.webhooks_file = dir_.path() + "/missing.json";
  EXPECT_THAT(Server::Start(config),
              StatusIs(absl::StatusCode::kNotFound,
                       "--webhooks_file: cannot open"));
}

}  // namespace
}  // namespace sitrep::testing
