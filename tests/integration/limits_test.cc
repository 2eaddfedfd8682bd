// Each limit of sitrepd against a real server: it triggers its status code,
// changes nothing, and the server keeps serving other principals.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kAlpha[] = "sitrep_alpha-token-0123456789";
constexpr char kBeta[] = "sitrep_beta-token-0123456789";

// Two principals with every right, so one can hit a limit while the other
// shows that the server still serves.
std::string WritePolicy(const std::string& dir) {
  return AccessPolicyBuilder()
      .Principal("alpha").Token(kAlpha).Publish({"*"}).Read({"*"})
      .Principal("beta").Token(kBeta).Publish({"*"}).Read({"*"})
      .WriteTo(dir + "/policy.json");
}

class LimitsTest : public ::testing::Test {
 protected:
  // Starts the server with `tweak` on top of the policy.
  void StartServer(std::function<void(ServerConfig&)> tweak = nullptr) {
    const std::string policy = WritePolicy(dir_.path());
    server_ = std::make_unique<ClockedServer>(
        &clock_, [&](ServerConfig& c) {
          c.auth_file = policy;
          if (tweak) tweak(c);
        });
    ASSERT_TRUE(server_->started());
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& token) {
    return NewTokenChannel(server_->server().address(), token);
  }
  std::unique_ptr<v1::SituationFeed::Stub> Stub(const std::string& token) {
    return NewTokenStub(server_->server().address(), token);
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1790000000)};
  std::unique_ptr<ClockedServer> server_;
};

TEST_F(LimitsTest, PublishRateIsPerPrincipalWithRetryDelay) {
  StartServer([](ServerConfig& c) {
    c.publish_rate = 1;
    c.publish_burst = 2;
  });
  auto alpha = Stub(kAlpha);
  SITREP_ASSERT_OK(Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)).status());
  SITREP_ASSERT_OK(Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)).status());

  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  v1::PublishRequest request;
  *request.mutable_update() = PatrolUpdate(v1::MISSION_KFOR);
  v1::PublishResponse response;
  grpc::Status refused = alpha->Publish(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("retry after 1s"));
  // google.rpc.Status with a google.rpc.RetryInfo detail.
  EXPECT_THAT(refused.error_details(),
              HasSubstr("type.googleapis.com/google.rpc.RetryInfo"));

  // On a stream the ack says when to retry, and the stream goes on.
  {
    SITREP_ASSERT_OK_AND_ASSIGN(std::vector<v1::PublishAck> acks,
                                PublishStreamAnswers(*alpha, {request}));
    ASSERT_FALSE(acks.empty());
    EXPECT_EQ(acks[0].error().code(),
              static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
    EXPECT_EQ(acks[0].error().retry_delay().seconds(), 1);
  }

  // Another principal has its own bucket.
  auto beta = Stub(kBeta);
  SITREP_EXPECT_OK(Publish(*beta, PatrolUpdate(v1::MISSION_KFOR)).status());
  // After the delay, alpha may publish again.
  clock_.Advance(absl::Seconds(1));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                       Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_EQ(published.sequence(), 4u);  // Nothing refused was stored.
}

