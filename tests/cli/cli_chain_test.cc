// The security chain through the real `sitrep` binary against a real
// sitrepd (issue 16): publishing in and out of turn, chain exceptions,
// `sitrep incident`'s timeline, the lead and place in `sitrep situation`,
// tail's left-view marks, `check --max-request-wait`, and a demo that plays
// by the rules and leaves nothing behind.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ContainsRegex;

constexpr absl::Duration kWait = absl::Seconds(60);

class CliChainTest : public SitrepdCliTest {
 protected:
  // `sitrep publish` from flags; fails the test unless it exits 0.
  void Publish(std::vector<std::string> args) {
    args.insert(args.begin(), "publish");
    RunResult r = Sitrep(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void Open(const std::string& incident, const std::string& municipality = "Zveçan") {
    Publish({"--mission", "kp", "--severity", "moderate", "--category", "public-order",
             "--municipality", municipality, "--place", "Rudare", "--incident", incident,
             "--kind", "new", "--headline", "Crowd gathering at Rudare"});
  }

  // Runs a shell snippet with `sitrep` on the PATH (the binary under test)
  // and SITREP_SERVER set: docs examples run verbatim.
  RunResult Shell(const std::string& script) {
    const std::string bin = dir_.path() + "/bin";
    mkdir(bin.c_str(), 0755);
    // EEXIST on a second call is fine: it is the same link.
    (void)!symlink(SITREP_BIN, (bin + "/sitrep").c_str());
    const char* path = std::getenv("PATH");
    return testing::Run({"/bin/sh", "-ec", script}, "",
                            {"NO_COLOR=1", "SITREP_SERVER=" + server_->address(),
                             absl::StrCat("PATH=", bin, ":", path == nullptr ? "/usr/bin:/bin" : path)});
  }
};

// The ```sh block after `heading` in docs/cli.md.
std::string DocsBlock(const std::string& heading) {
  std::ifstream in(std::string(SITREP_SOURCE_DIR) + "/docs/cli.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  const size_t at = doc.find(heading);
  if (at == std::string::npos) return "";
  const size_t open = doc.find("```sh\n", at);
  const size_t close = doc.find("```", open + 6);
  if (open == std::string::npos || close == std::string::npos) return "";
  return doc.substr(open + 6, close - open - 6);
}

TEST_F(CliChainTest, DefaultRoleIsTheMissionsOwnTier) {
  Open("kp-1");
  Publish({"--mission", "kp", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-1", "--kind", "request-support", "--headline", "KP asks EULEX"});
  // No --role: EULEX acts as the second tier, which the request asked.
  Publish({"--mission", "eulex", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-1", "--kind", "ack", "--headline", "EULEX acknowledges"});
  RunResult r = Sitrep({"history", "--incident", "kp-1", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(R"("mission":"MISSION_EULEX","role":"ROLE_SECOND_RESPONDER")"));
}

TEST_F(CliChainTest, OutOfTurnIsRefusedNamingTheRule) {
  RunResult r = Sitrep({"publish", "--mission", "kfor", "--severity", "severe", "--category",
                        "public-order", "--incident", "kfor-1", "--kind", "new",
                        "--headline", "KFOR opens"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(r.err, HasSubstr("open-by-first-responder"));

  Open("kp-2");
  r = Sitrep({"publish", "--mission", "eulex", "--severity", "moderate", "--category",
              "public-order", "--incident", "kp-2", "--kind", "escalate", "--headline",
              "EULEX takes over unasked"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("escalate-after-acknowledge"));

  r = Sitrep({"publish", "--mission", "eulex", "--severity", "moderate", "--category",
              "public-order", "--incident", "kp-2", "--kind", "acknowledge", "--headline",
              "EULEX acknowledges nothing"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("acknowledge-open-request"));

  // A role that is not the mission's own tier never reaches the rules.
  r = Sitrep({"publish", "--mission", "kp", "--role", "second", "--severity", "moderate",
              "--category", "public-order", "--incident", "kp-2", "--kind", "update",
              "--headline", "KP as second tier"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("update.role"));

  r = Sitrep({"publish", "--mission", "kp", "--severity", "moderate", "--category",
              "public-order", "--incident", "kp-2", "--kind", "request-support",
              "--target-tier", "fourth", "--headline", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--target-tier: unknown tier 'fourth'"));
}

TEST_F(CliChainTest, ChainExceptionLetsAnOutOfTurnUpdateThroughAndIsShownEverywhere) {
  Open("kp-3");
  Publish({"--mission", "kfor", "--severity", "severe", "--category", "public-order",
           "--incident", "kp-3", "--kind", "escalate", "--headline", "KFOR protects life",
           "--chain-exception", "shots fired at the crowd, KFOR acts at once"});
  RunResult r = Sitrep({"incident", "kp-3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("KFOR takes the lead; CHAIN EXCEPTION (escalate-after-acknowledge): "
                               "shots fired at the crowd, KFOR acts at once"));
  EXPECT_THAT(r.out, HasSubstr("Lead:        KFOR (third tier) since"));
  EXPECT_THAT(r.out, ContainsRegex("Exceptions:  #2 KFOR \\(third\\) escalate: CHAIN EXCEPTION"));
  r = Sitrep({"situation", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("kp-3 +KFOR \\(third\\) .*!exception KFOR protects life"));
}

TEST_F(CliChainTest, IncidentPrintsTheTimelineWithWaitsAndASummary) {
  Open("kp-4");
  Publish({"--mission", "kp", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-4", "--kind", "request-support", "--target-tier", "eulex",
           "--headline", "KP request EULEX support"});
  Publish({"--mission", "eulex", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-4", "--kind", "acknowledge", "--headline", "EULEX FPU deploying"});
  Publish({"--mission", "eulex", "--severity", "severe", "--category", "public-order",
           "--incident", "kp-4", "--kind", "escalate", "--headline", "EULEX takes the lead"});
  Publish({"--mission", "eulex", "--severity", "severe", "--category", "public-order",
           "--incident", "kp-4", "--kind", "request-support", "--headline",
           "EULEX requests KFOR support", "--municipality", "Mitrovica North"});
  RunResult r = Sitrep({"incident", "kp-4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = Lines(r.out);
  ASSERT_GE(lines.size(), 10u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("Incident kp-4 (open, 5 updates; public-order, peak severe)"));
  EXPECT_THAT(r.out, ContainsRegex("  1  KP \\(first\\) +new +Crowd gathering at Rudare +"
                                   "opened; Kosovo Police leads\n"));
  EXPECT_THAT(r.out, ContainsRegex("  2  KP \\(first\\) +request-support +KP request EULEX "
                                   "support +KP asks EULEX\n"));
  EXPECT_THAT(r.out, ContainsRegex("  3  EULEX \\(second\\) +acknowledge +EULEX FPU deploying +"
                                   "EULEX acknowledged after [0-9]+s\n"));
  EXPECT_THAT(r.out, ContainsRegex("  4  EULEX \\(second\\) +escalate +EULEX takes the lead +"
                                   "EULEX takes the lead\n"));
  EXPECT_THAT(r.out, ContainsRegex("  5  EULEX \\(second\\) +request-support +.* +EULEX asks KFOR; "
                                   "moved to Mitrovicë e Veriut / Severna Kosovska Mitrovica\n"));
  EXPECT_THAT(r.out, HasSubstr("Lead:        EULEX (second tier) since"));
  EXPECT_THAT(r.out, ContainsRegex("Requests:    KP → EULEX: acknowledged after [0-9]+s\n"
                                   "             EULEX → KFOR: OPEN, waiting [0-9]+s"));
  EXPECT_THAT(r.out, HasSubstr("Exceptions:  none"));
  EXPECT_THAT(r.out, HasSubstr("Location:    Mitrovicë e Veriut / Severna Kosovska Mitrovica"));

  // The hand-back, and the end.
  Publish({"--mission", "eulex", "--severity", "minor", "--category", "public-order",
           "--incident", "kp-4", "--kind", "deescalate", "--target-tier", "first",
           "--headline", "EULEX hands back"});
  Publish({"--mission", "kp", "--severity", "minor", "--category", "public-order",
           "--incident", "kp-4", "--kind", "resolve", "--headline", "Resolved"});
  r = Sitrep({"incident", "kp-4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Incident kp-4 (closed: resolved, 7 updates"));
  // The hand-back to the first tier closes every request above it.
  EXPECT_THAT(r.out, ContainsRegex("EULEX hands back +handed back to Kosovo Police; "
                                   "request KP → EULEX closed; request EULEX → KFOR closed"));
  EXPECT_THAT(r.out, HasSubstr("resolved by Kosovo Police"));
  EXPECT_THAT(r.out, ContainsRegex("EULEX → KFOR: never acknowledged, closed by deescalate "
                                   "after [0-9]+s"));

  // JSON: the IncidentThread itself.
  r = Sitrep({"incident", "kp-4", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  sitrep::v1::IncidentThread thread;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &thread).ok()) << r.out;
  EXPECT_EQ(thread.steps_size(), 7);
  EXPECT_TRUE(thread.incident().closed());
}

TEST_F(CliChainTest, AnUnknownIncidentIsNotFoundWithItsOwnExitCode) {
  RunResult r = Sitrep({"incident", "no-such-incident"});
  EXPECT_EQ(r.exit_code, 8);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("sitrep: incident no-such-incident: not found"));
}

// docs/cli.md's publish examples, run verbatim: the follow-ups carry no
// location, and the incident stays in Zveçan, led by the Kosovo Police.
TEST_F(CliChainTest, DocsPublishExamplesKeepTheIncidentInZvecanLedByKosovoPolice) {
  const std::string block = DocsBlock("### `sitrep publish [FILE|-]`");
  ASSERT_THAT(block, HasSubstr("kp-2024-0117"));
  RunResult r = Shell(block);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  r = Sitrep({"situation", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Zveçan / Zvečan (1 incident)"));
  EXPECT_THAT(r.out, Not(HasSubstr("Kosovo-wide")));
  EXPECT_THAT(r.out, ContainsRegex("kp-2024-0117 +KP \\(first\\) +moderate +moderate +[0-9]+s +"
                                   "EULEX acked +acknowledge +EULEX FPU deploying to Rudare"));
  r = Sitrep({"situation", "--municipality", "Zvečan", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  sitrep::v1::Incident incident;
  ASSERT_EQ(Lines(r.out).size(), 1u) << r.out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &incident).ok()) << r.out;
  EXPECT_EQ(incident.incident_id(), "kp-2024-0117");
  EXPECT_EQ(incident.lead().mission(), sitrep::v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(incident.location().municipality(), "zvecan");
  EXPECT_EQ(incident.location().place(), "Rudare");
}

TEST_F(CliChainTest, TailMarksTheUpdatesByWhichAnIncidentLeavesTheView) {
  Publish({"--mission", "kp", "--severity", "severe", "--category", "public-order",
           "--municipality", "Zveçan", "--incident", "kp-5", "--kind", "new",
           "--headline", "Clashes at the bridge"});
  Publish({"--mission", "kp", "--severity", "minor", "--category", "public-order",
           "--incident", "kp-5", "--kind", "update", "--headline", "Calm again"});
  RunResult r = Sitrep({"tail", "--min-severity", "severe", "--from-beginning", "--count", "2",
                        "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_THAT(lines[1], Not(HasSubstr("left your view")));
  EXPECT_THAT(lines[2], HasSubstr("Calm again  << left your view: severity lowered to minor"));
  r = Sitrep({"tail", "--min-severity", "severe", "--from-beginning", "--count", "2",
              "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(lines[0], Not(HasSubstr("leftView")));
  EXPECT_EQ(lines[1].rfind(R"({"leftView":"severity lowered to minor",)", 0), 0u) << lines[1];
  EXPECT_THAT(lines[1], HasSubstr(R"("sequence":"2")"));
  // history applies the filter as written: the update is not there.
  r = Sitrep({"history", "--min-severity", "severe", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r.out;
}

TEST_F(CliChainTest, CheckWarnsOnASupportRequestWaitingTooLong) {
  Open("kp-6");
  RunResult r = Sitrep({"check", "--max-request-wait", "1h"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no support request waiting"));
  EXPECT_THAT(r.out, HasSubstr("'request_wait'=0s;3600;;0"));
  Publish({"--mission", "kp", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-6", "--kind", "request-support", "--headline", "KP asks EULEX"});
  r = Sitrep({"check", "--max-request-wait", "1h"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, ContainsRegex("1 support request unacknowledged; longest: kp-6 KP asked "
                                   "EULEX [0-9]+s ago"));
  r = Sitrep({"check", "--max-request-wait", "0s"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("SITREP WARNING"));
  EXPECT_THAT(r.out, HasSubstr("(> 0s)"));
  r = Sitrep({"check", "--max-request-wait", "0s", "--max-request-wait-critical", "0s",
              "--mission", "eulex"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("(asking eulex)"));
  // Only requests that ask the --mission count.
  r = Sitrep({"check", "--max-request-wait", "0s", "--mission", "kfor"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Sitrep({"check", "--max-request-wait", "1h", "--max-request-wait-critical", "1m"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("--max-request-wait: must not be above --max-request-wait-critical"));
  // Acknowledged: nothing waits.
  Publish({"--mission", "eulex", "--severity", "moderate", "--category", "public-order",
           "--incident", "kp-6", "--kind", "acknowledge", "--headline", "EULEX acknowledges"});
  r = Sitrep({"check", "--max-request-wait", "0s"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

std::set<std::string> OpenIncidentIds(const std::string& jsonl) {
  std::set<std::string> ids;
  for (const std::string& line : Lines(jsonl)) {
    sitrep::v1::Incident incident;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &incident).ok()) << line;
    ids.insert(incident.incident_id());
  }
  return ids;
}

// The demo's whole output is accepted by a real sitrepd (no refusals), and
// a stop (SIGTERM) closes its open incidents by their lead first.
TEST_F(CliChainTest, DemoPlaysByTheRulesAndLeavesNothingOpenWhenStopped) {
  std::unique_ptr<Subprocess> demo =
      StartSitrep({"demo", "--rate", "100", "--step-every", "100ms", "--incident-every",
                   "150ms", "--seed", "11", "--run-id", "t1", "-v"});
  // 600 published updates (one line each, after a header).
  ASSERT_TRUE(demo->WaitForStdout(
      [](const std::string& out) { return Lines(out).size() > 600; }, kWait))
      << demo->stderr_text();
  RunResult situation = Sitrep({"situation", "-o", "jsonl"});
  ASSERT_EQ(situation.exit_code, 0) << situation.err;
  EXPECT_FALSE(OpenIncidentIds(situation.out).empty()) << "nothing open to close";
  demo->Signal(SIGTERM);
  EXPECT_EQ(demo->Wait(kWait), ExitStatus::Exited(0)) << demo->stderr_text();
  EXPECT_THAT(demo->stderr_text(), HasSubstr(" 0 failed"));
  EXPECT_THAT(demo->stderr_text(), HasSubstr("0 incidents left open"));
  EXPECT_THAT(demo->stderr_text(), Not(HasSubstr("FAILED_PRECONDITION")));
  situation = Sitrep({"situation", "-o", "jsonl"});
  ASSERT_EQ(situation.exit_code, 0) << situation.err;
  EXPECT_TRUE(OpenIncidentIds(situation.out).empty()) << situation.out;
}

// A server restart under the demo: it waits, resends with the same event
// ids, and nothing is stored twice or refused.
TEST_F(CliChainTest, DemoSurvivesAServerRestartWithoutDoubles) {
  std::unique_ptr<Subprocess> demo =
      StartSitrep({"demo", "--rate", "100", "--step-every", "100ms", "--incident-every",
                   "150ms", "--seed", "12", "--run-id", "t2", "-v"});
  ASSERT_TRUE(demo->WaitForStdout(
      [](const std::string& out) { return Lines(out).size() > 200; }, kWait))
      << demo->stderr_text();
  const int port = server_->port();
  server_->Stop();
  ASSERT_TRUE(demo->WaitForStderr(
      [](const std::string& err) { return absl::StrContains(err, "retrying in"); }, kWait))
      << demo->stderr_text();
  ASSERT_NO_FATAL_FAILURE(server_->Start(port));
  const size_t before = Lines(demo->stdout_text()).size();
  ASSERT_TRUE(demo->WaitForStdout(
      [before](const std::string& out) { return Lines(out).size() > before + 200; }, kWait))
      << demo->stderr_text();
  demo->Signal(SIGTERM);
  EXPECT_EQ(demo->Wait(kWait), ExitStatus::Exited(0)) << demo->stderr_text();
  EXPECT_THAT(demo->stderr_text(), HasSubstr(" 0 failed"));
  EXPECT_THAT(demo->stderr_text(), HasSubstr("0 incidents left open"));
  RunResult history = Sitrep({"history", "--limit", "0", "-o", "jsonl"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  std::set<std::string> event_ids;
  for (const std::string& line : Lines(history.out)) {
    sitrep::v1::SituationUpdate update;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &update).ok()) << line;
    if (update.publisher() == "sitrep") continue;  // the server's EXPIRED updates
    EXPECT_TRUE(event_ids.insert(update.event_id()).second) << "stored twice: " << line;
  }
  EXPECT_GT(event_ids.size(), 400u);
  RunResult situation = Sitrep({"situation", "-o", "jsonl"});
  EXPECT_TRUE(OpenIncidentIds(situation.out).empty()) << situation.out;
}

}  // namespace
}  // namespace sitrep::cli_testing
