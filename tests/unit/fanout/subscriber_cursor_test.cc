#include "server/fanout/subscriber_cursor.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/fanout/feed.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/manual_executor.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_feed.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::StatusIs;
using ::testing::ElementsAre;
using Type = CursorMessage::Type;
using Step = SubscriberCursor::Step;

const v1::Mission kMissions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                 v1::MISSION_KOSOVO_POLICE};

class SubscriberCursorTest : public ::testing::Test {
 protected:
  static Feed::Options SmallRing() {
    Feed::Options options;
    options.ring_capacity = 16;
    return options;
  }
  SubscriberCursorTest() : test_(SmallRing()) {}

  // Appends `update` as publisher "test" and waits until it is stored.
  void AppendUpdate(v1::SituationUpdate update) {
    test_.Append(std::move(update));
  }

  // Appends `count` patrols cycling KFOR, EULEX, KOSOVO_POLICE.
  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      AppendUpdate(testing::PatrolUpdate(kMissions[appended_ % 3],
                                         absl::StrCat("p", appended_)));
    }
  }

  // A compiled filter on one mission.
  static std::unique_ptr<const FilterMatcher> MissionFilter(v1::Mission mission) {
    v1::Filter filter;
    filter.add_missions(mission);
    absl::StatusOr<std::unique_ptr<const FilterMatcher>> compiled =
        FilterMatcher::Compile(filter);
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    return compiled.ok() ? *std::move(compiled) : nullptr;
  }

  std::unique_ptr<SubscriberCursor> Start(const v1::SubscribeRequest& request,
                                          const FilterMatcher* filter = nullptr,
                                          SubscriberCursor::Limits limits = {}) {
    auto cursor = SubscriberCursor::Start(feed_.get(), request, filter, limits);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return cursor.ok() ? *std::move(cursor) : nullptr;
  }

  // Drives the cursor like the reactor does (reading the store when asked)
  // until it is idle; returns the messages.
  std::vector<CursorMessage> Drain(SubscriberCursor& cursor,
                                   absl::Status* failure = nullptr) {
    std::vector<CursorMessage> messages;
    for (int guard = 0; guard < 10000; ++guard) {
      CursorMessage message;
      absl::Status status;
      switch (cursor.Next(&message, &status)) {
        case Step::kMessage:
          messages.push_back(std::move(message));
          break;
        case Step::kReadStore:
          ++store_reads_;
          cursor.AcceptStoreRead(cursor.ReadStore()());
          break;
        case Step::kYield:
          break;
        case Step::kIdle:
          return messages;
        case Step::kFail:
          if (failure != nullptr) *failure = status;
          return messages;
      }
    }
    ADD_FAILURE() << "the cursor never went idle";
    return messages;
  }

  static std::vector<uint64_t> Sequences(
      const std::vector<CursorMessage>& messages) {
    std::vector<uint64_t> sequences;
    for (const auto& m : messages) {
      for (const auto& e : m.updates) sequences.push_back(e->sequence());
    }
    return sequences;
  }

  testing::TestFeed test_;
  FakeClock& clock_ = test_.clock;
  testing::ManualExecutor& executor_ = test_.executor;
  std::unique_ptr<EventLog>& log_ = test_.log;
  std::unique_ptr<Feed>& feed_ = test_.feed;
  int& appended_ = test_.appended;
  int store_reads_ = 0;
};

TEST_F(SubscriberCursorTest, FromNowIsCaughtUpAtOnceThenIdle) {
  Append(5);
  auto cursor = Start(v1::SubscribeRequest());
  std::vector<CursorMessage> messages = Drain(*cursor);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].type, Type::kCaughtUp);
  EXPECT_EQ(messages[0].sequence, 5u);
  EXPECT_EQ(messages[0].cursor, 5u);
  Append(2);
  EXPECT_EQ(Sequences(Drain(*cursor)), std::vector<uint64_t>({6, 7}));
}

