// Authentication and rights against a real sitrepd with an access policy:
// bearer tokens (missing, malformed, unknown, revoked by a reload) are
// UNAUTHENTICATED on every RPC; publishing as a mission the principal may not
// is PERMISSION_DENIED with nothing stored; a reader restricted to KFOR never
// receives another mission's update by any RPC or start position.
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Property;

constexpr char kKpToken[] = "sitrep_kp-ops-token-0123456789";
constexpr char kKforReaderToken[] = "sitrep_kfor-watch-token-0123456789";
constexpr char kKforToken[] = "sitrep_kfor-ops-token-0123456789";
constexpr char kEulexToken[] = "sitrep_eulex-desk-token-0123456789";
constexpr char kRotatedToken[] = "sitrep_kp-ops-rotated-0123456789";

AccessPolicyBuilder& Entry(AccessPolicyBuilder& policy, absl::string_view name,
                           absl::string_view token, const std::vector<std::string>& publish,
                           const std::vector<std::string>& read) {
  // The chain exception right goes with the publish right here: these
  // tests open incidents of KFOR and EULEX (tests/support/updates.h).
  return policy.Principal(name).Token(token).Publish(publish).Read(read).ChainException(
      publish);
}

// The policy of these tests; `kp_token` is the Kosovo Police desk's token.
std::string Policy(absl::string_view kp_token) {
  AccessPolicyBuilder policy;
  Entry(policy, "kp-ops", kp_token, {"KOSOVO_POLICE"}, {"*"});
  Entry(policy, "kfor-watch", kKforReaderToken, {}, {"KFOR"});
  Entry(policy, "kfor-ops", kKforToken, {"MISSION_KFOR"}, {"kfor"});
  Entry(policy, "eulex-desk", kEulexToken, {"EULEX"}, {"EULEX"});
  return policy.Json();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

class AccessControlTest : public ::testing::Test {
 protected:
  AccessControlTest()
      : policy_path_(WritePolicy(dir_.path() + "/policy.json")),
        server_([this](ServerConfig& c) { c.auth_file = policy_path_; }) {}

  static std::string WritePolicy(const std::string& path) {
    WriteFile(path, Policy(kKpToken));
    return path;
  }

  std::unique_ptr<v1::SituationFeed::Stub> StubWith(
      const std::string& token) const {
    return NewTokenStub(server_.address(), token);
  }

  // The head of the log as the all-reading KP desk sees it.
  uint64_t Head() {
    auto stub = StubWith(kKpToken);
    absl::StatusOr<v1::Situation> situation = GetSituation(*stub);
    EXPECT_TRUE(situation.ok()) << situation.status();
    return situation.ok() ? situation->sequence() : 0;
  }

  TempDir dir_;
  const std::string policy_path_;
  TestServer server_;
};

// Every RPC, called with `stub`, as a status.
std::vector<std::pair<std::string, absl::Status>> CallEveryRpc(
    v1::SituationFeed::Stub& stub) {
  std::vector<std::pair<std::string, absl::Status>> results;
  results.emplace_back(
      "Publish",
      Publish(stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)).status());
  results.emplace_back("GetSituation", GetSituation(stub).status());
  v1::ListUpdatesRequest list;
  results.emplace_back("ListUpdates", ListUpdates(stub, list).status());
  {
    v1::SubscribeRequest request;
    request.set_from_beginning(true);
    StreamReader reader(stub, request, absl::Seconds(30));
    results.emplace_back("Subscribe", ToAbslStatus(reader.Finish()));
  }
  {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    auto stream = stub.PublishStream(&context);
    v1::PublishRequest request;
    *request.mutable_update() = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
    stream->Write(request);
    stream->WritesDone();
    v1::PublishAck ack;
    while (stream->Read(&ack)) {
    }
    results.emplace_back("PublishStream", ToAbslStatus(stream->Finish()));
  }
  return results;
}

void ExpectEveryRpcUnauthenticated(v1::SituationFeed::Stub& stub,
                                   absl::string_view message) {
  for (const auto& [rpc, status] : CallEveryRpc(stub)) {
    EXPECT_THAT(status,
                StatusIs(absl::StatusCode::kUnauthenticated, message))
        << rpc;
  }
}

