#include "client/resume_tracker.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

using sitrep::v1::SubscribeRequest;
using sitrep::v1::SubscribeResponse;

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

TEST(ResumeTrackerTest, BeforeAnyCursorTheInitialRequestIsRepeated) {
  const auto initial = Parse<SubscribeRequest>(R"pb(
    filter { missions: MISSION_KFOR } from_beginning: true)pb");
  ResumeTracker tracker(initial);
  EXPECT_EQ(tracker.NextRequest().ShortDebugString(), initial.ShortDebugString());
  EXPECT_FALSE(tracker.SavableCursor().has_value());
}

TEST(ResumeTrackerTest, ResumesAfterTheLastCursorWithTheSameFilter) {
  ResumeTracker tracker(Parse<SubscribeRequest>(R"pb(
    filter { missions: MISSION_KFOR } from_beginning: true max_lag: 7)pb"));
  tracker.Observe(Parse<SubscribeResponse>(R"pb(
    updates { sequence: 3 } updates { sequence: 5 }
    cursor { log_id: "L1" sequence: 5 })pb"));
  // A heartbeat moves the cursor past updates the filter skipped.
  tracker.Observe(Parse<SubscribeResponse>(R"pb(
    heartbeat { head_sequence: 9 } cursor { log_id: "L1" sequence: 9 })pb"));
  const SubscribeRequest next = tracker.NextRequest();
  EXPECT_EQ(next.after_sequence(), 9u);
  EXPECT_EQ(next.log_id(), "L1");
  EXPECT_EQ(next.filter().missions(0), sitrep::v1::MISSION_KFOR);
  EXPECT_EQ(next.max_lag(), 7u);
  EXPECT_EQ(tracker.SavableCursor()->sequence(), 9u);
}

TEST(ResumeTrackerTest, PartOfABatchResumesAfterTheLastProcessedUpdate) {
  ResumeTracker tracker{SubscribeRequest()};
  tracker.ObservePartial(Parse<SubscribeResponse>(R"pb(
    updates { sequence: 3 } updates { sequence: 5 } updates { sequence: 8 }
    cursor { log_id: "L1" sequence: 10 })pb"), 2);
  EXPECT_EQ(tracker.NextRequest().after_sequence(), 5u);
  EXPECT_EQ(tracker.SavableCursor()->sequence(), 5u);
}

TEST(ResumeTrackerTest, ASituationSnapshotIsRestartedUntilItsEnd) {
  ResumeTracker tracker(Parse<SubscribeRequest>("situation: true"));
  tracker.Observe(Parse<SubscribeResponse>(R"pb(
    updates { sequence: 4 } cursor { log_id: "L1" sequence: 0 })pb"));
  EXPECT_TRUE(tracker.NextRequest().situation());
  EXPECT_FALSE(tracker.SavableCursor().has_value());
  tracker.Observe(Parse<SubscribeResponse>(R"pb(
    snapshot_end { sequence: 12 } cursor { log_id: "L1" sequence: 12 })pb"));
  EXPECT_EQ(tracker.NextRequest().after_sequence(), 12u);
  EXPECT_EQ(tracker.SavableCursor()->sequence(), 12u);
}

}  // namespace
}  // namespace sitrep::cli