TEST_F(SubscriberCursorTest, ResumeReadsEvictedEntriesFromTheStoreThenTheRing) {
  Append(100);  // the ring holds 85..100
  v1::SubscribeRequest request;
  request.set_after_sequence(10);
  SubscriberCursor::Limits limits;
  limits.store_batch = 20;
  auto cursor = Start(request, nullptr, limits);
  std::vector<CursorMessage> messages = Drain(*cursor);
  std::vector<uint64_t> expected;
  for (uint64_t s = 11; s <= 100; ++s) expected.push_back(s);
  EXPECT_EQ(Sequences(messages), expected);
  EXPECT_GE(store_reads_, 4) << "11..84 came from the store in batches";
  EXPECT_EQ(messages.back().type, Type::kCaughtUp);
}

TEST_F(SubscriberCursorTest, BatchesAreBoundedInCount) {
  Append(10);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  SubscriberCursor::Limits limits;
  limits.max_batch_updates = 4;
  auto cursor = Start(request, nullptr, limits);
  std::vector<CursorMessage> messages = Drain(*cursor);
  ASSERT_EQ(messages.size(), 4u);  // 4 + 4 + 2, then CaughtUp
  EXPECT_EQ(messages[0].updates.size(), 4u);
  EXPECT_EQ(messages[0].cursor, 4u);
  EXPECT_EQ(messages[2].updates.size(), 2u);
  EXPECT_EQ(messages[3].type, Type::kCaughtUp);
}

TEST_F(SubscriberCursorTest, AFilterSkipsButTheCursorMovesOn) {
  Append(9);
  std::unique_ptr<const FilterMatcher> filter = MissionFilter(v1::MISSION_EULEX);
  ASSERT_NE(filter, nullptr);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  auto cursor = Start(request, filter.get());
  std::vector<CursorMessage> messages = Drain(*cursor);
  EXPECT_EQ(Sequences(messages), std::vector<uint64_t>({2, 5, 8}));
  EXPECT_EQ(cursor->cursor(), 9u);
}

// The store leaves out what the filter's missions cannot match
// (ReadForMissions), so a narrow catch-up takes fewer, fuller reads.
TEST_F(SubscriberCursorTest, ANarrowCatchUpReadsOnlyItsMissionsFromTheStore) {
  Append(100);  // 1..84 are only in the store: the ring holds 16.
  std::unique_ptr<const FilterMatcher> filter = MissionFilter(v1::MISSION_EULEX);
  ASSERT_NE(filter, nullptr);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  SubscriberCursor::Limits limits;
  limits.store_batch = 10;
  auto cursor = Start(request, filter.get(), limits);
  std::vector<uint64_t> expected;
  for (uint64_t sequence = 2; sequence <= 100; sequence += 3) {
    expected.push_back(sequence);
  }
  EXPECT_EQ(Sequences(Drain(*cursor)), expected);
  EXPECT_EQ(cursor->cursor(), 100u);
  EXPECT_LE(store_reads_, 4)
      << "each read brings 10 EULEX updates, not 10 of every mission";
}

TEST_F(SubscriberCursorTest, BehindRetentionSendsAGapThenContinues) {
  Append(30);
  RetentionPolicy keep_ten;
  keep_ten.max_updates = 10;
  ASSERT_TRUE(log_->ApplyRetention(keep_ten, clock_.Now()).ok());
  v1::SubscribeRequest request;
  request.set_after_sequence(5);
  auto cursor = Start(request);
  std::vector<CursorMessage> messages = Drain(*cursor);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0].type, Type::kGap);
  EXPECT_EQ(messages[0].gap_from, 6u);
  EXPECT_EQ(messages[0].gap_to, 20u);
  EXPECT_EQ(messages[0].cursor, 20u);
  std::vector<uint64_t> expected;
  for (uint64_t s = 21; s <= 30; ++s) expected.push_back(s);
  EXPECT_EQ(Sequences(messages), expected);
}

TEST_F(SubscriberCursorTest, BehindRetentionWithOnGapFailFails) {
  Append(30);
  RetentionPolicy keep_ten;
  keep_ten.max_updates = 10;
  ASSERT_TRUE(log_->ApplyRetention(keep_ten, clock_.Now()).ok());
  v1::SubscribeRequest request;
  request.set_after_sequence(5);
  request.set_on_gap(v1::GAP_POLICY_FAIL);
  auto cursor = Start(request);
  absl::Status failure;
  EXPECT_TRUE(Drain(*cursor, &failure).empty());
  EXPECT_THAT(failure, StatusIs(absl::StatusCode::kOutOfRange, "6 to 20"));
}