TEST_F(AccessControlTest, MissingTokenIsUnauthenticatedOnEveryRpc) {
  auto stub = StubWith("");
  ExpectEveryRpcUnauthenticated(*stub, "no credentials");
  EXPECT_EQ(Head(), 0u);
}

TEST_F(AccessControlTest, UnknownTokenIsUnauthenticatedOnEveryRpc) {
  auto stub = StubWith("sitrep_not-a-token-anyone-was-given");
  ExpectEveryRpcUnauthenticated(*stub, "unknown or revoked token");
  EXPECT_EQ(Head(), 0u);
}

TEST_F(AccessControlTest, MalformedAuthorizationIsUnauthenticated) {
  for (const char* header : {"Basic a3A6b3Bz", "Bearer", "Bearer    ",
                             kKpToken /* without "Bearer " */}) {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    context.AddMetadata("authorization", header);
    v1::PublishRequest request;
    *request.mutable_update() = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
    v1::PublishResponse response;
    auto stub = server_.NewStub();
    grpc::Status status = stub->Publish(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << header;
    EXPECT_THAT(status.error_message(), HasSubstr("authorization:")) << header;
    EXPECT_THAT(status.error_message(), Not(HasSubstr(kKpToken)));
  }
  EXPECT_EQ(Head(), 0u);
}

TEST_F(AccessControlTest, ValidTokenPublishesAsItsPrincipal) {
  auto stub = StubWith(kKpToken);
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
  update.set_publisher("someone-else");  // Server-set: ignored.
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published, Publish(*stub, update));
  SITREP_ASSERT_OK_AND_ASSIGN(std::vector<v1::SituationUpdate> stored,
                       ListAll(*stub, v1::ListUpdatesRequest()));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].sequence(), published.sequence());
  EXPECT_EQ(stored[0].publisher(), "kp-ops");
}

TEST_F(AccessControlTest, PublishingAsAnotherMissionIsDeniedAndStoresNothing) {
  auto kp = StubWith(kKpToken);
  EXPECT_THAT(Publish(*kp, PatrolUpdate(v1::MISSION_KFOR)),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not publish as MISSION_KFOR"));
  auto reader = StubWith(kKforReaderToken);
  EXPECT_THAT(Publish(*reader, PatrolUpdate(v1::MISSION_KFOR)),
              StatusIs(absl::StatusCode::kPermissionDenied, ""));

  // On a stream: that request fails, the stream goes on.
  grpc::ClientContext context;
  context.set_deadline(CallDeadline());
  auto stream = kp->PublishStream(&context);
  v1::PublishRequest request;
  *request.mutable_update() = PatrolUpdate(v1::MISSION_EULEX);
  ASSERT_TRUE(stream->Write(request));
  *request.mutable_update() = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  std::vector<v1::PublishAck> acks;
  v1::PublishAck ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].error().code(),
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(acks[1].sequence(), 1u);
  EXPECT_EQ(Head(), 1u);  // Only the Kosovo Police patrol.
}

TEST_F(AccessControlTest, ReloadRevokesAndRotatesTokens) {
  auto old_stub = StubWith(kKpToken);
  SITREP_ASSERT_OK(Publish(*old_stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE))
                .status());

  WriteFile(policy_path_, Policy(kRotatedToken));
  SITREP_ASSERT_OK(server_.server().ReloadAccessPolicy());

  // The same channel, a new call: the old token is refused.
  EXPECT_THAT(Publish(*old_stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnauthenticated, "unknown or revoked token"));
  auto new_stub = StubWith(kRotatedToken);
  SITREP_ASSERT_OK_AND_ASSIGN(
      v1::PublishResponse published,
      Publish(*new_stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)));
  EXPECT_EQ(published.sequence(), 2u);
}

TEST_F(AccessControlTest, BrokenPolicyOnReloadKeepsThePreviousOne) {
  WriteFile(policy_path_, AccessPolicyBuilder().Principal("x").TokenSha256("abc").Json());
  EXPECT_THAT(server_.server().ReloadAccessPolicy(),
              StatusIs(absl::StatusCode::kInvalidArgument, "tokenSha256[0]"));
  auto stub = StubWith(kKpToken);
  SITREP_EXPECT_OK(Publish(*stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)).status());
}

