// The stream state machine of Subscription (service/subscription.h), driven
// by hand: a sink that records what it is asked to do and completes writes
// only when the test says so, and an executor whose tasks (wake-ups, store
// reads, pumps, heartbeat timers) run only when the test runs them. The
// Feed and the log are real (the in-memory log), so every cursor decision
// is the production one.
#include "server/service/subscription.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/service/subscription_registry.h"
#include "tests/support/test_feed.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

// Records every call of the Subscription as a line ("updates 1..2",
// "caught_up 0", "heartbeat cursor=2", "finish UNAVAILABLE") and
// completes nothing by itself: the test plays the transport.
class FakeSink final : public SubscriptionSink {
 public:
  void Encode(const CursorMessage& message, const std::string&) override {
    EXPECT_FALSE(encoded_.has_value()) << "encoded twice before a write";
    switch (message.type) {
      case CursorMessage::Type::kUpdates:
        encoded_ = absl::StrCat("updates ", message.updates.front()->sequence(),
                                "..", message.updates.back()->sequence());
        break;
      case CursorMessage::Type::kCaughtUp:
        encoded_ = absl::StrCat("caught_up ", message.sequence);
        break;
      case CursorMessage::Type::kSnapshotEnd:
        encoded_ = absl::StrCat("snapshot_end ", message.sequence);
        break;
      case CursorMessage::Type::kGap:
        encoded_ = absl::StrCat("gap ", message.gap_from, "..", message.gap_to);
        break;
    }
  }
  void EncodeHeartbeat(const v1::Heartbeat&, const std::string&,
                       uint64_t cursor) override {
    EXPECT_FALSE(encoded_.has_value()) << "encoded twice before a write";
    encoded_ = absl::StrCat("heartbeat cursor=", cursor);
  }
  void StartWrite() override {
    ASSERT_TRUE(encoded_.has_value()) << "a write of nothing";
    EXPECT_FALSE(writing_) << "a second write in flight";
    writing_ = true;
    calls.push_back(*encoded_);
    encoded_.reset();
  }
  void Finish(const absl::Status& status) override {
    EXPECT_FALSE(writing_) << "Finish with a write in flight";
    calls.push_back(
        absl::StrCat("finish ", absl::StatusCodeToString(status.code())));
  }

  bool writing() const { return writing_; }
  // The transport completes the write in flight.
  void CompleteWrite(Subscription& subscription, bool ok = true) {
    ASSERT_TRUE(writing_);
    writing_ = false;
    subscription.OnWriteDone(ok, Subscription::NextBatch::kOnExecutor);
  }
  // Takes the calls recorded so far.
  std::vector<std::string> Take() { return std::exchange(calls, {}); }

  std::vector<std::string> calls;

 private:
  std::optional<std::string> encoded_;
  bool writing_ = false;
};

using Calls = std::vector<std::string>;

class SubscriptionTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kHeartbeat = absl::Seconds(5);

  explicit SubscriptionTest(Feed::Options feed_options = {})
      : test_(feed_options), registry_(100) {}

  ~SubscriptionTest() override {
    // The transport's OnDone for a stream the test left open.
    if (subscription_ != nullptr && !done_) subscription_->OnDone();
    executor_.RunReady();
  }

  // Appends an update of `mission` and waits until it is stored.
  void Append(v1::Mission mission = v1::MISSION_KFOR) {
    test_.Append(testing::PatrolUpdate(mission));
  }

  // Opens a subscription with `request_text` (a SubscribeRequest) and
  // starts it on sink_.
  void Open(const std::string& request_text = "from_now: true") {
    v1::SubscribeRequest request;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(request_text,
                                                              &request));
    request.mutable_heartbeat_interval()->set_seconds(
        absl::ToInt64Seconds(kHeartbeat));
    absl::StatusOr<std::shared_ptr<Subscription>> opened = OpenSubscription(
        request, test_.feed.get(), &test_.clock, &registry_, SubscribeOptions(),
        SubscribeAccess());
    ASSERT_TRUE(opened.ok()) << opened.status();
    subscription_ = *std::move(opened);
    subscription_->Start(&sink_);
  }

  // The transport's OnDone (after Finish).
  void Done() {
    done_ = true;
    subscription_->OnDone();
  }

  // Writes and completes until the stream waits for the Feed: the calls
  // made on the way.
  Calls Drain() {
    Calls calls;
    for (int i = 0; i < 100; ++i) {
      executor_.RunReady();
      for (std::string& call : sink_.Take()) calls.push_back(std::move(call));
      if (!sink_.writing()) return calls;
      sink_.CompleteWrite(*subscription_);
    }
    ADD_FAILURE() << "the stream kept writing";
    return calls;
  }

  // A real Feed over the in-memory log, on a ManualExecutor.
  testing::TestFeed test_;
  testing::ManualExecutor& executor_ = test_.executor;
  FakeClock& clock_ = test_.clock;
  SubscriptionRegistry registry_;
  FakeSink sink_;
  std::shared_ptr<Subscription> subscription_;
  bool done_ = false;
};

// @test Start writes the first message at once (caught_up at the head for a
// `from_now` stream) and nothing more while that write is in flight.
TEST_F(SubscriptionTest, StartWritesOneMessageAndWaitsForItsCompletion) {
  Append();
  Open();
  EXPECT_EQ(sink_.Take(), Calls({"caught_up 1"}));
  EXPECT_TRUE(sink_.writing());
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls()) << "a second write while one is in flight";
  sink_.CompleteWrite(*subscription_);
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"updates 2..2"}));
}

// @test Caught up, the stream files itself with the Feed and writes nothing
// until an append wakes it; the wake-up runs on the executor, never on the
// appending thread.
TEST_F(SubscriptionTest, WaitsAtTheHeadUntilAnAppendWakesIt) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  EXPECT_EQ(subscription_->Lag(test_.feed->head()), 0u);
  Append();
  EXPECT_EQ(sink_.Take(), Calls()) << "written on the appending thread";
  EXPECT_GT(executor_.pending(), 0u);
  EXPECT_EQ(Drain(), Calls({"updates 1..1"}));
}

// @test A write that leaves the stream at the head files it with the Feed
// as it completes: no pump is queued only to find nothing (issue 24: that
// was one of the two pumps of every live delivery), and the next append
// wakes it as before.
TEST_F(SubscriptionTest, AWriteThatLeavesTheStreamAtTheHeadParksItAtOnce) {
  Open();
  EXPECT_EQ(sink_.Take(), Calls({"caught_up 0"}));
  sink_.CompleteWrite(*subscription_);
  EXPECT_EQ(executor_.pending(), 0u) << "a pump queued to find nothing";
  EXPECT_EQ(test_.feed->waiting(), 1u);
  Append();
  EXPECT_EQ(Drain(), Calls({"updates 1..1"}));
  EXPECT_EQ(executor_.pending(), 0u);
  EXPECT_EQ(test_.feed->waiting(), 1u);
}

// @test A write that completes with a heartbeat due, or more to send, is
// followed by a pump, not parked.
TEST_F(SubscriptionTest, AWriteCompletingWithMoreToSendIsFollowedByAPump) {
  Open();
  EXPECT_EQ(sink_.Take(), Calls({"caught_up 0"}));
  clock_.Advance(kHeartbeat);
  sink_.CompleteWrite(*subscription_);
  EXPECT_EQ(test_.feed->waiting(), 0u);
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"heartbeat cursor=0"}));
  Append();
  sink_.CompleteWrite(*subscription_);
  EXPECT_EQ(test_.feed->waiting(), 0u);
  EXPECT_EQ(Drain(), Calls({"updates 1..1"}));
}

