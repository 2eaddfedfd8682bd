#include "server/fanout/update_ring.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
  const UpdateRing::Visited visited =
      ring.ForEachFrom(from, max, MissionSet::All(), [&](const LogEntryPtr& e) {
        seen.push_back(e->sequence());
        return true;
      });
  if (!visited.cached) seen.push_back(0);  // marks "not cached"
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
  const UpdateRing::Visited visited =
      ring.ForEachFrom(1, 100, MissionSet::All(), [&](const LogEntryPtr& e) {
        seen.push_back(e->sequence());
        return e->sequence() < 4;
      });
  EXPECT_THAT(seen, ::testing::ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(visited.through, 4u);
  EXPECT_EQ(visited.looked_at, 4u);
}

TEST(UpdateRingTest, SkipsEntriesOfOtherMissionsButCountsThem) {
  UpdateRing ring(16);
  std::vector<LogEntryPtr> entries;
  const v1::Mission missions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                  v1::MISSION_KOSOVO_POLICE};
  for (uint64_t s = 1; s <= 9; ++s) {
    v1::SituationUpdate update;
    update.set_sequence(s);
    update.set_mission(missions[(s - 1) % 3]);
    // 8 is EULEX's, but its incident's previous update was KFOR's.
    std::shared_ptr<v1::SituationUpdate> previous;
    if (s == 8) {
      previous = std::make_shared<v1::SituationUpdate>();
      previous->set_mission(v1::MISSION_KFOR);
    }
    entries.push_back(MakeLogEntry(update, previous));
  }
  ring.Append(entries);
  std::vector<uint64_t> seen;
  const UpdateRing::Visited visited = ring.ForEachFrom(
      2, 100, MissionSet::Of(v1::MISSION_KFOR), [&](const LogEntryPtr& e) {
        seen.push_back(e->sequence());
        return true;
      });
  EXPECT_THAT(seen, ::testing::ElementsAre(4, 7, 8));
  EXPECT_EQ(visited.through, 9u) << "the skipped 9 was looked at too";
  EXPECT_EQ(visited.looked_at, 8u);

  const UpdateRing::Visited limited = ring.ForEachFrom(
      2, 2, MissionSet::Of(v1::MISSION_KFOR), [&](const LogEntryPtr&) {
        ADD_FAILURE() << "2 and 3 are not KFOR's";
        return true;
      });
  EXPECT_TRUE(limited.cached);
  EXPECT_EQ(limited.through, 3u);
  EXPECT_EQ(limited.looked_at, 2u);
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

}  // namespace
}  // namespace sitrep