// A PublishStream batch takes a token per request: the requests past the
// bucket are refused one by one, and the answers of the rate limit, the
// validator and the log come back in request order in one message.
TEST_F(LimitsTest, ABatchIsAdmittedRequestByRequest) {
  StartServer([](ServerConfig& c) {
    c.publish_rate = 1;
    c.publish_burst = 3;
  });
  auto alpha = Stub(kAlpha);
  v1::PublishRequest message;
  *message.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "a");
  message.add_batch();  // no update: INVALID_ARGUMENT, after its token
  *message.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_EULEX, "b");
  *message.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "c");
  *message.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "d");

  SITREP_ASSERT_OK_AND_ASSIGN(std::vector<v1::PublishAck> answers,
                              PublishStreamAnswers(*alpha, {message}));
  ASSERT_EQ(answers.size(), 1u);  // one message, one answer
  const v1::PublishAck& answer = answers[0];

  ASSERT_EQ(answer.batch_size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(answer.batch(i).index(), uint64_t(i));
  EXPECT_EQ(answer.batch(0).sequence(), 1u);
  EXPECT_EQ(answer.batch(1).error().code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(answer.batch(2).sequence(), 2u);
  for (int i = 3; i < 5; ++i) {
    EXPECT_EQ(answer.batch(i).sequence(), 0u);
    EXPECT_EQ(answer.batch(i).error().code(),
              static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
    EXPECT_EQ(answer.batch(i).error().retry_delay().seconds(), 1);
  }
  // Only the two admitted, valid updates were stored.
  clock_.Advance(absl::Seconds(1));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                              Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_EQ(published.sequence(), 3u);
}

// Opens a Subscribe stream as `token` and waits until it is live; returns
// null (with its status in *status) when it was refused.
std::unique_ptr<StreamReader> OpenStream(v1::SituationFeed::Stub& stub,
                                         const std::string& token,
                                         grpc::Status* status) {
  v1::SubscribeRequest request;
  request.set_from_now(true);
  auto reader = std::make_unique<StreamReader>(stub, request,
                                               absl::Seconds(30), token);
  if (reader->ReadUntil(IsCaughtUp).has_value()) return reader;
  *status = reader->Finish();
  return nullptr;
}

TEST_F(LimitsTest, StreamsPerPrincipal) {
  StartServer([](ServerConfig& c) { c.max_streams_per_principal = 2; });
  auto alpha = Stub(kAlpha);
  grpc::Status status;
  auto first = OpenStream(*alpha, kAlpha, &status);
  auto second = OpenStream(*alpha, kAlpha, &status);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(OpenStream(*alpha, kAlpha, &status), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_streams_per_principal"));
  {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    auto stream = alpha->PublishStream(&context);
    stream->WritesDone();
    EXPECT_EQ(stream->Finish().error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Unary calls and other principals are not affected.
  SITREP_EXPECT_OK(Publish(*alpha, PatrolUpdate(v1::MISSION_EULEX)).status());
  auto beta = Stub(kBeta);
  EXPECT_NE(OpenStream(*beta, kBeta, &status), nullptr);

  // A closed stream frees its place (once the server has seen it end).
  first->Cancel();
  first->Finish();
  std::unique_ptr<StreamReader> third;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (third == nullptr && absl::Now() < give_up) {
    third = OpenStream(*alpha, kAlpha, &status);
    if (third == nullptr) {
      ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    }
  }
  EXPECT_NE(third, nullptr);
}

TEST_F(LimitsTest, MessageSize) {
  StartServer([](ServerConfig& c) { c.max_message_bytes = 16 * 1024; });
  auto alpha = Stub(kAlpha);
  v1::SituationUpdate big = PatrolUpdate(v1::MISSION_KFOR);
  big.set_description(std::string(20 * 1024, 'x'));
  EXPECT_THAT(Publish(*alpha, big),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                       Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_EQ(published.sequence(), 1u);
}

TEST_F(LimitsTest, LabelsPerUpdateAndLabelSize) {
  StartServer([](ServerConfig& c) {
    c.validation.max_labels = 2;
    c.validation.max_label_value_bytes = 8;
  });
  auto alpha = Stub(kAlpha);
  v1::SituationUpdate many = PatrolUpdate(v1::MISSION_KFOR);
  (*many.mutable_labels())["a"] = "1";
  (*many.mutable_labels())["b"] = "2";
  (*many.mutable_labels())["c"] = "3";
  EXPECT_THAT(Publish(*alpha, many),
              StatusIs(absl::StatusCode::kInvalidArgument, "update.labels"));
  v1::SituationUpdate long_value = PatrolUpdate(v1::MISSION_KFOR);
  (*long_value.mutable_labels())["unit"] = "123456789";
  EXPECT_THAT(Publish(*alpha, long_value),
              StatusIs(absl::StatusCode::kInvalidArgument, "update.labels"));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                       Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_EQ(published.sequence(), 1u);
}

TEST_F(LimitsTest, FilterTerms) {
  StartServer([](ServerConfig& c) {
    c.filter_limits.max_values_per_field = 2;
    c.filter_limits.max_label_requirements = 1;
  });
  auto alpha = Stub(kAlpha);
  EXPECT_THAT(
      GetSituation(*alpha, FilterFromText(R"pb(
        municipalities: "Prishtinë" municipalities: "Pejë"
        municipalities: "Prizren"
      )pb")),
      StatusIs(absl::StatusCode::kInvalidArgument, "filter.municipalities"));
  v1::SubscribeRequest request;
  request.set_from_now(true);
  *request.mutable_filter() = FilterFromText(R"pb(label_selector: "a=b,c=d")pb");
  StreamReader reader(*alpha, request, absl::Seconds(30), kAlpha);
  grpc::Status status = reader.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("filter.label_selector"));
  SITREP_EXPECT_OK(GetSituation(*alpha, FilterFromText(R"pb(
              municipalities: "Prishtinë" municipalities: "Pejë"
            )pb"))
                .status());
}

TEST_F(LimitsTest, PageSizeIsClamped) {
  StartServer([](ServerConfig& c) {
    c.list.default_page_size = 2;
    c.list.max_page_size = 3;
  });
  auto alpha = Stub(kAlpha);
  for (int i = 0; i < 5; ++i) MustPublish(*alpha, PatrolUpdate(v1::MISSION_KFOR));
  v1::ListUpdatesRequest request;
  request.set_page_size(1000);
  SITREP_ASSERT_OK_AND_ASSIGN(v1::ListUpdatesResponse page,
                       ListUpdates(*alpha, request));
  EXPECT_EQ(page.updates_size(), 3);
  EXPECT_FALSE(page.next_page_token().empty());
}

// A channel that pings every 50 ms, data or not.
std::shared_ptr<grpc::Channel> EagerPingChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 50);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, 10);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

TEST_F(LimitsTest, ClientsPingingTooOftenAreDisconnected) {
  StartServer([](ServerConfig& c) { c.min_ping_interval = absl::Seconds(10); });
  auto pinger = v1::SituationFeed::NewStub(
      EagerPingChannel(server_->server().address()));
  v1::SubscribeRequest request;
  request.set_from_now(true);
  // No heartbeats for an hour: the server sends no data the pings could
  // ride on.
  request.mutable_heartbeat_interval()->set_seconds(3600);
  StreamReader reader(*pinger, request, absl::Seconds(30), kAlpha);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp).has_value());
  // The server answers the third ping in 10 s with GOAWAY too_many_pings.
  EXPECT_EQ(reader.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  // Polite clients are served.
  SITREP_EXPECT_OK(Publish(*Stub(kBeta), PatrolUpdate(v1::MISSION_KFOR)).status());
}

TEST_F(LimitsTest, ConnectionsAgeOutAndStreamsEndUnavailable) {
  StartServer([](ServerConfig& c) {
    c.max_connection_age = absl::Milliseconds(300);
    c.max_connection_age_grace = absl::Milliseconds(200);
  });
  auto alpha = Stub(kAlpha);
  v1::SubscribeRequest request;
  request.set_from_now(true);
  request.mutable_heartbeat_interval()->set_seconds(3600);
  StreamReader reader(*alpha, request, absl::Seconds(30), kAlpha);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp).has_value());
  const grpc::Status ended = reader.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();
  // The client reconnects for the next call.
  SITREP_EXPECT_OK(Publish(*alpha, PatrolUpdate(v1::MISSION_KFOR)).status());
}

}  // namespace
}  // namespace sitrep::testing
