// Issue 17, M-4: a reload of the access policy reaches the streams opened
// before it. A stream whose token was revoked ends UNAUTHENTICATED, one whose
// principal lost a right it uses ends PERMISSION_DENIED, on gRPC Subscribe,
// PublishStream and the SSE /v1/stream alike; streams that keep their rights
// go on. An SSE stream also ends cleanly at its maximum age.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/sse_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

constexpr char kOpsToken[] = "sitrep_kp-ops-token-0123456789";
constexpr char kWatchToken[] = "sitrep_kfor-watch-token-0123456789";

// kp-ops publishes as the Kosovo Police and reads `ops_read`; kfor-watch
// reads KFOR.
std::string Policy(absl::string_view ops_token, const std::vector<std::string>& ops_publish,
                   const std::vector<std::string>& ops_read) {
  return AccessPolicyBuilder()
      .Principal("kp-ops").Token(ops_token).Publish(ops_publish).Read(ops_read)
      .Principal("kfor-watch").Token(kWatchToken).Read({"KFOR"})
      .Json();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

class StreamRevocationTest : public ::testing::Test {
 protected:
  explicit StreamRevocationTest(
      absl::Duration sse_age = absl::InfiniteDuration())
      : policy_path_(dir_.path() + "/policy.json"),
        server_([this, sse_age](ServerConfig& c) {
          WriteFile(policy_path_,
                    Policy(kOpsToken, {"KOSOVO_POLICE"}, {"*"}));
          c.auth_file = policy_path_;
          c.http_max_stream_age = sse_age;
        }) {}

  void Reload(const std::string& policy) {
    WriteFile(policy_path_, policy);
    SITREP_ASSERT_OK(server_.server().ReloadAccessPolicy());
  }

  std::unique_ptr<v1::SituationFeed::Stub> StubWith(const char* token) {
    return NewTokenStub(server_.address(), token);
  }

  // A caught-up Subscribe stream of `token`'s principal.
  std::unique_ptr<StreamReader> CaughtUpStream(v1::SituationFeed::Stub& stub,
                                               const char* token) {
    auto reader = std::make_unique<StreamReader>(
        stub, v1::SubscribeRequest(), absl::Seconds(30), token);
    EXPECT_TRUE(reader->ReadUntil(IsCaughtUp).has_value());
    return reader;
  }

  std::unique_ptr<SseClient> SseStream(const char* token) {
    HttpCall call;
    call.path = "/v1/stream";
    call.headers = {{"Authorization", absl::StrCat("Bearer ", token)}};
    absl::StatusOr<std::unique_ptr<SseClient>> client =
        SseClient::Open(server_.server().http_port(), call);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_EQ((*client)->status(), 200);
    EXPECT_TRUE((*client)->ReadUntil("caught_up").has_value());
    return *std::move(client);
  }

  TempDir dir_;
  const std::string policy_path_;
  TestServer server_;
};

TEST_F(StreamRevocationTest, RevokedTokenEndsOpenSubscribeStreams) {
  auto ops = StubWith(kOpsToken);
  auto watch = StubWith(kWatchToken);
  std::unique_ptr<StreamReader> revoked = CaughtUpStream(*ops, kOpsToken);
  std::unique_ptr<StreamReader> kept = CaughtUpStream(*watch, kWatchToken);

  Reload(Policy("sitrep_kp-ops-rotated-0123456789", {"KOSOVO_POLICE"},
                {"*"}));
  EXPECT_FALSE(revoked->ReadUntil(IsNotHeartbeat).has_value());
  const grpc::Status status = revoked->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();

  // kfor-watch kept its rights: its stream still delivers.
  Reload(Policy(kOpsToken, {"KOSOVO_POLICE", "KFOR"}, {"*"}));
  MustPublish(*ops, PatrolUpdate(v1::MISSION_KFOR));
  EXPECT_EQ(kept->ReadUpdates(1).size(), 1u);
}

TEST_F(StreamRevocationTest, LostReadRightEndsSubscribeWithPermissionDenied) {
  auto ops = StubWith(kOpsToken);
  std::unique_ptr<StreamReader> reader = CaughtUpStream(*ops, kOpsToken);
  Reload(Policy(kOpsToken, {"KOSOVO_POLICE"}, {"KOSOVO_POLICE"}));
  EXPECT_FALSE(reader->ReadUntil(IsNotHeartbeat).has_value());
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
}

TEST_F(StreamRevocationTest, ListingEveryMissionInsteadOfAllTakesNothing) {
  auto ops = StubWith(kOpsToken);
  std::unique_ptr<StreamReader> reader = CaughtUpStream(*ops, kOpsToken);
  Reload(Policy(kOpsToken, {"KOSOVO_POLICE"},
                {"KFOR", "EULEX", "KOSOVO_POLICE"}));
  MustPublish(*ops, PatrolUpdate(v1::MISSION_KOSOVO_POLICE));
  EXPECT_EQ(reader->ReadUpdates(1).size(), 1u);
}

TEST_F(StreamRevocationTest, LostPublishRightEndsPublishStream) {
  auto ops = StubWith(kOpsToken);
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  auto stream = ops->PublishStream(&context);
  v1::PublishRequest request;
  *request.mutable_update() = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
  ASSERT_TRUE(stream->Write(request));
  v1::PublishAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.sequence(), 1u);

  Reload(Policy(kOpsToken, {}, {"*"}));
  EXPECT_FALSE(stream->Read(&ack));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
}

TEST_F(StreamRevocationTest, RevokedTokenEndsSseStreamWithAnErrorEvent) {
  std::unique_ptr<SseClient> stream = SseStream(kOpsToken);
  ASSERT_NE(stream, nullptr);
  Reload(Policy("sitrep_kp-ops-rotated-0123456789", {"KOSOVO_POLICE"},
                {"*"}));
  std::optional<SseEvent> error = stream->ReadUntil("error");
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(absl::StrContains(error->data, "UNAUTHENTICATED")) << error->data;
  EXPECT_FALSE(stream->Next().has_value());
}

class SseMaxAgeTest : public StreamRevocationTest {
 protected:
  SseMaxAgeTest() : StreamRevocationTest(absl::Seconds(1)) {}
};

TEST_F(SseMaxAgeTest, SseStreamEndsCleanlyAtItsMaximumAge) {
  const absl::Time opened = absl::Now();
  std::unique_ptr<SseClient> stream = SseStream(kWatchToken);
  ASSERT_NE(stream, nullptr);
  // Only heartbeats may come before the end (about 1 s here); no error.
  for (int i = 0; i < 100; ++i) {
    std::optional<SseEvent> event = stream->Next();
    if (!event.has_value()) break;
    EXPECT_EQ(event->event, "heartbeat") << event->data;
  }
  EXPECT_FALSE(stream->Next().has_value());
  // The server ended it, long before the client's own 30 s lifetime.
  EXPECT_LT(absl::Now() - opened, absl::Seconds(15));
}

}  // namespace
}  // namespace sitrep::testing
