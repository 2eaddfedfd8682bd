#include "client/output.h"

#include "client/terminal_text.h"

#include "google/protobuf/text_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/render_testing.h"

namespace sitrep::cli {
namespace {

const char kUpdate[] = R"pb(
  sequence: 42 mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER
  severity: SEVERITY_SEVERE category: CATEGORY_PUBLIC_ORDER
  incident_id: "kp-7" kind: KIND_ESCALATE
  occurred_at { seconds: 1700000000 }
  headline: "KFOR takes over at Ibar bridge"
  location { municipality: "mitrovice-e-veriut" })pb";

TEST(OutputTest, FormatDefaultsToTableOnATerminalAndJsonlWhenPiped) {
  EXPECT_EQ(*ParseOutputFormat("", true), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("", false), OutputFormat::kJsonl);
  EXPECT_EQ(*ParseOutputFormat("json", true), OutputFormat::kJson);
  EXPECT_FALSE(ParseOutputFormat("yaml", true).ok());
}

TEST(OutputTest, TableRowShowsTheUpdateInColumns) {
  const std::string row =
      UpdateTableRow(Parse<sitrep::v1::SituationUpdate>(kUpdate), Plain());
  EXPECT_EQ(row,
            "     42  2023-11-14 22:13:20Z  kfor           third    severe    "
            "public-order        Mitrovicë e Veriut  kp-7                  "
            "escalate         KFOR takes over at Ibar bridge\n");
}

TEST(OutputTest, TableFitsTheWidthCuttingTheHeadlineLast) {
  RenderOptions options = Plain();
  options.width = 120;
  const std::string header = UpdateTableHeader(options);
  const std::string row = UpdateTableRow(Parse<sitrep::v1::SituationUpdate>(kUpdate), options);
  EXPECT_EQ(header,
            "  SEQ TIME (UTC)           MISS… ROLE   SEVERITY CATEG… MUNICIPALITY       "
            "INCIDENT KIND    HEADLINE\n");
  EXPECT_EQ(row,
            "   42 2023-11-14 22:13:20Z kfor  third  severe   publi… Mitrovicë e Veriut "
            "kp-7     escala… KFOR takes over at Ibar bri…\n");
  options.width = 100;  // the headline shrinks to its minimum before the municipality
  EXPECT_THAT(UpdateTableRow(Parse<sitrep::v1::SituationUpdate>(kUpdate), options),
              ::testing::HasSubstr(" Mitrovicë e V… kp-7     escala… KFOR takes …\n"));
}

TEST(OutputTest, LocalTimesCarryTheirOffset) {
  RenderOptions options = Plain();
  options.time.utc = false;
  options.time.zone = absl::FixedTimeZone(3600);
  EXPECT_THAT(UpdateTableHeader(options), ::testing::HasSubstr("TIME (local)"));
  EXPECT_THAT(UpdateTableRow(Parse<sitrep::v1::SituationUpdate>(kUpdate), options),
              ::testing::HasSubstr("  2023-11-14 23:13:20+01:00  kfor  "));
}

TEST(OutputTest, SeverityIsColouredOnlyWhenAsked) {
  RenderOptions colour = Plain();
  colour.color = true;
  const auto update = Parse<sitrep::v1::SituationUpdate>(kUpdate);
  EXPECT_NE(UpdateTableRow(update, colour).find("\033[1;31msevere\033[0m"), std::string::npos);
  EXPECT_EQ(UpdateTableRow(update, Plain()).find('\033'), std::string::npos);
}

TEST(OutputTest, JsonIsProtobufsJsonMapping) {
  EXPECT_EQ(ToJson(Parse<sitrep::v1::SituationUpdate>(
                       R"pb(sequence: 42 mission: MISSION_KFOR headline: "x")pb"),
                   false),
            R"({"mission":"MISSION_KFOR","headline":"x","sequence":"42"})");
}

TEST(OutputTest, MarkersReadAsSentences) {
  EXPECT_EQ(MarkerText(Parse<sitrep::v1::SubscribeResponse>("caught_up { sequence: 9 }")),
            "caught up at #9: history complete, live from here");
  EXPECT_NE(MarkerText(Parse<sitrep::v1::SubscribeResponse>(
                           "gap { from_sequence: 1 to_sequence: 5 }"))
                .find("GAP: updates #1..#5"),
            std::string::npos);
  EXPECT_EQ(MarkerText(Parse<sitrep::v1::SubscribeResponse>("heartbeat {}")), "");
}

// The lead, not the latest update's mission, says who is in charge; the
// incident's place, not the latest update's, groups it; the support state
// comes from the requests; exceptions are marked.
TEST(OutputTest, SituationShowsWhoLeadsWhereTheIncidentIsAndItsSupport) {
  const auto situation = Parse<sitrep::v1::Situation>(R"pb(
    sequence: 99 as_of { seconds: 1700000000 }
    incidents {
      incident_id: "kp-1"
      lead { mission: MISSION_EULEX tier: ROLE_SECOND_RESPONDER }
      support_requests { from_tier: ROLE_FIRST_RESPONDER to_tier: ROLE_SECOND_RESPONDER
                         to_mission: MISSION_EULEX state: STATE_ACKNOWLEDGED }
      support_requests { from_tier: ROLE_SECOND_RESPONDER to_tier: ROLE_THIRD_RESPONDER
                         to_mission: MISSION_KFOR state: STATE_OPEN
                         requested_at { seconds: 1699999760 } }
      opened_at { seconds: 1699992000 } peak_severity: SEVERITY_SEVERE
      location { municipality: "zvecan" place: "Rudare" }
      latest { mission: MISSION_KFOR role: ROLE_LIAISON severity: SEVERITY_MODERATE
               kind: KIND_UPDATE headline: "KFOR liaison note" }
    }
    incidents {
      incident_id: "kp-2"
      lead { mission: MISSION_KOSOVO_POLICE tier: ROLE_FIRST_RESPONDER }
      exceptions { sequence: 7 mission: MISSION_KFOR rule: "escalate-after-acknowledge" }
      opened_at { seconds: 1699999955 } peak_severity: SEVERITY_MINOR
      location { municipality: "prishtine" }
      latest { mission: MISSION_KOSOVO_POLICE severity: SEVERITY_MINOR kind: KIND_NEW
               headline: "Power line down" location { municipality: "prishtine" } }
    })pb");
  const std::string table = SituationTable(situation, Plain());
  EXPECT_NE(table.find("Prishtinë / Priština (1 incident)"), std::string::npos) << table;
  EXPECT_NE(table.find("Zveçan / Zvečan (1 incident)"), std::string::npos) << table;
  EXPECT_EQ(table.find("Kosovo-wide"), std::string::npos) << table;
  EXPECT_NE(table.find("LEAD"), std::string::npos) << table;
  EXPECT_NE(table.find("kp-1                  EULEX (second)  moderate  severe    2h13m   "
                       "KFOR asked 4m, …  update           KFOR liaison note"),
            std::string::npos) << table;
  EXPECT_NE(table.find("kp-2                  KP (first)      minor     minor     45s     "
                       "-                 new              !exception Power line down"),
            std::string::npos) << table;
  EXPECT_NE(table.find("2 current incidents as of 2023-11-14 22:13:20Z (consistent at #99)"),
            std::string::npos) << table;
  // Groups in name order: Prishtinë before Zveçan.
  EXPECT_LT(table.find("Prishtinë"), table.find("Zveçan"));
}

TEST(OutputTest, AnUpdateThatLeftTheViewIsMarkedWithItsReason) {
  const auto update = Parse<sitrep::v1::SituationUpdate>(kUpdate);
  const std::string row = LeftViewTableRow(update, "escalated to KFOR", Plain());
  EXPECT_NE(row.find("KFOR takes over at Ibar bridge  << left your view: escalated to KFOR\n"),
            std::string::npos) << row;
  EXPECT_EQ(LeftViewJson(update, "escalated to \"KFOR\"", false).rfind(
                R"({"leftView":"escalated to \"KFOR\"","mission":"MISSION_KFOR",)", 0),
            0u);
  EXPECT_EQ(LeftViewJson(update, "expired", true).rfind("{\n  \"leftView\": \"expired\",\n", 0),
            0u);
}

TEST(OutputTest, AgesAreShort) {
  EXPECT_EQ(FormatAge(absl::Seconds(45)), "45s");
  EXPECT_EQ(FormatAge(absl::Minutes(12)), "12m");
  EXPECT_EQ(FormatAge(absl::Minutes(133)), "2h13m");
  EXPECT_EQ(FormatAge(absl::Hours(76)), "3d4h");
}

// Issue 17, L-6: text stored before the server refused control and bidi
// characters is shown escaped in tables, never sent raw to the terminal.
TEST(OutputTest, TablesEscapeControlAndBidiCharacters) {
  auto update = Parse<sitrep::v1::SituationUpdate>(kUpdate);
  update.set_headline("Road \x1B[2Jclear \xE2\x80\xAE'gnp.exe' \xC2\x9B ok");
  const std::string row = UpdateTableRow(update, Plain());
  EXPECT_EQ(row.find('\x1B'), std::string::npos) << row;
  EXPECT_EQ(row.find("\xE2\x80\xAE"), std::string::npos) << row;
  EXPECT_NE(row.find("Road \\x1B[2Jclear \\u202E'gnp.exe' \\u009B ok"),
            std::string::npos)
      << row;
  sitrep::v1::Situation situation;
  sitrep::v1::Incident* incident = situation.add_incidents();
  incident->set_incident_id("kp-7");
  *incident->mutable_latest() = update;
  const std::string table = SituationTable(situation, Plain());
  EXPECT_EQ(table.find('\x1B'), std::string::npos) << table;
  EXPECT_NE(table.find("\\u202E"), std::string::npos) << table;
}

TEST(OutputTest, TerminalSafeKeepsTextAndEscapesInvalidBytes) {
  EXPECT_EQ(TerminalSafe("Mitrovicë – Митровица"), "Mitrovicë – Митровица");
  EXPECT_EQ(TerminalSafe("a\tb\nc"), "a\\x09b\\x0Ac");
  EXPECT_EQ(TerminalSafe("bad \xFF byte"), "bad \\xFF byte");
  EXPECT_EQ(TerminalSafe("\xE2\x81\xA6x\xE2\x81\xA9"), "\\u2066x\\u2069");
}

}  // namespace
}  // namespace sitrep::cli
