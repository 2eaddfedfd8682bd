// Subscribe against a real sitrepd: filters, start positions, resume without
// gap or repeat (at the head, in the ring, long evicted from it, across a
// restart), heartbeats, and refused cursors.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

bool IsCaughtUp(const v1::SubscribeResponse& r) { return r.has_caught_up(); }

class SubscribeTest : public ::testing::Test {
 protected:
  explicit SubscribeTest(std::function<void(ServerConfig&)> tweak = nullptr)
      : server_(std::move(tweak)) {}

  v1::PublishResponse Publish(const v1::SituationUpdate& update) {
    grpc::ClientContext context;
    v1::PublishRequest request;
    *request.mutable_update() = update;
    v1::PublishResponse response;
    grpc::Status status = stub_->Publish(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  // Publishes `count` patrols cycling KFOR, EULEX, KOSOVO_POLICE.
  void PublishPatrols(int count) {
    static const v1::Mission kMissions[] = {
        v1::MISSION_KFOR, v1::MISSION_EULEX, v1::MISSION_KOSOVO_POLICE};
    for (int i = 0; i < count; ++i) {
      Publish(PatrolUpdate(kMissions[published_ % 3],
                           absl::StrCat("patrol ", published_)));
      ++published_;
    }
  }
  v1::SubscribeRequest After(uint64_t sequence) {
    v1::SubscribeRequest request;
    request.set_after_sequence(sequence);
    request.set_log_id(server_.server().log_id());
    return request;
  }
  static std::vector<uint64_t> Sequences(
      const std::vector<v1::SituationUpdate>& updates) {
    std::vector<uint64_t> sequences;
    for (const auto& update : updates) sequences.push_back(update.sequence());
    return sequences;
  }
  static std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> range;
    for (uint64_t s = first; s <= last; ++s) range.push_back(s);
    return range;
  }

  TestServer server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
  int published_ = 0;
};

TEST_F(SubscribeTest, DeliversOnlyMatchingUpdatesInOrder) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  request.set_from_now(true);
  StreamReader reader(*stub_, request);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  PublishPatrols(9);  // KFOR at 1, 4, 7
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(3);
  EXPECT_THAT(Sequences(updates), ::testing::ElementsAre(1, 4, 7));
  for (const auto& update : updates) {
    EXPECT_EQ(update.mission(), v1::MISSION_KFOR);
    EXPECT_EQ(update.publisher(), "anonymous");
  }
  EXPECT_EQ(reader.cursor().log_id(), server_.server().log_id());
}

TEST_F(SubscribeTest, FromBeginningDeliversHistoryThenCaughtUpThenLive) {
  PublishPatrols(30);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  StreamReader reader(*stub_, request);
  std::vector<v1::SituationUpdate> history;
  auto caught_up = reader.ReadUntil(IsCaughtUp, &history);
  ASSERT_TRUE(caught_up);
  EXPECT_EQ(caught_up->caught_up().sequence(), 30u);
  EXPECT_EQ(Sequences(history), Range(1, 30));
  PublishPatrols(2);
  EXPECT_EQ(Sequences(reader.ReadUpdates(2)), Range(31, 32));
}

TEST_F(SubscribeTest, SinceTimeStartsAtTheFirstUpdateReceivedThen) {
  PublishPatrols(5);
  v1::PublishResponse sixth = Publish(PatrolUpdate(v1::MISSION_KFOR, "six"));
  ++published_;
  PublishPatrols(4);
  v1::SubscribeRequest request;
  *request.mutable_since_time() = sixth.received_at();
  StreamReader reader(*stub_, request);
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.front().sequence(), 6u);
  EXPECT_EQ(updates.back().sequence(), 10u);
}

class SmallRingSubscribeTest : public SubscribeTest {
 protected:
  SmallRingSubscribeTest()
      : SubscribeTest([](ServerConfig& c) { c.ring_capacity = 16; }) {}
};

TEST_F(SmallRingSubscribeTest, ResumeDeliversExactlyTheRestWhereverItIs) {
  PublishPatrols(200);
  // 200: at the head; 190: in the ring; 10: long evicted from the ring.
  for (uint64_t after : {200u, 190u, 10u, 0u}) {
    SCOPED_TRACE(absl::StrCat("after_sequence=", after));
    StreamReader reader(*stub_, After(after));
    std::vector<v1::SituationUpdate> updates;
    auto caught_up = reader.ReadUntil(IsCaughtUp, &updates);
    ASSERT_TRUE(caught_up);
    EXPECT_EQ(caught_up->caught_up().sequence(), 200u);
    EXPECT_EQ(Sequences(updates), Range(after + 1, 200));
  }
}

