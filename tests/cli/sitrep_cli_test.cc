// The real `sitrep` binary against a real sitrepd (its own temp data dir and
// free port per test): what issue 3 lists under Tests.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/cli/sitrepd_cli_test_base.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/subprocess.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::ExitStatus;
using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::Subprocess;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using sitrep::v1::SituationUpdate;

constexpr absl::Duration kWait = absl::Seconds(60);

std::vector<SituationUpdate> ParseUpdates(const std::string& jsonl) {
  std::vector<SituationUpdate> updates;
  for (const std::string& line : Lines(jsonl)) {
    SituationUpdate update;
    // Updates by which an incident leaves a filtered view carry a
    // "leftView" field of their own (docs/cli.md).
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status = google::protobuf::util::JsonStringToMessage(line, &update, options);
    EXPECT_TRUE(status.ok()) << line;
    updates.push_back(update);
  }
  return updates;
}

std::vector<uint64_t> Sequences(const std::string& jsonl) {
  std::vector<uint64_t> out;
  for (const SituationUpdate& u : ParseUpdates(jsonl)) out.push_back(u.sequence());
  return out;
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t s = from; s <= to; ++s) out.push_back(s);
  return out;
}

// A valid stand-alone report as one JSON line (bare SituationUpdate).
std::string PatrolLine(int n, const char* mission = "MISSION_KFOR",
                       const char* role = "ROLE_THIRD_RESPONDER") {
  static const char* const kPlaces[] = {"Zveçan", "Zvečan", "Mitrovica North", "Prishtinë",
                                        "Leposaviq"};
  return absl::StrCat(R"({"mission":")", mission, R"(","role":")", role,
                      R"(","severity":"SEVERITY_MINOR","category":"CATEGORY_PATROL",)",
                      R"("headline":"Patrol report )", n, R"(: situation calm",)",
                      R"("location":{"municipality":")", kPlaces[n % 5], R"("}})");
}

