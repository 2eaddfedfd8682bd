// The pure parts of the CLI's output habits (issue 19): table layout,
// time display, durations and the usage suggestions.
#include "client/table_layout.h"

#include "absl/time/time.h"
#include "client/time_display.h"
#include "client/usage_hints.h"
#include "common/human_duration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

using ::testing::ElementsAre;

TEST(TableLayoutTest, WithoutALimitEveryColumnHasItsPreferredWidth) {
  TableLayout layout = FitColumns({{10, 5}, {8, 8, true}}, 0, 0, 30, 12);
  EXPECT_THAT(layout.widths, ElementsAre(10, 8, 0));
  EXPECT_EQ(layout.gap, "  ");
}

TEST(TableLayoutTest, TheLastColumnTakesTheRestWhenThereIsRoom) {
  TableLayout layout = FitColumns({{10, 5}, {8, 8, true}}, 100, 0, 30, 12);
  EXPECT_THAT(layout.widths, ElementsAre(10, 8, 100 - 10 - 8 - 4));
  EXPECT_EQ(layout.gap, "  ");
}

TEST(TableLayoutTest, OtherColumnsShrinkThenTheLastThenTheKeptOnes) {
  // 1-space gaps: 10 + 8 + 2 = 20 before the last column.
  TableLayout layout = FitColumns({{10, 5}, {8, 4, true}}, 45, 0, 30, 12);
  EXPECT_EQ(layout.gap, " ");
  EXPECT_THAT(layout.widths, ElementsAre(5, 8, 30));  // the first gave 5 for the comfort
  layout = FitColumns({{10, 5}, {8, 4, true}}, 30, 0, 30, 12);
  EXPECT_THAT(layout.widths, ElementsAre(5, 8, 15));  // the last shrinks before the kept one
  layout = FitColumns({{10, 5}, {8, 4, true}}, 22, 0, 30, 12);
  EXPECT_THAT(layout.widths, ElementsAre(5, 4, 12));  // then the kept one, to its minimum
  layout = FitColumns({{10, 5}, {8, 4, true}}, 10, 0, 30, 12);
  EXPECT_THAT(layout.widths, ElementsAre(5, 4, 12));  // too narrow: longer than the width
}

TEST(TimeDisplayTest, UtcByDefaultLocalOnRequestWithItsOffset) {
  absl::StatusOr<TimeDisplay> display = ResolveTimeDisplay(false, false, nullptr);
  ASSERT_TRUE(display.ok());
  const absl::Time t = absl::FromUnixSeconds(1796528072);  // 2026-12-06 03:34:32Z
  EXPECT_EQ(FormatTimePoint(t, *display), "2026-12-06 03:34:32Z");
  EXPECT_STREQ(ZoneName(*display), "UTC");
  display = ResolveTimeDisplay(false, false, "local");
  ASSERT_TRUE(display.ok());
  EXPECT_FALSE(display->utc);
  display->zone = absl::FixedTimeZone(3600);
  EXPECT_EQ(FormatTimePoint(t, *display), "2026-12-06 04:34:32+01:00");
  EXPECT_EQ(FormatTimePoint(t, *display).size(), TimePointWidth(*display));
  EXPECT_TRUE(ResolveTimeDisplay(true, false, "local")->utc);  // the flag wins
  EXPECT_FALSE(ResolveTimeDisplay(true, true, nullptr).ok());
  EXPECT_EQ(ResolveTimeDisplay(false, false, "mars").status().message(),
            "SITREP_TZ: unknown value 'mars' (valid: utc, local)");
}

TEST(HumanDurationTest, DurationsAreRoundedToWhatMatters) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(4200)), "4.2 s");
  EXPECT_EQ(HumanDuration(absl::Milliseconds(3797)), "3.8 s");
  EXPECT_EQ(HumanDuration(absl::Seconds(45)), "45 s");
  EXPECT_EQ(HumanDuration(absl::Seconds(125)), "2 min 5 s");
  EXPECT_EQ(HumanDuration(absl::Minutes(12)), "12 min");
  EXPECT_EQ(HumanDuration(absl::Minutes(133)), "2 h 13 min");
  EXPECT_EQ(HumanDuration(absl::Hours(28)), "1 day 4 h");
  EXPECT_EQ(HumanDuration(absl::Hours(26924) + absl::Minutes(21)), "1,122 days (3.1 years)");
  EXPECT_EQ(HumanDuration(-absl::Seconds(45)), "-45 s");
  EXPECT_EQ(Plural(1, "update"), "1 update");
  EXPECT_EQ(Plural(0, "update"), "0 updates");
}

TEST(UsageHintsTest, SuggestsOnlyNearMisses) {
  EXPECT_EQ(EditDistance("tial", "tail"), 1u);  // a swap is one edit
  EXPECT_EQ(Closest("--misson", {"--mission", "--municipality", "--min-severity"}), "--mission");
  EXPECT_EQ(Closest("tial", {"publish", "tail", "history"}), "tail");
  EXPECT_EQ(Closest("foo", {"publish", "tail", "history"}), "");
}

}  // namespace
}  // namespace sitrep::cli