// @test Appends made while a write is in flight are coalesced into the next
// batch instead of queueing one write each.
TEST_F(SubscriptionTest, AppendsDuringAWriteAreCoalescedIntoOneBatch) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"updates 1..1"}));
  Append();
  Append();
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls());
  sink_.CompleteWrite(*subscription_);
  EXPECT_EQ(Drain(), Calls({"updates 2..4"}));
}

// @test A resumed stream behind the ring reads the store on the executor,
// outside the lock; nothing is written until the read is back, and the read
// updates then come in order, followed by caught_up.
class SmallRingSubscriptionTest : public SubscriptionTest {
 protected:
  static Feed::Options SmallRing() {
    Feed::Options options;
    options.ring_capacity = 2;
    return options;
  }
  SmallRingSubscriptionTest() : SubscriptionTest(SmallRing()) {}
};

TEST_F(SmallRingSubscriptionTest, ABehindStreamReadsTheStoreOffTheLock) {
  for (int i = 0; i < 6; ++i) Append();
  Open("after_sequence: 0");
  // Entries 1..4 left the ring: the first step is a store read, queued.
  EXPECT_EQ(sink_.Take(), Calls());
  EXPECT_FALSE(sink_.writing());
  EXPECT_GT(executor_.pending(), 0u);
  EXPECT_EQ(Drain(), Calls({"updates 1..6", "caught_up 6"}));
}

// @test Shutdown while a store read is out: Finish waits for the read to
// come back (it holds the cursor), then runs once.
TEST_F(SmallRingSubscriptionTest, EndDuringAStoreReadFinishesAfterTheRead) {
  for (int i = 0; i < 6; ++i) Append();
  Open("after_sequence: 0");
  ASSERT_GT(executor_.pending(), 0u);
  subscription_->End(absl::UnavailableError("shutting down"));
  EXPECT_EQ(sink_.Take(), Calls()) << "Finish while the read was out";
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"finish UNAVAILABLE"}));
}

// @test End (shutdown) while a write is in flight: Finish waits for the
// write's completion, then runs once with the status.
TEST_F(SubscriptionTest, EndDuringAWriteFinishesAfterTheWriteCompletes) {
  Open();
  EXPECT_EQ(sink_.Take(), Calls({"caught_up 0"}));
  ASSERT_TRUE(sink_.writing());
  subscription_->End(absl::UnavailableError("shutting down"));
  subscription_->End(absl::CancelledError("a second end"));
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls()) << "Finish with a write in flight";
  sink_.CompleteWrite(*subscription_);
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"finish UNAVAILABLE"}));
  Done();
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls());
}

// @test End of a waiting stream finishes at once, on the caller's thread.
TEST_F(SubscriptionTest, EndOfAnIdleStreamFinishesAtOnce) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  subscription_->End(absl::OkStatus());
  EXPECT_EQ(sink_.Take(), Calls({"finish OK"}));
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls());
}

// @test Shutdown through the registry (EndAll) reaches a stream in the
// middle of a write, and the registry refuses new streams.
TEST_F(SubscriptionTest, EndAllReachesAStreamMidWrite) {
  Append();
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 1"}));
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"updates 2..2"}));
  registry_.EndAll(absl::UnavailableError("shutting down"));
  sink_.CompleteWrite(*subscription_);
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"finish UNAVAILABLE"}));
  Done();
  EXPECT_EQ(registry_.size(), 0u);
}

// @test A write that fails (the client went away) ends the stream with
// CANCELLED: Finish is still owed to the transport.
TEST_F(SubscriptionTest, AFailedWriteFinishesCancelled) {
  Open();
  EXPECT_EQ(sink_.Take(), Calls({"caught_up 0"}));
  sink_.CompleteWrite(*subscription_, /*ok=*/false);
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"finish CANCELLED"}));
}

