#include "server/auth/read_rights.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/filter/filter_matcher.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOkAndHolds;
using ::sitrep::testing::StatusIs;

using ::testing::HasSubstr;

Principal KforReader() {
  return Principal{"kfor-watch", 0, 1u << v1::MISSION_KFOR, false};
}

v1::SituationUpdate Of(v1::Mission mission) {
  v1::SituationUpdate update;
  update.set_mission(mission);
  return update;
}

TEST(ReadRightsTest, FiltersWithinTheRightsPass) {
  v1::Filter filter;
  SITREP_EXPECT_OK(CheckReadRights(KforReader(), filter));
  filter.add_missions(v1::MISSION_KFOR);
  SITREP_EXPECT_OK(CheckReadRights(KforReader(), filter));
  filter.add_missions(v1::MISSION_EULEX);
  SITREP_EXPECT_OK(CheckReadRights(AnonymousPrincipal(), filter));
}

TEST(ReadRightsTest, NamingAForbiddenMissionIsDenied) {
  v1::Filter filter;
  filter.add_missions(v1::MISSION_KFOR);
  filter.add_missions(v1::MISSION_KOSOVO_POLICE);
  EXPECT_THAT(CheckReadRights(KforReader(), filter),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "filter.missions[1]: principal 'kfor-watch' may not "
                       "read MISSION_KOSOVO_POLICE"));
}

TEST(ReadRightsTest, NoReadRightDeniesEveryRead) {
  Principal publisher{"kp-feed", 1u << v1::MISSION_KOSOVO_POLICE, 0, false};
  EXPECT_THAT(CheckReadRights(publisher, v1::Filter()),
              StatusIs(absl::StatusCode::kPermissionDenied, "may not read any mission"));
}

TEST(ReadRightsTest, CompiledFilterNarrowsToReadableMissions) {
  SITREP_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<const FilterMatcher> filter,
      FilterMatcher::Compile(v1::Filter(), {}, "filter",
                             MissionSet::FromBits(KforReader().read_missions)));
  EXPECT_FALSE(filter->MatchesEverything());
  EXPECT_EQ(filter->Missions(), MissionSet::Of(v1::MISSION_KFOR));
  EXPECT_TRUE(filter->Matches(Of(v1::MISSION_KFOR)));
  EXPECT_FALSE(filter->Matches(Of(v1::MISSION_EULEX)));
  EXPECT_TRUE(filter->Readable(Of(v1::MISSION_KFOR)));
  EXPECT_FALSE(filter->Readable(Of(v1::MISSION_KOSOVO_POLICE)));
  // An unknown future mission is outside a restricted right.
  EXPECT_FALSE(filter->Readable(Of(static_cast<v1::Mission>(40))));
}

}  // namespace
}  // namespace sitrep
