#include "client/check_thresholds.h"

#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

TEST(CheckThresholdsTest, AlertsWhenTheValueIsAboveNotAtTheThreshold) {
  const Thresholds t{10.0, 20.0};
  EXPECT_EQ(Judge(0, t), PluginState::kOk);
  EXPECT_EQ(Judge(10, t), PluginState::kOk);
  EXPECT_EQ(Judge(10.5, t), PluginState::kWarning);
  EXPECT_EQ(Judge(20, t), PluginState::kWarning);
  EXPECT_EQ(Judge(21, t), PluginState::kCritical);
  EXPECT_EQ(Judge(1e9, Thresholds{}), PluginState::kOk);
  EXPECT_EQ(Judge(5, Thresholds{std::nullopt, 4.0}), PluginState::kCritical);
  EXPECT_EQ(Judge(5, Thresholds{4.0, std::nullopt}), PluginState::kWarning);
}

TEST(CheckThresholdsTest, DurationFlagsBecomeSeconds) {
  absl::StatusOr<Thresholds> t = ParseDurationThresholds("15m", "--w", "1h", "--c");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->warn, 900.0);
  EXPECT_EQ(t->crit, 3600.0);
  t = ParseDurationThresholds("", "--w", "1d", "--c");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->warn.has_value());
  EXPECT_EQ(t->crit, 86400.0);
  EXPECT_TRUE(t->any());
  t = ParseDurationThresholds("", "--w", "", "--c");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->any());
}

TEST(CheckThresholdsTest, BadOrInvertedThresholdsNameTheFlag) {
  absl::StatusOr<Thresholds> t = ParseDurationThresholds("2h", "--w", "1h", "--c");
  EXPECT_EQ(t.status().message(), "--w: must not be above --c");
  t = ParseDurationThresholds("soon", "--w", "", "--c");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("--w"), std::string::npos);
  EXPECT_TRUE(ParseDurationThresholds("1h", "--w", "1h", "--c").ok());  // equal is allowed

  EXPECT_EQ(CountThresholds(-1, "--w", std::nullopt, "--c").status().message(),
            "--w: must be >= 0");
  EXPECT_EQ(CountThresholds(5, "--w", 2, "--c").status().message(),
            "--w: must not be above --c");
  absl::StatusOr<Thresholds> n = CountThresholds(0, "--w", std::nullopt, "--c");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->warn, 0.0);
  EXPECT_FALSE(n->crit.has_value());
}

}  // namespace
}  // namespace sitrep::cli
