#include "client/filter_flags.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

using ::testing::ElementsAre;

TEST(FilterFlagsTest, EnumsAcceptShortFullAndAliasSpellings) {
  EXPECT_EQ(*ParseMission("kfor"), sitrep::v1::MISSION_KFOR);
  EXPECT_EQ(*ParseMission("MISSION_EULEX"), sitrep::v1::MISSION_EULEX);
  EXPECT_EQ(*ParseMission("kosovo-police"), sitrep::v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(*ParseMission("KP"), sitrep::v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(*ParseRole("third"), sitrep::v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(*ParseRole("second_responder"), sitrep::v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(*ParseRole("liaison"), sitrep::v1::ROLE_LIAISON);
  EXPECT_EQ(*ParseSeverity("Severe"), sitrep::v1::SEVERITY_SEVERE);
  EXPECT_EQ(*ParseCategory("public_order"), sitrep::v1::CATEGORY_PUBLIC_ORDER);
  EXPECT_EQ(*ParseCategory("border-crossing"), sitrep::v1::CATEGORY_BORDER_CROSSING);
  EXPECT_EQ(*ParseKind("escalate"), sitrep::v1::KIND_ESCALATE);
  EXPECT_EQ(*ParseKind("request-support"), sitrep::v1::KIND_REQUEST_SUPPORT);
  EXPECT_EQ(*ParseKind("ack"), sitrep::v1::KIND_ACKNOWLEDGE);
}

TEST(FilterFlagsTest, TiersAreNamedByRankOrByTheMissionHoldingThem) {
  EXPECT_EQ(*ParseTier("second", "--target-tier"), sitrep::v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(*ParseTier("3", "--target-tier"), sitrep::v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(*ParseTier("kp", "--target-tier"), sitrep::v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(*ParseTier("EULEX", "--target-tier"), sitrep::v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(*ParseTier("kfor", "--target-tier"), sitrep::v1::ROLE_THIRD_RESPONDER);
  for (const char* bad : {"liaison", "support", "nato", ""}) {
    absl::StatusOr<sitrep::v1::Role> tier = ParseTier(bad, "--target-tier");
    ASSERT_FALSE(tier.ok()) << bad;
    EXPECT_EQ(tier.status().message(),
              absl::StrCat("--target-tier: unknown tier '", bad,
                           "' (valid: first, second, third, or the mission holding it: kp, "
                           "eulex, kfor)"));
  }
}

TEST(FilterFlagsTest, UnknownOrUnspecifiedValueNamesTheFlagAndTheValidValues) {
  absl::StatusOr<sitrep::v1::Mission> bad = ParseMission("nato");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "--mission: unknown value 'nato' (valid: kfor, eulex, kosovo-police)");
  EXPECT_FALSE(ParseMission("unspecified").ok());
  EXPECT_FALSE(ParseSeverity("").ok());
}

TEST(FilterFlagsTest, ATypoGetsTheNearestValue) {
  absl::StatusOr<sitrep::v1::Severity> bad = ParseSeverity("sever", "--min-severity");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "--min-severity: unknown value 'sever' (valid: unknown, minor, "
            "moderate, severe, extreme); did you mean severe?");
}

TEST(FilterFlagsTest, ShortNamesRoundTrip) {
  EXPECT_EQ(ShortName(sitrep::v1::MISSION_KOSOVO_POLICE), "kosovo-police");
  EXPECT_EQ(ShortName(sitrep::v1::ROLE_THIRD_RESPONDER), "third");
  EXPECT_EQ(ShortName(sitrep::v1::KIND_REQUEST_SUPPORT), "request-support");
  EXPECT_EQ(*ParseRole(ShortName(sitrep::v1::ROLE_FIRST_RESPONDER)),
            sitrep::v1::ROLE_FIRST_RESPONDER);
}

TEST(FilterFlagsTest, DurationsIncludeDays) {
  EXPECT_EQ(*ParseDurationFlag("90s", "--x"), absl::Seconds(90));
  EXPECT_EQ(*ParseDurationFlag("2h30m", "--x"), absl::Minutes(150));
  EXPECT_EQ(*ParseDurationFlag("1d", "--x"), absl::Hours(24));
  EXPECT_EQ(*ParseDurationFlag("1d12h", "--x"), absl::Hours(36));
  EXPECT_FALSE(ParseDurationFlag("2", "--x").ok());
  EXPECT_FALSE(ParseDurationFlag("soon", "--x").ok());
  EXPECT_FALSE(ParseDurationFlag("", "--x").ok());
}

TEST(FilterFlagsTest, TimesAreAgoDurationsOrRfc3339) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(*ParseTimeFlag("2h", "--since", now), now - absl::Hours(2));
  EXPECT_EQ(*ParseTimeFlag("2023-11-14T22:13:20Z", "--since", now), now);
  EXPECT_EQ(*ParseTimeFlag("2023-11-15T00:13:20+02:00", "--since", now), now);
  absl::StatusOr<absl::Time> bad = ParseTimeFlag("yesterday", "--since", now);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--since"), std::string::npos);
}

TEST(FilterFlagsTest, FlagsBecomeTheApiFilter) {
  CLI::App app;
  FilterFlags flags;
  AddFilterFlags(&app, &flags);
  app.parse(std::vector<std::string>{
      // CLI11 parses the reversed vector form: last argument first.
      "42.8,20.7,43.3,21.0", "--bbox",
      "route=A,unit in (x,y)", "-l",
      "escalate,new", "--kind",
      "Zvečan", "--municipality", "Zubin Potok", "--municipality",
      "kp-1", "--incident",
      "patrol,crime", "--category",
      "severe", "--min-severity",
      "third", "--role",
      "kfor,eulex", "--mission"});
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(flags);
  ASSERT_TRUE(filter.ok()) << filter.status();
  // Repeated flags keep their order (CLI11 reads the reversed vector from
  // the back: the last element is the first argument).
  EXPECT_THAT(filter->missions(), ElementsAre(sitrep::v1::MISSION_KFOR, sitrep::v1::MISSION_EULEX));
  EXPECT_THAT(filter->roles(), ElementsAre(sitrep::v1::ROLE_THIRD_RESPONDER));
  EXPECT_EQ(filter->min_severity(), sitrep::v1::SEVERITY_SEVERE);
  EXPECT_THAT(filter->categories(),
              ElementsAre(sitrep::v1::CATEGORY_PATROL, sitrep::v1::CATEGORY_CRIME));
  EXPECT_THAT(filter->municipalities(), ElementsAre("Zubin Potok", "Zvečan"));
  EXPECT_THAT(filter->incident_ids(), ElementsAre("kp-1"));
  EXPECT_THAT(filter->kinds(), ElementsAre(sitrep::v1::KIND_ESCALATE, sitrep::v1::KIND_NEW));
  EXPECT_EQ(filter->label_selector(), "route=A,unit in (x,y)");
  EXPECT_EQ(filter->bounding_box().ShortDebugString(),
            "min_latitude: 42.8 min_longitude: 20.7 max_latitude: 43.3 max_longitude: 21");
}

TEST(FilterFlagsTest, EmptyFlagsAreTheEmptyFilter) {
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(FilterFlags());
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->ByteSizeLong(), 0u);
}

TEST(FilterFlagsTest, BadBoundingBoxIsRejected) {
  FilterFlags flags;
  flags.bbox = "43,21,42";
  EXPECT_EQ(BuildFilter(flags).status().code(), absl::StatusCode::kInvalidArgument);
  flags.bbox = "43.3,21,42.8,20.7";  // min > max
  EXPECT_EQ(BuildFilter(flags).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sitrep::cli