// @test A cancel that races a wake-up: the append's wake-up is queued when
// the client cancels; Finish runs once, and the queued pump then writes
// nothing (not even after OnDone, when the sink is gone).
TEST_F(SubscriptionTest, ACancelRacingAWakeUpFinishesOnceAndWritesNothing) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  Append();  // the wake-up is queued on the executor, not run
  ASSERT_GT(executor_.pending(), 0u);
  subscription_->OnCancel();
  EXPECT_EQ(sink_.Take(), Calls({"finish CANCELLED"}));
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls());
  Done();
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls());
  EXPECT_EQ(registry_.size(), 0u);
}

// @test The same race the other way round: the wake-up's pump is queued,
// the client cancels and the transport is done before the pump runs.
TEST_F(SubscriptionTest, AWakeUpAfterOnDoneTouchesNoSink) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  Append();
  subscription_->OnCancel();
  Done();
  sink_.Take();
  EXPECT_GT(executor_.RunReady(), 0);
  EXPECT_EQ(sink_.Take(), Calls());
}

// @test A quiet stream writes a heartbeat once the interval passed without
// a send, and not before.
TEST_F(SubscriptionTest, AQuietStreamSendsAHeartbeatAfterTheInterval) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  clock_.Advance(kHeartbeat / 2);
  executor_.RunDelayed();
  EXPECT_EQ(sink_.Take(), Calls());
  clock_.Advance(kHeartbeat);
  executor_.RunDelayed();
  EXPECT_EQ(sink_.Take(), Calls({"heartbeat cursor=0"}));
}

// @test A waiting stream is not woken for updates its filter leaves out
// (another mission's); its heartbeat's cursor moves past them, and the next
// matching update is the next batch.
TEST_F(SubscriptionTest, AHeartbeatSkipsUpdatesTheFilterLeavesOut) {
  Open("from_now: true filter { missions: MISSION_KFOR }");
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  Append(v1::MISSION_EULEX);
  Append(v1::MISSION_EULEX);
  EXPECT_EQ(Drain(), Calls()) << "woken for another mission's update";
  clock_.Advance(kHeartbeat);
  executor_.RunDelayed();
  EXPECT_EQ(sink_.Take(), Calls({"heartbeat cursor=2"}));
  sink_.CompleteWrite(*subscription_);
  Append(v1::MISSION_KFOR);
  EXPECT_EQ(Drain(), Calls({"updates 3..3"}));
}

// @test A heartbeat timer that fires after the stream finished writes
// nothing.
TEST_F(SubscriptionTest, NoHeartbeatAfterFinish) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  subscription_->End(absl::OkStatus());
  EXPECT_EQ(sink_.Take(), Calls({"finish OK"}));
  clock_.Advance(2 * kHeartbeat);
  executor_.RunDelayed();
  EXPECT_EQ(sink_.Take(), Calls());
}

// @test Lag: 0 while the stream waits at the head, the distance to the
// head while it is behind, 0 once it finished.
TEST_F(SubscriptionTest, LagCountsOnlyWhileBehind) {
  Open();
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  EXPECT_EQ(subscription_->Lag(test_.feed->head()), 0u);
  Append();
  Append();
  executor_.RunReady();  // woken, writing 1..2
  EXPECT_EQ(subscription_->Lag(5), 3u);
  subscription_->End(absl::OkStatus());
  sink_.CompleteWrite(*subscription_);
  executor_.RunReady();
  EXPECT_EQ(subscription_->Lag(test_.feed->head() + 10), 0u);
}

// @test OnDone gives the stream's place back at once: the registry forgets
// it and later wake-ups and timers do nothing.
TEST_F(SubscriptionTest, OnDoneLeavesTheRegistry) {
  Open();
  EXPECT_EQ(registry_.size(), 1u);
  EXPECT_EQ(Drain(), Calls({"caught_up 0"}));
  subscription_->End(absl::OkStatus());
  Done();
  EXPECT_EQ(registry_.size(), 0u);
  clock_.Advance(2 * kHeartbeat);
  executor_.RunDelayed();
  Append();
  executor_.RunReady();
  EXPECT_EQ(sink_.Take(), Calls({"finish OK"}));
}

}  // namespace
}  // namespace sitrep
