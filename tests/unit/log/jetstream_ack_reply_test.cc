// The tail's stream sequence from the ack reply subject: both forms
// nats-server sends, and every other subject refused (the tail then asks
// libnats, which is what it did for every message before).
#include "server/log/jetstream_ack_reply.h"

#include <optional>

#include "gtest/gtest.h"

namespace sitrep::jetstream {
namespace {

TEST(StreamSequenceFromAckReplyTest, ReadsTheFirstForm) {
  EXPECT_EQ(StreamSequenceFromAckReply(
                "$JS.ACK.BENCH.OrdConsumer.1.4821.4821.1733543000000000000.17"),
            std::optional<uint64_t>(4821));
}

TEST(StreamSequenceFromAckReplyTest, ReadsTheSecondFormWithDomainAndAccount) {
  EXPECT_EQ(StreamSequenceFromAckReply("$JS.ACK.hub.ACCHASH.BENCH.dur.2.907.12."
                                       "1733543000000000000.0.rnd"),
            std::optional<uint64_t>(907));
  EXPECT_EQ(StreamSequenceFromAckReply(
                "$JS.ACK._.ACCHASH.BENCH.dur.2.18446744073709551615.12.1.0"),
            std::optional<uint64_t>(18446744073709551615ull));
}

TEST(StreamSequenceFromAckReplyTest, RefusesOtherSubjects) {
  for (const char* reply : {
           "",
           "_INBOX.abc",
           "$JS.ACK",
           "$JS.ACK.BENCH.c.1.5.5.1",            // 8 tokens
           "$JS.ACK.BENCH.c.1.5.5.1.0.x",        // 10 tokens
           "$JS.ACK.BENCH.c.1.+5.5.1.0",         // a sign
           "$JS.ACK.BENCH.c.1. 5.5.1.0",         // a space
           "$JS.ACK.BENCH.c.1..5.1.0",           // empty
           "$JS.ACK.BENCH.c.1.0.5.1.0",          // no sequence 0 in a stream
           "$JS.ACK.BENCH.c.1.99999999999999999999.5.1.0",  // past uint64
           "$JS.NAK.BENCH.c.1.5.5.1.0",
       }) {
    EXPECT_EQ(StreamSequenceFromAckReply(reply), std::nullopt) << reply;
  }
}

}  // namespace
}  // namespace sitrep::jetstream