TEST_F(SubscriberCursorTest, MaxLagEndsASubscriberTooFarBehind) {
  v1::SubscribeRequest request;
  request.set_max_lag(10);
  SubscriberCursor::Limits limits;
  limits.max_batch_updates = 4;
  auto cursor = Start(request, nullptr, limits);
  Drain(*cursor);
  Append(11);
  absl::Status failure;
  Drain(*cursor, &failure);
  EXPECT_THAT(failure, StatusIs(absl::StatusCode::kResourceExhausted,
                                "11 updates behind"));
}

TEST_F(SubscriberCursorTest, MaxLagSparesANarrowFilterThatSkipsMuch) {
  std::unique_ptr<const FilterMatcher> filter = MissionFilter(v1::MISSION_EULEX);
  ASSERT_NE(filter, nullptr);
  v1::SubscribeRequest request;
  request.set_max_lag(10);
  SubscriberCursor::Limits limits;
  limits.max_batch_updates = 16;
  auto cursor = Start(request, filter.get(), limits);
  Drain(*cursor);
  Append(30);  // 30 behind, but only 10 of them match: one short batch
  absl::Status failure;
  std::vector<CursorMessage> messages = Drain(*cursor, &failure);
  EXPECT_TRUE(failure.ok()) << failure;
  EXPECT_EQ(Sequences(messages).size(), 10u);
}

TEST_F(SubscriberCursorTest, RefusesAnotherLogsCursorAndOneBeyondTheHead) {
  Append(3);
  v1::SubscribeRequest request;
  request.set_after_sequence(2);
  request.set_log_id("not-this-log");
  EXPECT_THAT(SubscriberCursor::Start(feed_.get(), request, nullptr, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "not-this-log"));
  request.set_log_id(feed_->log_id());
  request.set_after_sequence(4);
  EXPECT_THAT(SubscriberCursor::Start(feed_.get(), request, nullptr, {}),
              StatusIs(absl::StatusCode::kOutOfRange, "beyond the head"));
}

TEST_F(SubscriberCursorTest, AnIncidentLeavingTheFilterIsDeliveredOnceThenNotAgain) {
  std::unique_ptr<const FilterMatcher> filter = MissionFilter(v1::MISSION_KOSOVO_POLICE);
  ASSERT_NE(filter, nullptr);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);

  AppendUpdate(testing::NewIncident("x", v1::MISSION_KOSOVO_POLICE));    // 1: KP
  v1::SituationUpdate escalate = testing::NewIncident("x", v1::MISSION_KFOR);
  escalate.set_kind(v1::KIND_ESCALATE);
  AppendUpdate(escalate);                                                // 2: KFOR
  v1::SituationUpdate update = escalate;
  update.set_kind(v1::KIND_UPDATE);
  AppendUpdate(update);                                                  // 3: KFOR
  auto cursor = Start(request, filter.get());
  const std::vector<CursorMessage> messages = Drain(*cursor);
  EXPECT_EQ(Sequences(messages), std::vector<uint64_t>({1, 2}))
      << "2 leaves the KP view; 3 is KFOR's business only";
  // ...and says so, so that a tail marks it instead of contradicting its
  // filter.
  std::vector<std::pair<uint64_t, std::string>> left;
  for (const CursorMessage& message : messages) {
    for (const CursorMessage::LeftView& mark : message.left_view) {
      left.emplace_back(mark.sequence, mark.reason);
    }
  }
  EXPECT_EQ(left, (std::vector<std::pair<uint64_t, std::string>>{
                      {2, "escalated to KFOR"}}));
}