// --- Read rights ------------------------------------------------------------

class KforReaderTest : public AccessControlTest {
 protected:
  void SetUp() override {
    auto kp = StubWith(kKpToken);
    auto kfor = StubWith(kKforToken);
    auto eulex = StubWith(kEulexToken);
    start_ = absl::Now();
    // Stand-alone updates of each mission.
    MustPublish(*kp, PatrolUpdate(v1::MISSION_KOSOVO_POLICE, "KP patrol"));
    MustPublish(*kfor, PatrolUpdate(v1::MISSION_KFOR, "KFOR patrol"));
    MustPublish(*eulex, PatrolUpdate(v1::MISSION_EULEX, "EULEX patrol"));
    // One incident handed along the chain: KP opens, KFOR updates, EULEX
    // updates last. The EULEX update follows a KFOR one: it must not reach
    // a KFOR-only reader even though the incident's previous update
    // matched that reader's view.
    MustPublish(*kp, NewIncident("inc-bridge", v1::MISSION_KOSOVO_POLICE));
    v1::SituationUpdate kfor_update =
        NewIncident("inc-bridge", v1::MISSION_KFOR);
    kfor_update.set_kind(v1::KIND_UPDATE);
    kfor_update.set_role(v1::ROLE_THIRD_RESPONDER);
    MustPublish(*kfor, kfor_update);
    v1::SituationUpdate eulex_update =
        NewIncident("inc-bridge", v1::MISSION_EULEX);
    eulex_update.set_kind(v1::KIND_UPDATE);
    eulex_update.set_role(v1::ROLE_SECOND_RESPONDER);
    MustPublish(*eulex, eulex_update);
    // An incident only KFOR touches.
    MustPublish(*kfor, NewIncident("inc-kfor", v1::MISSION_KFOR));
    ASSERT_EQ(Head(), 7u);
  }

  // KFOR's sequences among the seven: 2, 5, 7.
  static std::vector<uint64_t> KforSequences() { return {2, 5, 7}; }

  absl::Time start_;
};

MATCHER(IsKfor, "") { return arg.mission() == v1::MISSION_KFOR; }

TEST_F(KforReaderTest, SubscribeFromAnyStartSeesOnlyKfor) {
  auto stub = StubWith(kKforReaderToken);
  std::vector<v1::SubscribeRequest> starts(4);
  starts[0].set_from_beginning(true);
  *starts[1].mutable_since_time() = ToProtoTime(start_ - absl::Seconds(1));
  starts[2].set_after_sequence(0);
  starts[3].set_after_sequence(1);
  for (v1::SubscribeRequest& request : starts) {
    StreamReader reader(*stub, request, absl::Seconds(30), kKforReaderToken);
    std::vector<v1::SituationUpdate> updates;
    ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates).has_value())
        << request.ShortDebugString();
    EXPECT_THAT(updates, Each(IsKfor())) << request.ShortDebugString();
    EXPECT_EQ(Sequences(updates), KforSequences())
        << request.ShortDebugString();
  }
}

TEST_F(KforReaderTest, SituationSnapshotsSeeOnlyKfor) {
  auto stub = StubWith(kKforReaderToken);
  v1::SubscribeRequest request;
  request.set_situation(true);
  StreamReader reader(*stub, request, absl::Seconds(30), kKforReaderToken);
  std::vector<v1::SituationUpdate> snapshot;
  ASSERT_TRUE(reader.ReadUntil(IsSnapshotEnd, &snapshot).has_value());
  // inc-bridge's latest update is EULEX's: the KFOR reader sees the
  // incident KFOR took part in through KFOR's update (#5), never EULEX's
  // (issue 17, I-1).
  EXPECT_EQ(Sequences(snapshot), (std::vector<uint64_t>{5, 7}));
  EXPECT_THAT(snapshot, Each(IsKfor()));

  SITREP_ASSERT_OK_AND_ASSIGN(v1::Situation situation, GetSituation(*stub));
  ASSERT_EQ(situation.incidents_size(), 2);
  EXPECT_EQ(situation.incidents(0).incident_id(), "inc-bridge");
  EXPECT_EQ(situation.incidents(0).latest().sequence(), 5u);
  EXPECT_EQ(situation.incidents(1).incident_id(), "inc-kfor");
  for (const v1::Incident& incident : situation.incidents()) {
    EXPECT_EQ(incident.latest().mission(), v1::MISSION_KFOR);
  }
}

