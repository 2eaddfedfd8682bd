#include "server/incident/mission_set.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(MissionSetTest, CountIsTheNumberOfMissionValues) {
  EXPECT_EQ(MissionSet::kCount, v1::MISSION_KOSOVO_POLICE + 1);
}

TEST(MissionSetTest, OfHoldsTheOneMission) {
  const MissionSet kfor = MissionSet::Of(v1::MISSION_KFOR);
  EXPECT_TRUE(kfor.Contains(v1::MISSION_KFOR));
  EXPECT_FALSE(kfor.Contains(v1::MISSION_EULEX));
  EXPECT_FALSE(kfor.Contains(v1::MISSION_UNSPECIFIED));
  EXPECT_EQ(kfor.bits(), 1u << v1::MISSION_KFOR);
}

TEST(MissionSetTest, AnUnknownMissionCountsAsUnspecified) {
  EXPECT_EQ(MissionSet::Of(40), MissionSet::Of(v1::MISSION_UNSPECIFIED));
  EXPECT_EQ(MissionSet::Of(-1), MissionSet::Of(v1::MISSION_UNSPECIFIED));
  EXPECT_FALSE(MissionSet::Of(v1::MISSION_KFOR).Intersects(MissionSet::Of(40)));
  EXPECT_TRUE(MissionSet::All().Intersects(MissionSet::Of(40)));
}

TEST(MissionSetTest, AllContainsEveryValueAndASetOfMissionsOnlyThose) {
  EXPECT_TRUE(MissionSet::All().IsAll());
  EXPECT_TRUE(MissionSet::All().Contains(40));
  EXPECT_TRUE(MissionSet::All().Contains(-1));
  const MissionSet two =
      MissionSet::Of(v1::MISSION_KFOR) | MissionSet::Of(v1::MISSION_EULEX);
  EXPECT_FALSE(two.IsAll());
  EXPECT_FALSE(two.Contains(33));  // would alias KFOR's bit
  EXPECT_FALSE(two.Contains(-1));
  EXPECT_TRUE(two.Contains(v1::MISSION_EULEX));
  EXPECT_EQ(two & MissionSet::Of(v1::MISSION_EULEX),
            MissionSet::Of(v1::MISSION_EULEX));
  EXPECT_TRUE(MissionSet().empty());
  EXPECT_FALSE(two.Intersects(MissionSet::Of(v1::MISSION_KOSOVO_POLICE)));
}

TEST(MissionSetTest, FromBitsReadsAnAccessPolicyMask) {
  EXPECT_EQ(MissionSet::FromBits(~uint32_t{0}), MissionSet::All());
  EXPECT_EQ(MissionSet::FromBits(1u << v1::MISSION_EULEX),
            MissionSet::Of(v1::MISSION_EULEX));
}

}  // namespace
}  // namespace sitrep
