#include "client/plugin_output.h"

#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

TEST(PluginOutputTest, ExitCodesAreTheMonitoringPluginOnes) {
  EXPECT_EQ(static_cast<int>(PluginState::kOk), 0);
  EXPECT_EQ(static_cast<int>(PluginState::kWarning), 1);
  EXPECT_EQ(static_cast<int>(PluginState::kCritical), 2);
  EXPECT_EQ(static_cast<int>(PluginState::kUnknown), 3);
}

TEST(PluginOutputTest, CriticalBeatsWarningBeatsUnknownBeatsOk) {
  using S = PluginState;
  EXPECT_EQ(WorseState(S::kOk, S::kUnknown), S::kUnknown);
  EXPECT_EQ(WorseState(S::kUnknown, S::kWarning), S::kWarning);
  EXPECT_EQ(WorseState(S::kCritical, S::kUnknown), S::kCritical);
  EXPECT_EQ(WorseState(S::kWarning, S::kCritical), S::kCritical);
  EXPECT_EQ(WorseState(S::kOk, S::kOk), S::kOk);
  EXPECT_EQ(OverallState({}), S::kUnknown);  // nothing was checked
}

TEST(PluginOutputTest, ConfigurationErrorsAreUnknownServerFailuresCritical) {
  using S = PluginState;
  EXPECT_EQ(PluginStateFor(grpc::Status::OK), S::kOk);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::UNAUTHENTICATED, ""}), S::kUnknown);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::PERMISSION_DENIED, ""}), S::kUnknown);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::INVALID_ARGUMENT, ""}), S::kUnknown);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::UNAVAILABLE, ""}), S::kCritical);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::DEADLINE_EXCEEDED, ""}), S::kCritical);
  EXPECT_EQ(PluginStateFor({grpc::StatusCode::INTERNAL, ""}), S::kCritical);
}

TEST(PluginOutputTest, PerfDatumInTheNagiosFormat) {
  EXPECT_EQ(FormatPerfDatum({"time", 0.0042, "s", std::nullopt, std::nullopt, 0.0, std::nullopt}),
            "'time'=0.004s;;;0");
  EXPECT_EQ(FormatPerfDatum({"last_update_age_kfor", 42.5, "s", 900.0, 3600.0, 0.0, std::nullopt}),
            "'last_update_age_kfor'=42.5s;900;3600;0");
  EXPECT_EQ(FormatPerfDatum({"severe_incidents", 3.0, "", 1.0, 5.0, 0.0, 100.0}),
            "'severe_incidents'=3;1;5;0;100");
  // Undetermined: U, without a unit.
  EXPECT_EQ(FormatPerfDatum({"age", std::nullopt, "s", std::nullopt, 60.0, 0.0, std::nullopt}),
            "'age'=U;;60;0");
  // No trailing empty fields; no exponent for large or small numbers.
  EXPECT_EQ(FormatPerfDatum({"n", 1e9, "", std::nullopt, std::nullopt, std::nullopt,
                             std::nullopt}),
            "'n'=1000000000");
  EXPECT_EQ(FormatPerfDatum({"t", 0.0001, "s", 0.001, std::nullopt, std::nullopt,
                             std::nullopt}),
            "'t'=0s;0.001");
  // A quote in a label is doubled; '=' would end the label.
  EXPECT_EQ(FormatPerfDatum({"it's a=b", 1.0, "", std::nullopt, std::nullopt, std::nullopt,
                             std::nullopt}),
            "'it''s a_b'=1");
}

TEST(PluginOutputTest, OneLineWorstFindingFirstThenPerfdata) {
  const std::string line = FormatPluginOutput(
      {{PluginState::kOk, "server SERVING"},
       {PluginState::kWarning, "kfor: last update 20m ago (> 15m)"},
       {PluginState::kCritical, "eulex: no update stored"},
       {PluginState::kOk, "0 severe/extreme incidents open"}},
      {{"time", 0.002, "s", std::nullopt, std::nullopt, 0.0, std::nullopt}});
  EXPECT_EQ(line,
            "SITREP CRITICAL - eulex: no update stored; kfor: last update 20m ago (> 15m); "
            "server SERVING; 0 severe/extreme incidents open | 'time'=0.002s;;;0\n");
}

TEST(PluginOutputTest, TextCannotBreakTheLine) {
  // '|' would start the perfdata; a newline would start the long output.
  EXPECT_EQ(FormatPluginOutput({{PluginState::kCritical, "a | b\nc"}}, {}),
            "SITREP CRITICAL - a / b c\n");
  EXPECT_EQ(FormatPluginOutput({}, {}), "SITREP UNKNOWN - nothing checked\n");
}

}  // namespace
}  // namespace sitrep::cli
