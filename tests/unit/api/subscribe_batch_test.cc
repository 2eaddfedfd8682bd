// SubscribeBatchEncoder (server/api/subscribe_batch.h) writes a batch's
// SubscribeResponse by hand into one slice: checked here against protobuf's
// own encoding of the same message, byte for byte.
#include "server/api/subscribe_batch.h"

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "server/log/log_entry.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

LogEntryPtr Entry(uint64_t sequence, v1::Mission mission) {
  v1::SituationUpdate update = testing::PatrolUpdate(mission);
  update.set_sequence(sequence);
  return MakeLogEntry(std::move(update));
}

// What protobuf makes of the same batch.
std::string Expected(const CursorMessage& message, const std::string& log_id) {
  v1::SubscribeResponse response;
  for (const LogEntryPtr& entry : message.updates) {
    *response.add_updates() = entry->update;
  }
  for (const CursorMessage::LeftView& left : message.left_view) {
    v1::LeftView* mark = response.add_left_view();
    mark->set_sequence(left.sequence);
    mark->set_reason(left.reason);
  }
  response.mutable_cursor()->set_log_id(log_id);
  response.mutable_cursor()->set_sequence(message.cursor);
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  response.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

std::string Encoded(const SubscribeBatchEncoder& encoder,
                    const CursorMessage& message) {
  const grpc::Slice slice = encoder.Encode(message);
  return std::string(reinterpret_cast<const char*>(slice.begin()),
                     slice.size());
}

// @test A batch of one, of several (sequences of up to six varint bytes), and
// one carrying left_view marks encode as protobuf encodes them.
TEST(SubscribeBatchEncoderTest, WritesWhatProtobufWrites) {
  const std::string log_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  const SubscribeBatchEncoder encoder(log_id);

  CursorMessage one;
  one.updates = {Entry(7, v1::MISSION_KFOR)};
  one.cursor = 9;
  EXPECT_EQ(Encoded(encoder, one), Expected(one, log_id));

  CursorMessage several;
  several.updates = {Entry(1 << 20, v1::MISSION_KFOR),
                     Entry((1 << 20) + 5, v1::MISSION_EULEX),
                     Entry(uint64_t{1} << 40, v1::MISSION_KOSOVO_POLICE)};
  several.cursor = (uint64_t{1} << 40) + 3;
  EXPECT_EQ(Encoded(encoder, several), Expected(several, log_id));

  CursorMessage leaving;
  leaving.updates = {Entry(11, v1::MISSION_KFOR), Entry(12, v1::MISSION_EULEX)};
  leaving.left_view = {{12, "resolved by another mission"}};
  leaving.cursor = 12;
  EXPECT_EQ(Encoded(encoder, leaving), Expected(leaving, log_id));
}

// @test proto3 leaves out default fields: an empty log id and a cursor of
// 0 (a snapshot batch of a `situation` start) are not written.
TEST(SubscribeBatchEncoderTest, LeavesOutAnEmptyLogIdAndACursorOfZero) {
  CursorMessage snapshot;
  snapshot.snapshot = true;
  snapshot.updates = {Entry(3, v1::MISSION_EULEX)};
  snapshot.cursor = 0;
  EXPECT_EQ(Encoded(SubscribeBatchEncoder("log"), snapshot),
            Expected(snapshot, "log"));
  EXPECT_EQ(Encoded(SubscribeBatchEncoder(""), snapshot),
            Expected(snapshot, ""));
  CursorMessage none;
  EXPECT_EQ(Encoded(SubscribeBatchEncoder(""), none), Expected(none, ""));
}

}  // namespace
}  // namespace sitrep
