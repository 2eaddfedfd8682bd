#include "server/http/sse_events.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_entry.h"

namespace sitrep {
namespace {

using ::testing::HasSubstr;

LogEntryPtr Entry(uint64_t sequence, v1::Mission mission) {
  v1::SituationUpdate update;
  update.set_sequence(sequence);
  update.set_mission(mission);
  update.set_headline("Crowd at the \"main\" bridge");
  return MakeLogEntry(update);
}

TEST(SseEventsTest, EachUpdateIsAnEventWithItsSequenceAsId) {
  CursorMessage message;
  message.updates = {Entry(4, v1::MISSION_KFOR), Entry(9, v1::MISSION_EULEX)};
  message.cursor = 12;
  EXPECT_EQ(SseEvents(message),
            "event: update\nid: 4\ndata: {\"mission\":\"MISSION_KFOR\","
            "\"headline\":\"Crowd at the \\\"main\\\" bridge\",\"sequence\":"
            "\"4\"}\n\n"
            "event: update\nid: 9\ndata: {\"mission\":\"MISSION_EULEX\","
            "\"headline\":\"Crowd at the \\\"main\\\" bridge\",\"sequence\":"
            "\"9\"}\n\n");
}

TEST(SseEventsTest, AnUpdateLeavingTheViewIsALeftViewEventWithItsReason) {
  CursorMessage message;
  message.updates = {Entry(4, v1::MISSION_KFOR), Entry(9, v1::MISSION_EULEX)};
  message.left_view = {{9, "resolved by EULEX"}};
  message.cursor = 9;
  EXPECT_EQ(SseEvents(message),
            "event: update\nid: 4\ndata: {\"mission\":\"MISSION_KFOR\","
            "\"headline\":\"Crowd at the \\\"main\\\" bridge\",\"sequence\":"
            "\"4\"}\n\n"
            "event: left_view\nid: 9\ndata: {\"reason\":\"resolved by EULEX\","
            "\"update\":{\"mission\":\"MISSION_EULEX\","
            "\"headline\":\"Crowd at the \\\"main\\\" bridge\",\"sequence\":"
            "\"9\"}}\n\n");
}

TEST(SseEventsTest, SnapshotUpdatesCarryNoId) {
  CursorMessage message;
  message.snapshot = true;
  message.updates = {Entry(9, v1::MISSION_KFOR), Entry(3, v1::MISSION_KFOR)};
  const std::string events = SseEvents(message);
  EXPECT_THAT(events, HasSubstr("event: snapshot\ndata: "));
  EXPECT_EQ(events.find("id:"), std::string::npos);
}

TEST(SseEventsTest, MarkersCarryTheCursor) {
  CursorMessage gap;
  gap.type = CursorMessage::Type::kGap;
  gap.gap_from = 3;
  gap.gap_to = 10;
  gap.cursor = 10;
  EXPECT_EQ(SseEvents(gap),
            "event: gap\nid: 10\ndata: {\"fromSequence\":\"3\","
            "\"toSequence\":\"10\"}\n\n");
  CursorMessage caught_up;
  caught_up.type = CursorMessage::Type::kCaughtUp;
  caught_up.sequence = 42;
  caught_up.cursor = 42;
  EXPECT_EQ(SseEvents(caught_up),
            "event: caught_up\nid: 42\ndata: {\"sequence\":\"42\"}\n\n");
}

TEST(SseEventsTest, HelloSetsTheRetryAndNamesTheLog) {
  EXPECT_EQ(SseHello("abc", 7, 9),
            "retry: 2000\n\nevent: hello\nid: 7\ndata: {\"logId\":\"abc\","
            "\"cursor\":\"7\",\"headSequence\":\"9\"}\n\n");
}

TEST(SseEventsTest, ASnapshotStartHasNoIdToResumeFrom) {
  EXPECT_EQ(SseHello("abc", 0, 9, /*snapshot_start=*/true),
            "retry: 2000\n\nevent: hello\ndata: {\"logId\":\"abc\","
            "\"cursor\":\"0\",\"headSequence\":\"9\"}\n\n");
}

TEST(SseEventsTest, ErrorIsTheErrorBody) {
  EXPECT_EQ(SseError(absl::UnavailableError("shutting \"down\"")),
            "event: error\ndata: {\"code\":14,\"status\":\"UNAVAILABLE\","
            "\"message\":\"shutting \\\"down\\\"\"}\n\n");
}

}  // namespace
}  // namespace sitrep
