// What a duty officer types, as the real `sitrep` against a real sitrepd
// (issue 19, input): municipality names in use, "did you mean" for a typo,
// JSON input with the flags' short enum names and every wrong field at
// once, and the spelling of `check`'s perfdata labels.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_cli_test_base.h"
#include "tests/support/subprocess.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;

class CliInputTest : public SitrepdCliTest {
 protected:
  RunResult PublishAt(const std::string& municipality) {
    return Sitrep({"publish", "--mission", "kp", "--severity", "minor",
                   "--category", "patrol", "--headline", "Patrol",
                   "--municipality", municipality});
  }
};

TEST_F(CliInputTest, NamesInUseAreAccepted) {
  for (const char* name :
       {"Kosovska Kamenica", "Косовска Каменица", "Северна Митровица",
        "Јужна Митровица", "Klokot-Vrbovac", "Vuçitërn", "Theranda",
        "Dardanë", "Artanë"}) {
    RunResult r = PublishAt(name);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
  }
  RunResult r = Sitrep({"history", "-o", "jsonl", "--municipality",
                        "kamenice,mitrovice-e-veriut,mitrovice,kllokot,"
                        "vushtrri,suhareke,novoberde"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 9u) << r.out;
}

TEST_F(CliInputTest, AMisspeltMunicipalityGetsASuggestionWhenPublishing) {
  RunResult r = PublishAt("Pristine");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("update.location.municipality: 'Pristine' is not "
                               "a municipality of Kosovo; did you mean "
                               "Prishtinë?"));
}

TEST_F(CliInputTest, AMisspeltMunicipalityInAFilterSaysWhatKosovoWideIs) {
  RunResult r = Sitrep({"history", "--municipality", "Zvecann"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("'Zvecann' is not a municipality of Kosovo; did "
                               "you mean Zveçan?"));
  EXPECT_THAT(r.err, HasSubstr("without them the filter is Kosovo-wide"));
}

TEST_F(CliInputTest, AMisspeltFlagValueGetsASuggestion) {
  RunResult r = Sitrep({"history", "--mission", "kforr"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "sitrep: --mission: unknown value 'kforr' (valid: kfor, eulex, "
            "kosovo-police); did you mean kfor?\n");
}

TEST_F(CliInputTest, PublishJsonTakesShortCaseInsensitiveEnumNames) {
  RunResult r = Sitrep(
      {"publish", "-"},
      R"json({"mission": "kp", "role": "First", "severity": "Severe",
              "category": "public-order", "incidentId": "kp-19",
              "kind": "new", "headline": "Crowd at the bridge"})json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Sitrep({"publish", "-"},
             R"json({"update": {"mission": "kosovo-police", "severity": "moderate",
                     "category": "Public_Order", "incidentId": "kp-19",
                     "kind": "update", "headline": "Calmer"}})json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Sitrep({"history", "--incident", "kp-19", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r.out;
  EXPECT_THAT(Lines(r.out)[0], HasSubstr("\"severity\":\"SEVERITY_SEVERE\""));
  EXPECT_THAT(Lines(r.out)[1], HasSubstr("\"kind\":\"KIND_UPDATE\""));
}

TEST_F(CliInputTest, PublishJsonReportsEveryWrongFieldInOrder) {
  RunResult r = Sitrep({"publish", "-"},
                       R"json({"mission": "kforr", "severity": "big",
                               "missoin": "kfor", "headline": 5})json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "sitrep: stdin: not a SituationUpdate (or a PublishRequest with "
            "\"update\"): mission: 'kforr' is not a mission; accepted: kfor, "
            "eulex, kosovo-police (any case); did you mean kfor?; severity: "
            "'big' is not a severity; accepted: unknown, minor, moderate, "
            "severe, extreme (any case); missoin: unknown field; did you mean "
            "mission?; headline: expected a string, not a number\n");
}

TEST_F(CliInputTest, ImportTakesShortEnumNames) {
  RunResult r = Sitrep(
      {"import", "-"},
      "{\"mission\": \"kfor\", \"role\": \"third\", \"severity\": \"minor\", "
      "\"category\": \"patrol\", \"headline\": \"KFOR patrol\"}\n"
      "{\"mission\": \"EULEX\", \"role\": \"second\", \"severity\": \"Minor\", "
      "\"category\": \"patrol\", \"headline\": \"EULEX patrol\"}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 stored"));
  EXPECT_THAT(r.err, Not(HasSubstr("line ")));
}

TEST_F(CliInputTest, CheckPerfdataLabelsAreSnakeCaseLikeMetricLabels) {
  ASSERT_EQ(PublishAt("Zveçan").exit_code, 0);
  RunResult r = Sitrep({"check", "--mission", "kp", "--stale-warning", "1h"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The text keeps the CLI's spelling; the perfdata label the metrics'.
  EXPECT_THAT(r.out, HasSubstr("kosovo-police: last update"));
  EXPECT_THAT(r.out, HasSubstr("'last_update_age_kosovo_police'="));
  EXPECT_THAT(r.out, Not(HasSubstr("last_update_age_kosovo-police")));
}

}  // namespace
}  // namespace sitrep::cli_testing
