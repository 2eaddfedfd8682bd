// The "json" body is a sitrep.v1.SubscribeResponse in protobuf JSON: a
// receiver parses it back with the sitrep protos.
#include "server/sinks/json_batch_body.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

TEST(JsonBatchBodyTest, ParsesBackAsSubscribeResponse) {
  v1::SituationUpdate first;
  first.set_sequence(41);
  first.set_mission(v1::MISSION_KFOR);
  first.set_headline("Patrol at Jarinje");
  (*first.mutable_labels())["unit"] = "KFOR-1";
  v1::SituationUpdate second = first;
  second.set_sequence(43);

  const std::string body = EncodeJsonBatch(
      {MakeLogEntry(first), MakeLogEntry(second)}, "log-1", 45);
  EXPECT_THAT(body, ::testing::HasSubstr(R"("mission":"MISSION_KFOR")"));
  EXPECT_THAT(body, ::testing::HasSubstr(R"("cursor":{"logId":"log-1","sequence":"45"})"));

  v1::SubscribeResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(body, &parsed).ok())
      << body;
  ASSERT_EQ(parsed.updates_size(), 2);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      parsed.updates(0), first));
  EXPECT_EQ(parsed.updates(1).sequence(), 43u);
  EXPECT_EQ(parsed.cursor().log_id(), "log-1");
  EXPECT_EQ(parsed.cursor().sequence(), 45u);
  EXPECT_EQ(parsed.marker_case(), v1::SubscribeResponse::MARKER_NOT_SET);
}

}  // namespace
}  // namespace sitrep