class SitrepCliTest : public SitrepdCliTest {
 protected:
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  // Publishes `lines` (JSON lines) through `sitrep import`.
  void Import(const std::vector<std::string>& lines) {
    static int files = 0;
    const std::string path =
        WriteFile(absl::StrCat("import-", ++files, ".jsonl"), absl::StrJoin(lines, "\n") + "\n");
    RunResult r = Sitrep({"import", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST_F(SitrepCliTest, HealthSaysServing) {
  RunResult r = Sitrep({"health"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
}

TEST_F(SitrepCliTest, PublishedViaFlagsAndStdinJsonAreWhatSubscribeSees) {
  RunResult r = Sitrep({"publish", "--mission", "kfor", "--role", "third", "--severity",
                        "severe", "--category", "public_order", "--municipality", "Zveçan",
                        "--place", "Rudare", "--headline", "Road blocked at Rudare",
                        "--incident", "kfor-1", "--kind", "new", "--label", "route=R1",
                        "--label", "unit=RC-East", "-o", "json",
                        // KFOR opening breaks the chain's open-by-first-responder
                        // rule: an exception, which the flags carry too.
                        "--chain-exception", "no police on site"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  sitrep::v1::PublishResponse response;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &response).ok()) << r.out;
  EXPECT_EQ(response.sequence(), 1u);
  EXPECT_EQ(response.incident_version(), 1u);

  const std::string json = R"({"update": {"eventId": "eulex-jarinje-1",
      "mission": "MISSION_EULEX", "role": "ROLE_SECOND_RESPONDER",
      "severity": "SEVERITY_MODERATE", "category": "CATEGORY_BORDER_CROSSING",
      "headline": "Jarinje crossing closed",
      "location": {"municipality": "Leposavić", "place": "Jarinje"},
      "labels": {"crossing": "Jarinje"}}})";
  r = Sitrep({"publish", "-"}, json);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("#2 published (event id eulex-jarinje-1"));
  r = Sitrep({"publish", "-"}, json);  // again: a duplicate, not a new update
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("#2 duplicate"));

  r = Sitrep({"subscribe", "--from-beginning", "--output", "jsonl", "--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<SituationUpdate> updates = ParseUpdates(r.out);
  ASSERT_EQ(updates.size(), 2u) << r.out;
  const SituationUpdate& a = updates[0];
  EXPECT_EQ(a.sequence(), 1u);
  EXPECT_EQ(a.mission(), sitrep::v1::MISSION_KFOR);
  EXPECT_EQ(a.role(), sitrep::v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(a.severity(), sitrep::v1::SEVERITY_SEVERE);
  EXPECT_EQ(a.category(), sitrep::v1::CATEGORY_PUBLIC_ORDER);
  EXPECT_EQ(a.location().municipality(), "zvecan");
  EXPECT_EQ(a.location().place(), "Rudare");
  EXPECT_EQ(a.headline(), "Road blocked at Rudare");
  EXPECT_EQ(a.incident_id(), "kfor-1");
  EXPECT_EQ(a.kind(), sitrep::v1::KIND_NEW);
  EXPECT_EQ(a.chain_exception().reason(), "no police on site");
  EXPECT_EQ(a.labels().at("route"), "R1");
  EXPECT_EQ(a.labels().at("unit"), "RC-East");
  EXPECT_TRUE(a.has_occurred_at());
  EXPECT_TRUE(a.has_received_at());
  const SituationUpdate& b = updates[1];
  EXPECT_EQ(b.sequence(), 2u);
  EXPECT_EQ(b.event_id(), "eulex-jarinje-1");
  EXPECT_EQ(b.mission(), sitrep::v1::MISSION_EULEX);
  EXPECT_EQ(b.category(), sitrep::v1::CATEGORY_BORDER_CROSSING);
  EXPECT_EQ(b.location().municipality(), "leposaviq");
  EXPECT_EQ(b.labels().at("crossing"), "Jarinje");
}

TEST_F(SitrepCliTest, PublishRejectedByTheServerIsOneLineWithTheStatus) {
  RunResult r = Sitrep({"publish", "--mission", "kfor", "--severity", "minor", "--category",
                        "patrol", "--municipality", "Atlantis", "--headline", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("sitrep: publish failed: INVALID_ARGUMENT: "));
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
}

TEST_F(SitrepCliTest, ImportOfTenThousandLinesLandsOnceEvenWhenRepeated) {
  std::string content;
  for (int i = 0; i < 10000; ++i) absl::StrAppend(&content, PatrolLine(i), "\n");
  const std::string path = WriteFile("big.jsonl", content);

  RunResult r = Sitrep({"import", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("10000 lines: 10000 stored, 0 duplicates"));

  r = Sitrep({"import", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("10000 lines: 0 stored, 10000 duplicates"));

  r = Sitrep({"history", "--limit", "0", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), Range(1, 10000));
}

TEST_F(SitrepCliTest, ImportWaitsForThePublishRateLimitInsteadOfFailingLines) {
  // A server that takes 2,000 updates/s after a burst of 100: most of the
  // file is refused at first, and every line must land all the same.
  server_->Stop();
  ASSERT_NO_FATAL_FAILURE(
      server_->Start(0, {"--publish_rate=2000", "--publish_burst=100"}));
  std::string content;
  for (int i = 0; i < 1500; ++i) absl::StrAppend(&content, PatrolLine(i), "\n");
  const std::string path = WriteFile("fast.jsonl", content);

  RunResult r = Sitrep({"import", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("1500 lines: 1500 stored, 0 duplicates (already "
                               "stored), 0 failed"));
  EXPECT_THAT(r.err, HasSubstr("waited for the publish rate limit"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("RESOURCE_EXHAUSTED")));

  r = Sitrep({"history", "--limit", "0", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), Range(1, 1500));
}

TEST_F(SitrepCliTest, ImportReportsEveryBadLineByNumberAndGoesOn) {
  const std::string path = WriteFile(
      "bad.jsonl",
      absl::StrCat(PatrolLine(1), "\n",                                   // 1 ok
                   "{not json\n",                                         // 2
                   R"({"mission":"MISSION_NATO","headline":"x"})", "\n",  // 3
                   "\n",                                                  // 4 blank
                   R"({"mission":"MISSION_KFOR","role":"ROLE_THIRD_RESPONDER",)"
                   R"("severity":"SEVERITY_MINOR","category":"CATEGORY_PATROL"})",
                   "\n",                                                  // 5 no headline
                   PatrolLine(6), "\n"));                                 // 6 ok
  RunResult r = Sitrep({"import", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("line 2: "));
  EXPECT_THAT(r.err, HasSubstr("line 3: "));
  EXPECT_THAT(r.err, HasSubstr("line 5: INVALID_ARGUMENT: "));
  EXPECT_THAT(r.err, HasSubstr("headline"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("line 1:")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("line 4:")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("line 6:")));
  EXPECT_THAT(r.err, HasSubstr("2 stored, 0 duplicates (already stored), 3 failed"));
}

TEST_F(SitrepCliTest, TailResumesAcrossAServerRestartWithoutGapOrDuplicate) {
  std::unique_ptr<Subprocess> tail =
      StartSitrep({"tail", "--from-beginning", "--output", "jsonl"});
  Import({PatrolLine(1), PatrolLine(2), PatrolLine(3)});
  ASSERT_TRUE(tail->WaitForStdout([](const std::string& out) { return Lines(out).size() >= 3; },
                                  kWait))
      << tail->stderr_text();

  const int port = server_->port();
  server_->Stop();
  ASSERT_TRUE(tail->WaitForStderr(
      [](const std::string& err) { return absl::StrContains(err, "reconnecting"); }, kWait))
      << tail->stderr_text();
  ASSERT_NO_FATAL_FAILURE(server_->Start(port));  // same data dir, same port
  Import({PatrolLine(4), PatrolLine(5), PatrolLine(6), PatrolLine(7)});
  ASSERT_TRUE(tail->WaitForStdout([](const std::string& out) { return Lines(out).size() >= 7; },
                                  kWait))
      << tail->stderr_text();

  tail->Signal(SIGTERM);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0)) << tail->stderr_text();
  EXPECT_EQ(Sequences(tail->stdout_text()), Range(1, 7)) << tail->stdout_text();
}

TEST_F(SitrepCliTest, CursorFileMakesARestartedCliPrintExactlyTheMissedUpdates) {
  const std::string cursor = dir_.path() + "/cursor.json";
  Import({PatrolLine(1), PatrolLine(2), PatrolLine(3)});
  RunResult r = Sitrep({"tail", "--from-beginning", "--cursor-file", cursor, "-o", "jsonl",
                        "--count", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), Range(1, 3));

  Import({PatrolLine(4), PatrolLine(5)});
  // The start flag only applies to a first run: the file wins.
  r = Sitrep({"tail", "--from-beginning", "--cursor-file", cursor, "-o", "jsonl",
              "--until-caught-up"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), Range(4, 5));
  EXPECT_THAT(r.err, HasSubstr("resuming after #3"));

  // Stopped by a signal while live: the cursor is saved on the way out.
  std::unique_ptr<Subprocess> tail = StartSitrep({"tail", "--cursor-file", cursor, "-o", "jsonl"});
  Import({PatrolLine(6)});
  ASSERT_TRUE(tail->WaitForStdout([](const std::string& out) { return Lines(out).size() >= 1; },
                                  kWait))
      << tail->stderr_text();
  tail->Signal(SIGTERM);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0)) << tail->stderr_text();
  EXPECT_EQ(Sequences(tail->stdout_text()), Range(6, 6));

  Import({PatrolLine(7)});
  r = Sitrep({"tail", "--cursor-file", cursor, "-o", "jsonl", "--until-caught-up"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), Range(7, 7));
}

TEST_F(SitrepCliTest, CursorOfAnotherLogStopsWithAClearMessage) {
  Import({PatrolLine(1)});
  const std::string cursor =
      WriteFile("cursor.json", R"({"log_id":"not-this-log","sequence":"1"})");
  RunResult r = Sitrep({"tail", "--cursor-file", cursor, "-o", "jsonl"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(r.err, HasSubstr("Remove " + cursor + " to start over"));
}

class SitrepCliFilterTest : public SitrepCliTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SitrepCliTest::SetUp());
    // i-1 is opened by KFOR and updated by EULEX out of turn (chain
    // exceptions): filters by mission and role need two missions on it.
    Import({
        // 1
        R"({"mission":"MISSION_KFOR","role":"ROLE_THIRD_RESPONDER","severity":"SEVERITY_SEVERE",)"
        R"("chainException":{"reason":"test data"},)"
        R"("category":"CATEGORY_PUBLIC_ORDER","incidentId":"i-1","kind":"KIND_NEW",)"
        R"("headline":"Crowd at Rudare","location":{"municipality":"Zveçan"},"labels":{"route":"A"}})",
        // 2
        R"({"mission":"MISSION_EULEX","role":"ROLE_SECOND_RESPONDER","severity":"SEVERITY_MINOR",)"
        R"("category":"CATEGORY_BORDER_CROSSING","headline":"Jarinje open",)"
        R"("location":{"municipality":"Leposaviq"},"labels":{"crossing":"Jarinje"}})",
        // 3
        R"({"mission":"MISSION_KOSOVO_POLICE","role":"ROLE_FIRST_RESPONDER",)"
        R"("severity":"SEVERITY_MODERATE","category":"CATEGORY_PATROL","headline":"Patrol",)"
        R"("location":{"municipality":"Prishtinë"},"labels":{"route":"B"}})",
        // 4
        R"({"mission":"MISSION_KOSOVO_POLICE","role":"ROLE_FIRST_RESPONDER",)"
        R"("severity":"SEVERITY_EXTREME","category":"CATEGORY_CRIME","incidentId":"i-2",)"
        R"("kind":"KIND_NEW","headline":"Shots fired","location":{"municipality":"Zubin Potok"}})",
        // 5
        R"({"mission":"MISSION_EULEX","role":"ROLE_SECOND_RESPONDER","severity":"SEVERITY_SEVERE",)"
        R"("chainException":{"reason":"test data"},)"
        R"("category":"CATEGORY_PUBLIC_ORDER","incidentId":"i-1","kind":"KIND_UPDATE",)"
        R"("headline":"Crowd growing","location":{"municipality":"Zvečan"}})",
        // 6
        R"({"mission":"MISSION_KOSOVO_POLICE","role":"ROLE_FIRST_RESPONDER",)"
        R"("severity":"SEVERITY_MINOR","category":"CATEGORY_CRIME","incidentId":"i-2",)"
        R"("kind":"KIND_RESOLVE","headline":"Suspect arrested","location":{"municipality":"Zubin Potok"}})",
    });
  }

  std::vector<uint64_t> Subscribed(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"subscribe", "-o", "jsonl", "--until-caught-up"});
    if (std::find(flags.begin(), flags.end(), "--after") == flags.end() &&
        std::find(flags.begin(), flags.end(), "--since") == flags.end()) {
      flags.push_back("--from-beginning");
    }
    RunResult r = Sitrep(flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Sequences(r.out);
  }
};

TEST_F(SitrepCliFilterTest, EveryFilterFlagMapsToTheServersFilter) {
  // Besides the matching updates, Subscribe sends an incident update whose
  // previous update matched: the one by which the incident leaves the view
  // (5 takes i-1 from KFOR to EULEX, 6 resolves i-2 at MINOR).
  EXPECT_THAT(Subscribed({"--mission", "kfor"}), ElementsAre(1, 5));
  EXPECT_THAT(Subscribed({"--mission", "eulex,kp"}), ElementsAre(2, 3, 4, 5, 6));
  EXPECT_THAT(Subscribed({"--role", "second"}), ElementsAre(2, 5));
  EXPECT_THAT(Subscribed({"--min-severity", "severe"}), ElementsAre(1, 4, 5, 6));
  EXPECT_THAT(Subscribed({"--category", "patrol"}), ElementsAre(3));
  EXPECT_THAT(Subscribed({"--municipality", "Zvečan"}), ElementsAre(1, 5));
  EXPECT_THAT(Subscribed({"--incident", "i-2"}), ElementsAre(4, 6));
  EXPECT_THAT(Subscribed({"-l", "route=A"}), ElementsAre(1, 5));
  EXPECT_THAT(Subscribed({"--selector", "crossing"}), ElementsAre(2));
  EXPECT_THAT(Subscribed({"--kind", "new"}), ElementsAre(1, 4));
}

TEST_F(SitrepCliFilterTest, EveryStartPositionMapsToTheServersStart) {
  EXPECT_THAT(Subscribed({"--after", "4"}), ElementsAre(5, 6));
  EXPECT_THAT(Subscribed({"--since", "1h"}), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(Subscribed({"--since", "2099-01-01T00:00:00Z"}), ElementsAre());

  // --situation: the open incident's latest update, then the snapshot end.
  std::unique_ptr<Subprocess> tail =
      StartSitrep({"tail", "--situation", "-o", "jsonl", "--markers"});
  ASSERT_TRUE(tail->WaitForStdout(
      [](const std::string& out) { return absl::StrContains(out, "snapshotEnd"); }, kWait))
      << tail->stderr_text();
  tail->Signal(SIGTERM);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0));
  std::vector<std::string> lines = Lines(tail->stdout_text());
  std::vector<std::string> updates;
  for (const std::string& line : lines) {
    if (absl::StrContains(line, "snapshotEnd")) break;
    if (!absl::StrContains(line, "\"cursor\"")) updates.push_back(line);
  }
  EXPECT_EQ(Sequences(absl::StrJoin(updates, "\n")), std::vector<uint64_t>{5}) << tail->stdout_text();
}

TEST_F(SitrepCliFilterTest, HistoryPagesWithFiltersAndRanges) {
  RunResult r = Sitrep({"history", "--mission", "kp", "-o", "jsonl", "--page-size", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Sequences(r.out), ElementsAre(3, 4, 6));
  r = Sitrep({"history", "--from-seq", "2", "--to-seq", "3", "-o", "jsonl"});
  EXPECT_THAT(Sequences(r.out), ElementsAre(2, 3));
  r = Sitrep({"history", "--desc", "--limit", "2", "-o", "jsonl"});
  EXPECT_THAT(Sequences(r.out), ElementsAre(6, 5));
  r = Sitrep({"history", "-o", "table"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Crowd at Rudare"));
  EXPECT_THAT(r.err, HasSubstr("6 updates"));
}

TEST_F(SitrepCliFilterTest, SituationShowsTheOpenIncidentsByMunicipality) {
  RunResult r = Sitrep({"situation", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"incidentId\":\"i-1\""));
  r = Sitrep({"situation", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Zveçan / Zvečan (1 incident)"));
  EXPECT_THAT(r.out, HasSubstr("Crowd growing"));
  EXPECT_THAT(r.out, HasSubstr("1 current incident as of"));
}

TEST_F(SitrepCliTest, DemoPublishesAValidFeedDeterministically) {
  RunResult r = Sitrep({"demo", "--seed", "7", "--run-id", "t1", "--count", "80", "--rate",
                        "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("80 published, 0 duplicates (resent), 0 failed"));
  EXPECT_THAT(r.err, HasSubstr("0 incidents left open"));
  r = Sitrep({"history", "--limit", "0", "-o", "jsonl"});
  std::vector<SituationUpdate> updates = ParseUpdates(r.out);
  ASSERT_GE(updates.size(), 80u);
  EXPECT_EQ(updates[0].event_id(), "t1-e000001");
  // After the 80: the demo closes what it left open, by the lead.
  for (size_t i = 80; i < updates.size(); ++i) {
    EXPECT_EQ(updates[i].kind(), sitrep::v1::KIND_RESOLVE) << updates[i].ShortDebugString();
  }
  r = Sitrep({"situation", "-o", "table"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 current incidents"));
}

}  // namespace
}  // namespace sitrep::cli_testing