TEST_F(SmallRingSubscribeTest, CatchUpFromTheStoreJoinsLiveWithoutGapOrRepeat) {
  PublishPatrols(300);
  StreamReader reader(*stub_, After(3));
  // Publish while the subscriber is still catching up from the store.
  PublishPatrols(100);
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(397);
  EXPECT_EQ(Sequences(updates), Range(4, 400));
}

TEST_F(SubscribeTest, HeartbeatMovesTheCursorPastUpdatesTheFilterSkips) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  request.mutable_heartbeat_interval()->set_nanos(20 * 1000 * 1000);
  StreamReader reader(*stub_, request);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  for (int i = 0; i < 5; ++i) Publish(PatrolUpdate(v1::MISSION_EULEX));
  auto heartbeat = reader.ReadUntil([](const v1::SubscribeResponse& r) {
    return r.has_heartbeat() && r.cursor().sequence() == 5;
  });
  ASSERT_TRUE(heartbeat);
  EXPECT_EQ(heartbeat->heartbeat().head_sequence(), 5u);
  EXPECT_TRUE(heartbeat->heartbeat().has_server_time());
  ASSERT_EQ(heartbeat->heartbeat().missions_size(), 1);
  EXPECT_EQ(heartbeat->heartbeat().missions(0).mission(), v1::MISSION_EULEX);
  EXPECT_EQ(heartbeat->heartbeat().missions(0).last_sequence(), 5u);
}

TEST_F(SubscribeTest, ResumeWithAnotherLogsIdIsRefused) {
  PublishPatrols(3);
  v1::SubscribeRequest request = After(2);
  request.set_log_id("0123456789abcdef0123456789abcdef");
  StreamReader reader(*stub_, request);
  grpc::Status status = reader.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("0123456789abcdef0123456789abcdef"));
  EXPECT_THAT(status.error_message(), HasSubstr(server_.server().log_id()));
}

TEST_F(SubscribeTest, ResumeBeyondTheHeadIsOutOfRange) {
  PublishPatrols(3);
  StreamReader reader(*stub_, After(4));
  EXPECT_EQ(reader.Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(SubscribeTest, InvalidRequestsNameTheField) {
  {
    v1::SubscribeRequest request;
    request.mutable_filter()->set_label_selector("unit in (a,");
    StreamReader reader(*stub_, request);
    grpc::Status status = reader.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("filter.label_selector"));
  }
  {
    v1::SubscribeRequest request;
    request.mutable_heartbeat_interval()->set_nanos(1000);
    StreamReader reader(*stub_, request);
    grpc::Status status = reader.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("heartbeat_interval"));
  }
}

TEST_F(SubscribeTest, ASubscriberResumesAcrossARestartWithoutGapOrRepeat) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_EULEX);
  request.set_from_beginning(true);
  v1::Cursor cursor;
  std::vector<uint64_t> seen;
  {
    StreamReader reader(*stub_, request);
    PublishPatrols(30);  // EULEX at 2, 5, ..., 29
    for (const auto& update : reader.ReadUpdates(10)) {
      seen.push_back(update.sequence());
    }
    cursor = reader.cursor();
    server_.Restart();
    // The stream ended with UNAVAILABLE, the cursor stays valid.
    grpc::Status status = reader.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
  }
  stub_ = server_.NewStub();
  PublishPatrols(30);  // EULEX at 32, ..., 59
  request.set_after_sequence(cursor.sequence());
  request.set_log_id(cursor.log_id());
  StreamReader reader(*stub_, request);
  for (const auto& update : reader.ReadUpdates(10)) {
    seen.push_back(update.sequence());
  }
  std::vector<uint64_t> expected;
  for (uint64_t s = 2; s <= 59; s += 3) expected.push_back(s);
  EXPECT_EQ(seen, expected);
}

TEST_F(SubscribeTest, ShutdownEndsStreamsWithUnavailable) {
  StreamReader reader(*stub_, v1::SubscribeRequest());
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  server_.Stop();
  grpc::Status status = reader.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("cursor"));
}

}  // namespace
}  // namespace sitrep::testing
