// The JetStream replica's index of retained updates (issue 20): the dedupe
// entries, received_at and cached entries go with their sequences, so its
// size follows retention.

#include "server/log/jetstream_retained_index.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/log_entry.h"
#include "tests/support/updates.h"

namespace sitrep::jetstream {
namespace {

LogEntryPtr Entry(uint64_t sequence, const std::string& event_id,
                  int64_t received_us) {
  v1::SituationUpdate update =
      testing::PatrolUpdate(v1::MISSION_KFOR, event_id);
  update.set_publisher("kfor-ops");
  update.set_event_id(event_id);
  SetServerFields(sequence, absl::FromUnixMicros(received_us), 0, &update);
  return MakeLogEntry(std::move(update), nullptr);
}

void AddEntry(RetainedIndex* index, uint64_t sequence,
              const std::string& event_id) {
  LogEntryPtr entry = Entry(sequence, event_id, 1000 * sequence);
  index->Add(entry, DigestOf(entry->update));
}

EventDigest Id(const std::string& event_id) {
  return DigestOf(Entry(1, event_id, 0)->update);
}

TEST(RetainedIndexTest, DropBeforeForgetsTheEventIdsOfTheDroppedSequences) {
  RetainedIndex index(/*cache_entries=*/3);
  index.Reset(1);
  for (uint64_t s = 1; s <= 10; ++s) AddEntry(&index, s, absl::StrCat("e", s));
  EXPECT_EQ(index.event_count(), 10u);
  EXPECT_EQ(index.cached_count(), 3u);
  index.DropBefore(8);
  EXPECT_EQ(index.oldest(), 8u);
  EXPECT_EQ(index.head(), 10u);
  EXPECT_EQ(index.event_count(), 3u);
  EXPECT_EQ(index.retained_count(), 3u);
  EXPECT_FALSE(index.FindEvent(Id("e7")).has_value());
  EXPECT_EQ(index.FindEvent(Id("e8")), 8u);
  EXPECT_EQ(index.FirstReceivedAtOrAfter(0), 8u);
  EXPECT_EQ(index.FirstReceivedAtOrAfter(9000), 9u);
}

TEST(RetainedIndexTest, CacheKeepsTheNewestEntriesOnly) {
  RetainedIndex index(/*cache_entries=*/2);
  index.Reset(5);
  for (uint64_t s = 5; s <= 8; ++s) AddEntry(&index, s, absl::StrCat("e", s));
  EXPECT_EQ(index.Cached(6), nullptr);
  ASSERT_NE(index.Cached(7), nullptr);
  EXPECT_EQ(index.Cached(7)->sequence(), 7u);
  EXPECT_EQ(index.Cached(9), nullptr);
  index.DropBefore(8);
  EXPECT_EQ(index.Cached(7), nullptr);
  EXPECT_EQ(index.cached_count(), 1u);
  index.DropBefore(9);  // everything
  EXPECT_EQ(index.retained_count(), 0u);
  EXPECT_EQ(index.event_count(), 0u);
  EXPECT_EQ(index.cached_count(), 0u);
  EXPECT_EQ(index.head(), 8u);
  EXPECT_EQ(index.oldest(), 9u);
}

TEST(RetainedIndexTest, AnIdStoredAgainKeepsItsNewSequenceWhenTheOldOneGoes) {
  RetainedIndex index(/*cache_entries=*/8);
  index.Reset(1);
  AddEntry(&index, 1, "same");
  AddEntry(&index, 2, "other");
  AddEntry(&index, 3, "same");  // e.g. published again after a gap
  index.DropBefore(2);
  EXPECT_EQ(index.FindEvent(Id("same")), 3u);
}

// The writer's Nats-Msg-Id (jetstream_publish_acks.cc) and the ids of
// streams written before it (JetStreamMsgId) give the tail the digest
// without hashing; anything else falls back to hashing.
TEST(DigestFromMsgIdTest, ReadsTheDigestSitrepsIdsBeginWith) {
  const v1::SituationUpdate update = Entry(1, "ev-1", 0)->update;
  const EventDigest digest = DigestOf(update);
  const std::string writers =
      absl::StrCat(absl::Hex(absl::Uint128High64(digest), absl::kZeroPad16),
                   absl::Hex(absl::Uint128Low64(digest), absl::kZeroPad16),
                   ".0123abcd.17");
  EXPECT_EQ(DigestFromMsgId(writers), digest);
  EXPECT_EQ(DigestFromMsgId(JetStreamMsgId(update)), digest);
  EXPECT_NE(DigestFromMsgId(JetStreamMsgId(Entry(1, "ev-2", 0)->update)), digest);
}

TEST(DigestFromMsgIdTest, OtherIdsAreNotTaken) {
  EXPECT_EQ(DigestFromMsgId(""), std::nullopt);
  EXPECT_EQ(DigestFromMsgId("0123456789abcdef0123456789abcde"), std::nullopt);  // 31
  EXPECT_EQ(DigestFromMsgId("0123456789ABCDEF0123456789abcdef.1.2"), std::nullopt);
  EXPECT_EQ(DigestFromMsgId("0123456789abcdef0123456789abcdefx"), std::nullopt);
  EXPECT_EQ(DigestFromMsgId("kfor-ops:event-0123456789abcdef0123456"), std::nullopt);
  EXPECT_EQ(DigestFromMsgId("0000000000000001000000000000000f"),
            absl::MakeUint128(1, 15));
}

}  // namespace
}  // namespace sitrep::jetstream