TEST_F(KforReaderTest, ListUpdatesPagesSeeOnlyKfor) {
  auto stub = StubWith(kKforReaderToken);
  for (bool descending : {false, true}) {
    v1::ListUpdatesRequest request;
    request.set_page_size(1);
    request.set_descending(descending);
    SITREP_ASSERT_OK_AND_ASSIGN(std::vector<v1::SituationUpdate> updates,
                         ListAll(*stub, request));
    EXPECT_THAT(updates, Each(IsKfor()));
    std::vector<uint64_t> expected = KforSequences();
    if (descending) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(Sequences(updates), expected);
  }
}

TEST_F(KforReaderTest, LiveUpdatesOfOtherMissionsNeverArrive) {
  auto stub = StubWith(kKforReaderToken);
  v1::SubscribeRequest request;
  request.set_from_now(true);
  StreamReader reader(*stub, request, absl::Seconds(30), kKforReaderToken);
  auto kp = StubWith(kKpToken);
  auto eulex = StubWith(kEulexToken);
  auto kfor = StubWith(kKforToken);
  // Wait until the stream is live before publishing.
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp).has_value());
  MustPublish(*kp, PatrolUpdate(v1::MISSION_KOSOVO_POLICE));
  v1::SituationUpdate closing = NewIncident("inc-kfor", v1::MISSION_EULEX);
  closing.set_kind(v1::KIND_RESOLVE);  // Closes a KFOR-only incident.
  MustPublish(*eulex, closing);
  const uint64_t kfor_sequence =
      MustPublish(*kfor, PatrolUpdate(v1::MISSION_KFOR, "last"));
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].sequence(), kfor_sequence);
}

TEST_F(KforReaderTest, ExplicitFilterForAnotherMissionIsDenied) {
  auto stub = StubWith(kKforReaderToken);
  const v1::Filter eulex = FilterFromText("missions: MISSION_EULEX");
  const v1::Filter both =
      FilterFromText("missions: MISSION_KFOR missions: MISSION_KOSOVO_POLICE");
  EXPECT_THAT(GetSituation(*stub, eulex),
              StatusIs(absl::StatusCode::kPermissionDenied, "filter.missions[0]: principal 'kfor-watch' "
                                 "may not read MISSION_EULEX"));
  v1::ListUpdatesRequest list;
  *list.mutable_filter() = both;
  EXPECT_THAT(ListUpdates(*stub, list),
              StatusIs(absl::StatusCode::kPermissionDenied, "filter.missions[1]"));
  v1::SubscribeRequest subscribe;
  subscribe.set_from_beginning(true);
  *subscribe.mutable_filter() = eulex;
  StreamReader reader(*stub, subscribe, absl::Seconds(30), kKforReaderToken);
  EXPECT_EQ(reader.Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Its own mission is fine.
  SITREP_EXPECT_OK(GetSituation(*stub, FilterFromText("missions: MISSION_KFOR"))
                .status());
}

TEST_F(KforReaderTest, PublishOnlyPrincipalMayNotRead) {
  // eulex-desk reads EULEX only; a principal with no read right at all is
  // refused outright (kfor-ops reads KFOR, so build one by policy).
  AccessPolicyBuilder publish_only;
  WriteFile(policy_path_, Entry(publish_only, "kp-ops", kKpToken, {"KOSOVO_POLICE"}, {}).Json());
  SITREP_ASSERT_OK(server_.server().ReloadAccessPolicy());
  auto stub = StubWith(kKpToken);
  EXPECT_THAT(GetSituation(*stub),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not read any mission"));
  SITREP_EXPECT_OK(Publish(*stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)).status());
}

}  // namespace
}  // namespace sitrep::testing
