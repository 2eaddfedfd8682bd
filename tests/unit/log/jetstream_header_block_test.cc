// A message made from a header block reads back through libnats' public
// API as the one natsMsgHeader_Set would make: every header, the body, the
// subject. This is also the check that libnats' natsMsg_create (exported,
// not declared in <nats/nats.h>) still takes the arguments the writer
// gives it.
#include "server/log/jetstream_header_block.h"

#include <string>

#include "gtest/gtest.h"
#include "nats/nats.h"

namespace sitrep::jetstream {
namespace {

std::string Header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr) {
    return "<none>";
  }
  return value;
}

// natsMsg_Destroy hands messages to the library's collector thread, which
// nats_Open starts (sitrepd's connection does so).
class NatsHeaderBlockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(nats_Open(-1), NATS_OK); }
};

TEST_F(NatsHeaderBlockTest, HeadersBodyAndSubjectReadBack) {
  NatsHeaderBlock block;
  block.Start();
  block.Add("Nats-Msg-Id", "00ff.abc.17");
  block.Add("Nats-Expected-Last-Sequence", uint64_t{41});
  block.Add("Sitrep-Previous", "AAEC/+==");
  const std::string body("\x0a\x03" "abc\r\n\0tail", 12);
  absl::StatusOr<MsgPtr> msg = block.MakeMessage("bench.1.2.3", body);
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_STREQ(natsMsg_GetSubject(msg->get()), "bench.1.2.3");
  EXPECT_EQ(natsMsg_GetReply(msg->get()), nullptr);
  ASSERT_EQ(natsMsg_GetDataLength(msg->get()), static_cast<int>(body.size()));
  EXPECT_EQ(std::string(natsMsg_GetData(msg->get()), body.size()), body);
  EXPECT_EQ(Header(msg->get(), "Nats-Msg-Id"), "00ff.abc.17");
  EXPECT_EQ(Header(msg->get(), "Nats-Expected-Last-Sequence"), "41");
  EXPECT_EQ(Header(msg->get(), "Sitrep-Previous"), "AAEC/+==");
  EXPECT_EQ(Header(msg->get(), "Nats-Expected-Last-Msg-Id"), "<none>");
  const char** keys = nullptr;
  int count = 0;
  ASSERT_EQ(natsMsgHeader_Keys(msg->get(), &keys, &count), NATS_OK);
  free(keys);
  EXPECT_EQ(count, 3);
}

TEST_F(NatsHeaderBlockTest, StartForgetsTheLastMessagesHeaders) {
  NatsHeaderBlock block;
  block.Start();
  block.Add("Nats-Msg-Id", "first");
  block.Add("Nats-Expected-Last-Msg-Id", "zero");
  ASSERT_TRUE(block.MakeMessage("s", "one").ok());
  block.Start();
  block.Add("Nats-Msg-Id", "second");
  absl::StatusOr<MsgPtr> msg = block.MakeMessage("s", "");
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(Header(msg->get(), "Nats-Msg-Id"), "second");
  EXPECT_EQ(Header(msg->get(), "Nats-Expected-Last-Msg-Id"), "<none>");
  EXPECT_EQ(natsMsg_GetDataLength(msg->get()), 0);
}

}  // namespace
}  // namespace sitrep::jetstream
