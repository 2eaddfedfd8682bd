#include "server/fanout/update_ring.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

std::vector<LogEntryPtr> Entries(uint64_t first, uint64_t last) {
  std::vector<LogEntryPtr> entries;
  for (uint64_t s = first; s <= last; ++s) {
    v1::SituationUpdate update;
    update.set_sequence(s);
    entries.push_back(MakeLogEntry(update));
  }
  return entries;
}

std::vector<uint64_t> Visit(const UpdateRing& ring, uint64_t from,
                            size_t max = 1000) {
  std::vector<uint64_t> seen;
  const bool cached = ring.ForEachFrom(from, max, [&](const LogEntryPtr& e) {
    seen.push_back(e->sequence());
    return true;
  });
  if (!cached) seen.push_back(0);  // marks "not cached"
  return seen;
}

TEST(UpdateRingTest, StartsEmptyAndCachesNothing) {
  UpdateRing ring(8);
  EXPECT_EQ(ring.first(), ring.last() + 1);
  EXPECT_THAT(Visit(ring, 1), ::testing::ElementsAre(0));
}

TEST(UpdateRingTest, KeepsTheNewestEntriesUpToCapacity) {
  UpdateRing ring(8);
  ring.Append(Entries(1, 5));
  ring.Append(Entries(6, 20));
  EXPECT_EQ(ring.first(), 13u);
  EXPECT_EQ(ring.last(), 20u);
  EXPECT_THAT(Visit(ring, 12), ::testing::ElementsAre(0)) << "evicted";
  EXPECT_THAT(Visit(ring, 18), ::testing::ElementsAre(18, 19, 20));
  EXPECT_THAT(Visit(ring, 21), ::testing::ElementsAre(0)) << "beyond the head";
}

TEST(UpdateRingTest, VisitStopsAtTheLimitOrWhenAsked) {
  UpdateRing ring(16);
  ring.Append(Entries(1, 10));
  EXPECT_THAT(Visit(ring, 3, 2), ::testing::ElementsAre(3, 4));
  std::vector<uint64_t> seen;
  ring.ForEachFrom(1, 100, [&](const LogEntryPtr& e) {
    seen.push_back(e->sequence());
    return e->sequence() < 4;
  });
  EXPECT_THAT(seen, ::testing::ElementsAre(1, 2, 3, 4));
}

TEST(UpdateRingTest, AJumpInSequencesRestartsTheCache) {
  UpdateRing ring(8);
  ring.Append(Entries(1, 4));
  ring.Append(Entries(100, 101));  // e.g. the first append after a restart
  EXPECT_EQ(ring.first(), 100u);
  EXPECT_EQ(ring.last(), 101u);
  EXPECT_THAT(Visit(ring, 3), ::testing::ElementsAre(0));
}

TEST(UpdateRingTest, TrimBeforeDropsWhatRetentionRemoved) {
  UpdateRing ring(8);
  ring.Append(Entries(1, 6));
  ring.TrimBefore(4);
  EXPECT_EQ(ring.first(), 4u);
  EXPECT_THAT(Visit(ring, 3), ::testing::ElementsAre(0));
  EXPECT_THAT(Visit(ring, 4), ::testing::ElementsAre(4, 5, 6));
  ring.TrimBefore(50);  // beyond the head: empty, appends continue later
  EXPECT_EQ(ring.first(), ring.last() + 1);
  ring.Append(Entries(50, 51));
  EXPECT_THAT(Visit(ring, 50), ::testing::ElementsAre(50, 51));
}

TEST(UpdateRingTest, EntriesAreEncodedOnceAsField1) {
  v1::SituationUpdate update;
  update.set_sequence(7);
  update.set_headline("Roadblock");
  LogEntryPtr entry = MakeLogEntry(update);
  v1::SubscribeResponse response;
  ASSERT_TRUE(response.ParseFromString(entry->wire + entry->wire));
  ASSERT_EQ(response.updates_size(), 2);
  EXPECT_EQ(response.updates(1).headline(), "Roadblock");
}

}  // namespace
}  // namespace sitrep