TEST_F(SubscriberCursorTest, AnIncidentLeavingTheFilterIsFoundInTheStoreToo) {
  AppendUpdate(testing::NewIncident("x", v1::MISSION_KOSOVO_POLICE));  // 1: KP
  v1::SituationUpdate escalate = testing::NewIncident("x", v1::MISSION_KFOR);
  escalate.set_kind(v1::KIND_ESCALATE);
  AppendUpdate(escalate);  // 2: KFOR, its previous update is KP's
  Append(40);        // 3..42; KP at 3, 6, ..., 42; 1..26 only in the store
  std::unique_ptr<const FilterMatcher> filter = MissionFilter(v1::MISSION_KOSOVO_POLICE);
  ASSERT_NE(filter, nullptr);
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  SubscriberCursor::Limits limits;
  limits.store_batch = 4;
  auto cursor = Start(request, filter.get(), limits);
  std::vector<uint64_t> expected = {1, 2};
  for (uint64_t sequence = 3; sequence <= 42; sequence += 3) {
    expected.push_back(sequence);
  }
  EXPECT_EQ(Sequences(Drain(*cursor)), expected);
}

class CountingWaiter : public FeedWaiter {
 public:
  void OnNewData() override { ++woken; }
  int woken = 0;
};

// @test Idle() (what a transport asks after a write, to park the stream
// without a pump) says what Next() would: not while a CaughtUp, a
// SnapshotEnd or new updates are owed, and only then.
TEST_F(SubscriberCursorTest, IdleSaysWhatNextWouldSay) {
  auto cursor = Start(v1::SubscribeRequest());
  EXPECT_FALSE(cursor->Idle()) << "at the head, but CaughtUp is owed";
  EXPECT_EQ(Drain(*cursor).size(), 1u);
  EXPECT_TRUE(cursor->Idle());
  Append(1);
  EXPECT_FALSE(cursor->Idle()) << "the head moved";
  EXPECT_EQ(Sequences(Drain(*cursor)), std::vector<uint64_t>({1}));
  EXPECT_TRUE(cursor->Idle());

  v1::SubscribeRequest situation;
  situation.set_situation(true);
  auto snapshot = Start(situation);
  EXPECT_FALSE(snapshot->Idle()) << "SnapshotEnd is owed";
  std::vector<CursorMessage> messages = Drain(*snapshot);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0].type, Type::kSnapshotEnd);
  EXPECT_TRUE(snapshot->Idle());
}

TEST_F(SubscriberCursorTest, FeedWakesOnlyWaitersWhoseMissionsWereAppended) {
  Append(3);
  auto kfor = std::make_shared<CountingWaiter>();
  auto eulex = std::make_shared<CountingWaiter>();
  EXPECT_FALSE(feed_->WaitForNew(kfor, 2, MissionSet::Of(v1::MISSION_KFOR)))
      << "the head is past 2 already: read instead of waiting";
  EXPECT_TRUE(feed_->WaitForNew(kfor, 3, MissionSet::Of(v1::MISSION_KFOR)));
  EXPECT_TRUE(feed_->WaitForNew(eulex, 3, MissionSet::Of(v1::MISSION_EULEX)));
  Append(1);  // sequence 4 is KFOR
  executor_.RunReady();
  EXPECT_EQ(kfor->woken, 1);
  EXPECT_EQ(eulex->woken, 0);
  EXPECT_EQ(feed_->waiting(), 1u);
  feed_->CancelWait(eulex.get());
  EXPECT_EQ(feed_->waiting(), 0u);
}

TEST_F(SubscriberCursorTest, FeedWakesTheWaitersOfTheMissionAnIncidentLeaves) {
  AppendUpdate(testing::NewIncident("x", v1::MISSION_KOSOVO_POLICE));  // 1: KP
  auto police = std::make_shared<CountingWaiter>();
  EXPECT_TRUE(
      feed_->WaitForNew(police, 1, MissionSet::Of(v1::MISSION_KOSOVO_POLICE)));
  v1::SituationUpdate escalate = testing::NewIncident("x", v1::MISSION_KFOR);
  escalate.set_kind(v1::KIND_ESCALATE);
  AppendUpdate(escalate);  // 2: KFOR's, and how the incident leaves KP's view
  executor_.RunReady();
  EXPECT_EQ(police->woken, 1)
      << "a KP subscriber must learn of 2 now, not at its next heartbeat";
}

}  // namespace
}  // namespace sitrep
