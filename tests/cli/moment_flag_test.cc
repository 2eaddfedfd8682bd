// ParseMomentFlag: the moments `situation --at` and `report --from/--to`
// take.
#include "client/moment_flag.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1796572800);  // 2026-12-06 16:00Z

TEST(MomentFlagTest, ADurationWithOrWithoutMinusIsThatLongAgo) {
  EXPECT_EQ(*ParseMomentFlag("-2h", "--at", kNow), kNow - absl::Hours(2));
  EXPECT_EQ(*ParseMomentFlag("2h", "--at", kNow), kNow - absl::Hours(2));
  EXPECT_EQ(*ParseMomentFlag("-90m", "--at", kNow), kNow - absl::Minutes(90));
}

TEST(MomentFlagTest, SecondsAreOptionalInATime) {
  EXPECT_EQ(*ParseMomentFlag("2026-12-06T14:05Z", "--at", kNow),
            absl::FromUnixSeconds(1796565900));
  EXPECT_EQ(*ParseMomentFlag("2026-12-06T14:05:30Z", "--at", kNow),
            absl::FromUnixSeconds(1796565930));
  EXPECT_EQ(*ParseMomentFlag("2026-12-06T15:05+01:00", "--at", kNow),
            absl::FromUnixSeconds(1796565900));
}

TEST(MomentFlagTest, NonsenseNamesTheFlag) {
  absl::StatusOr<absl::Time> bad = ParseMomentFlag("yesterday", "--at", kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("--at"));
}

}  // namespace
}  // namespace sitrep::cli
