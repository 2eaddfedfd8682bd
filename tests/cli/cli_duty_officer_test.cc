// The CLI as a duty officer meets it (issue 19): history's newest updates,
// one time format with its zone, tables that fit the terminal, connection
// mistakes and usage errors in words, tail's resume and stop lines, and
// import's order, counts and interrupted exit. The real `sitrep` binary
// against a real sitrepd.
#include <signal.h>

#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_cli_test_base.h"
#include "tests/support/subprocess.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::ExitStatus;
using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kWait = absl::Seconds(60);

// A valid KFOR patrol report in Mitrovicë e Veriut as one JSON line.
std::string PatrolLine(int n) {
  return absl::StrCat(
      R"({"mission":"MISSION_KFOR","role":"ROLE_THIRD_RESPONDER","severity":"SEVERITY_MINOR",)",
      R"("category":"CATEGORY_PATROL","headline":"Patrol )", n,
      R"( from Camp Villaggio Italia along the main road to the north, all quiet",)",
      R"("location":{"municipality":"Mitrovicë e Veriut"}})");
}

std::string PatrolLines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) absl::StrAppend(&out, PatrolLine(i), "\n");
  return out;
}

// The "sequence" of every JSON line.
std::vector<int> Sequences(const std::string& jsonl) {
  std::vector<int> out;
  static const std::regex kSequence("\"sequence\":\"([0-9]+)\"");
  for (const std::string& line : Lines(jsonl)) {
    std::smatch m;
    if (std::regex_search(line, m, kSequence)) out.push_back(std::stoi(m[1]));
  }
  return out;
}

// Code points, as a terminal counts them.
size_t Columns(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

class DutyOfficerCliTest : public SitrepdCliTest {
 protected:
  RunResult SitrepEnv(std::vector<std::string> args, std::vector<std::string> env,
                      const std::string& stdin_text = "") {
    args.insert(args.begin(), SITREP_BIN);
    args.push_back("--server=" + server_->address());
    env.push_back("NO_COLOR=1");
    return testing::Run(args, stdin_text, env, absl::Seconds(120));
  }

  void Import(int from, int to) {
    RunResult r = Sitrep({"import", "-"}, PatrolLines(from, to));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
};

TEST_F(DutyOfficerCliTest, HistoryShowsTheNewestUpdatesOldestFirstAndSaysWhatItLeftOut) {
  ASSERT_NO_FATAL_FAILURE(Import(1, 130));
  RunResult r = Sitrep({"history", "--since", "1h", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int> expected;
  for (int s = 31; s <= 130; ++s) expected.push_back(s);
  EXPECT_EQ(Sequences(r.out), expected);
  EXPECT_THAT(r.err, HasSubstr("showing the newest 100 updates since "));
  EXPECT_THAT(r.err, HasSubstr("(#31..#130); older ones left out: --limit N or --all for more, "
                               "--oldest for the window's start"));

  r = Sitrep({"history", "--oldest", "-n", "3", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sequences(r.out), (std::vector<int>{1, 2, 3}));
  EXPECT_THAT(r.err, HasSubstr("showing the oldest 3 updates (#1..#3); newer ones left out"));

  r = Sitrep({"history", "--limit", "3", "--desc", "-o", "jsonl"});
  EXPECT_EQ(Sequences(r.out), (std::vector<int>{130, 129, 128}));

  r = Sitrep({"history", "--all", "-o", "jsonl"});
  EXPECT_EQ(Sequences(r.out).size(), 130u);
  EXPECT_EQ(r.err, "");
}

TEST_F(DutyOfficerCliTest, HistoryOfAnEmptyLogSaysSoAndCountsInWords) {
  RunResult r = Sitrep({"history", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "0 updates; the log is empty\n");
  ASSERT_NO_FATAL_FAILURE(Import(1, 1));
  r = Sitrep({"history", "-o", "table"});
  EXPECT_EQ(r.err, "1 update (the log holds #1..#1)\n");
}

TEST_F(DutyOfficerCliTest, TablesPrintIsoTimesInUtcOrLocalWithTheZoneNamed) {
  ASSERT_NO_FATAL_FAILURE(Import(1, 1));
  const std::regex utc_row(R"(^ +1  20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ  kfor )");
  const std::regex local_row(R"(^ +1  20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\+01:00  kfor )");
  // Belgrade is UTC+1 in December (sitrep tests run on any date: the
  // offset is +01:00 in winter, +02:00 in summer).
  const std::string zone = "TZ=Europe/Belgrade";
  const bool winter = absl::FormatTime("%m", absl::Now(), absl::UTCTimeZone()) >= "11" ||
                      absl::FormatTime("%m", absl::Now(), absl::UTCTimeZone()) <= "02";

  RunResult r = SitrepEnv({"history", "-o", "table"}, {zone});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Lines(r.out).size(), 2u) << r.out;
  EXPECT_THAT(Lines(r.out)[0], HasSubstr("TIME (UTC)"));
  EXPECT_TRUE(std::regex_search(Lines(r.out)[1], utc_row)) << r.out;

  for (const std::vector<std::string>& env :
       {std::vector<std::string>{zone, "SITREP_TZ=local"}, std::vector<std::string>{zone}}) {
    std::vector<std::string> args = {"history", "-o", "table"};
    if (env.size() == 1) args.push_back("--local");
    r = SitrepEnv(args, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(Lines(r.out)[0], HasSubstr("TIME (local)"));
    if (winter) {
      EXPECT_TRUE(std::regex_search(Lines(r.out)[1], local_row)) << r.out;
    }
  }
  // --utc wins over the environment; a bad SITREP_TZ is a usage error.
  r = SitrepEnv({"history", "-o", "table", "--utc"}, {zone, "SITREP_TZ=local"});
  EXPECT_TRUE(std::regex_search(Lines(r.out)[1], utc_row)) << r.out;
  r = SitrepEnv({"history"}, {"SITREP_TZ=mars"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sitrep: SITREP_TZ: unknown value 'mars' (valid: utc, local)\n");

  // The situation's footer and the incident's timeline use the same format.
  r = Sitrep({"publish", "--mission", "kp", "--severity", "moderate", "--category",
              "public-order", "--incident", "kp-1", "--kind", "new", "--municipality", "Zveçan",
              "--headline", "Crowd at the bridge"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Sitrep({"situation", "-o", "table"});
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(as of 20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ \()")))
      << r.out;
  r = Sitrep({"incident", "kp-1"});
  EXPECT_THAT(r.out, HasSubstr("TIME (UTC)"));
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nOpened: +20\d\d-\d\d-\d\d \d\d:\d\d:\d\dZ by)")))
      << r.out;
}

TEST_F(DutyOfficerCliTest, TablesFitTheWidthCuttingTheHeadlineBeforeTheMunicipality) {
  ASSERT_NO_FATAL_FAILURE(Import(1, 2));
  for (int width : {120, 140}) {
    RunResult r =
        SitrepEnv({"history", "-o", "table"}, {absl::StrCat("COLUMNS=", width)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& line : Lines(r.out)) {
      EXPECT_LE(Columns(line), static_cast<size_t>(width)) << line;
    }
    ASSERT_EQ(Lines(r.out).size(), 3u);
    const std::string row = Lines(r.out)[1];
    EXPECT_THAT(row, HasSubstr("Mitrovicë e Veriut"));  // whole
    EXPECT_THAT(row, HasSubstr("Patrol 1 from"));
    EXPECT_EQ(row.substr(row.size() - 3), "…") << row;  // the headline, cut last
  }
  // A pipe without COLUMNS gets whole lines.
  RunResult r = Sitrep({"history", "-o", "table"});
  EXPECT_THAT(r.out, HasSubstr("along the main road to the north, all quiet\n"));
  // So does JSON, whatever the width.
  r = SitrepEnv({"history", "-o", "jsonl"}, {"COLUMNS=60"});
  EXPECT_THAT(r.out, HasSubstr("along the main road to the north, all quiet\""));
}

TEST_F(DutyOfficerCliTest, ConnectionMistakesAreExplainedWithTheAddressTried) {
  // The dashboard's HTTP port instead of the gRPC one.
  const std::string http = absl::StrCat("127.0.0.1:", server_->http_port());
  RunResult r = testing::Run({SITREP_BIN, "health", "--server", http});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("server ", http, " answered HTTP/1.1, not gRPC: "
                                            "is that the dashboard/HTTP port? the gRPC address "
                                            "is sitrepd's --listen")));
  EXPECT_THAT(r.err, HasSubstr("set --server or SITREP_SERVER"));
  EXPECT_THAT(r.err, Not(HasSubstr("http1.x")));

  // A URL pasted from the browser: the scheme goes, with a note; grpc:// is fine.
  r = testing::Run({SITREP_BIN, "health", "--server", absl::StrCat("http://", server_->address(), "/")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err,
            "sitrep: note: --server: dropped 'http://': sitrep speaks gRPC, not HTTP (give "
            "host:port)\n");
  r = testing::Run({SITREP_BIN, "health", "--server", absl::StrCat("grpc://", server_->address())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");

  // A forgotten port is sitrepd's default, never port 0.
  r = testing::Run({SITREP_BIN, "health", "--server", "127.0.0.2"});
  if (r.exit_code != 0) {
    EXPECT_THAT(r.err, HasSubstr("127.0.0.2:50051"));
  }

  // Nothing listening: is sitrepd running there?
  const int port = server_->port();
  server_->Stop();
  const std::string address = absl::StrCat("127.0.0.1:", port);
  r = testing::Run({SITREP_BIN, "situation", "--server", address});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, absl::StrCat("sitrep: situation: nothing accepts connections at ", address,
                                " (connection refused): is sitrepd running at ", address,
                                "? the gRPC address is sitrepd's --listen (default "
                                "127.0.0.1:50051); set --server or SITREP_SERVER [UNAVAILABLE]\n"));

  // import against a stopped server reports the failure, not "0 lines".
  r = testing::Run({SITREP_BIN, "import", WriteFile("six.jsonl", PatrolLines(1, 6)), "--server", address});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("import: 0 of 6 lines stored: the server did not answer"));
  EXPECT_THAT(r.err, HasSubstr("is sitrepd running at " + address));
}

TEST_F(DutyOfficerCliTest, TailSaysWhenItIsLiveAgainAndWhereToResumeAfterCtrlC) {
  std::unique_ptr<Subprocess> tail =
      StartSitrep({"tail", "--from-beginning", "-o", "table", "--heartbeat", "1s"});
  ASSERT_NO_FATAL_FAILURE(Import(1, 3));
  ASSERT_TRUE(tail->WaitForStdout([](const std::string& out) { return Lines(out).size() >= 4; },
                                  kWait))
      << tail->stderr_text();
  const int port = server_->port();
  server_->Stop();
  ASSERT_TRUE(tail->WaitForStderr(
      [](const std::string& err) { return absl::StrContains(err, "reconnecting in "); }, kWait))
      << tail->stderr_text();
  ASSERT_NO_FATAL_FAILURE(server_->Start(port));
  ASSERT_TRUE(tail->WaitForStderr(
      [](const std::string& err) { return absl::StrContains(err, "resumed at #3 after "); },
      kWait))
      << tail->stderr_text();
  EXPECT_TRUE(std::regex_search(tail->stderr_text(),
                                std::regex(R"(sitrep: resumed at #3 after [0-9.]+ s, nothing missed\n)")))
      << tail->stderr_text();
  EXPECT_THAT(tail->stderr_text(), Not(HasSubstr("ms\n")));  // rounded: "3.8 s", not "3.797s"

  ASSERT_NO_FATAL_FAILURE(Import(4, 4));
  ASSERT_TRUE(tail->WaitForStdout([](const std::string& out) { return Lines(out).size() >= 5; },
                                  kWait))
      << tail->stderr_text();
  tail->Signal(SIGINT);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0)) << tail->stderr_text();
  EXPECT_TRUE(std::regex_search(
      tail->stderr_text(), std::regex("sitrep: stopped at #4; resume with --after 4 --log-id [^ \n]+\n")))
      << tail->stderr_text();
}

TEST_F(DutyOfficerCliTest, UsageErrorsSuggestWhatWasMeant) {
  RunResult r = Sitrep({"tail", "--misson", "kfor"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sitrep: unknown flag --misson for subscribe; did you mean --mission?\n");

  r = Sitrep({"foo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("sitrep: unknown command foo (commands: publish, import, "));
  r = Sitrep({"tial"});
  EXPECT_THAT(r.err, HasSubstr("sitrep: unknown command tial; did you mean tail?"));

  r = Sitrep({"history", "--municipality", "Zubin", "Potok"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "sitrep: history: unexpected argument 'Potok'; to give a value with spaces, quote "
            "it: --municipality \"Zubin Potok\"\n");
  r = Sitrep({"publish", "--mission", "kfor", "--severity", "minor", "--category", "patrol",
              "--headline", "Patrol", "--municipality", "Zubin", "Potok"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("quote it: --municipality \"Zubin Potok\""));

  // One name for labels: -l/--label filters as it sets; --selector still works.
  ASSERT_EQ(Sitrep({"publish", "--mission", "kfor", "--severity", "minor", "--category",
                    "patrol", "--headline", "Patrol at Jarinje", "--label", "crossing=Jarinje"})
                .exit_code,
            0);
  for (const char* flag : {"--label", "-l", "--selector"}) {
    r = Sitrep({"history", flag, "crossing=Jarinje", "-o", "jsonl"});
    EXPECT_EQ(r.exit_code, 0) << flag << r.err;
    EXPECT_EQ(Lines(r.out).size(), 1u) << flag;
  }

  // A time years ahead is said in days and years, not 26924h21m0.08s.
  r = Sitrep({"publish", "--mission", "kfor", "--severity", "minor", "--category", "patrol",
              "--headline", "Patrol", "--occurred-at", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(is [0-9,]+ days \([0-9.]+ years\) ahead of the server's clock \(at most [0-9]+ min)")))
      << r.err;
}

TEST_F(DutyOfficerCliTest, ImportReportsErrorsInLineOrder) {
  // Line 1 is refused by the server (known when its ack comes), line 2 does
  // not parse (known at once): printed 1 then 2 all the same.
  const std::string path = WriteFile(
      "order.jsonl",
      absl::StrCat(R"({"mission":"MISSION_KFOR","role":"ROLE_THIRD_RESPONDER",)"
                   R"("severity":"SEVERITY_MINOR","category":"CATEGORY_PATROL"})",
                   "\n{not json\n", PatrolLine(3), "\n"));
  RunResult r = Sitrep({"import", path});
  EXPECT_EQ(r.exit_code, 1);
  const size_t one = r.err.find("line 1: INVALID_ARGUMENT");
  const size_t two = r.err.find("line 2: ");
  ASSERT_NE(one, std::string::npos) << r.err;
  ASSERT_NE(two, std::string::npos) << r.err;
  EXPECT_LT(one, two) << r.err;
  EXPECT_THAT(r.err, HasSubstr("import: 3 lines: 1 stored, 0 duplicates (already stored), 2 failed"));
}

TEST_F(DutyOfficerCliTest, InterruptedImportExits130CountingExactlyWhatWasStored) {
  // A slow server (50 updates/s after 20) keeps the import running.
  server_->Stop();
  ASSERT_NO_FATAL_FAILURE(server_->Start(0, {"--publish_rate=50", "--publish_burst=20"}));
  const std::string path = WriteFile("slow.jsonl", PatrolLines(1, 2000));
  std::unique_ptr<Subprocess> import = StartSitrep({"import", path});
  // Wait until some were stored, then Ctrl-C.
  bool stored = false;
  for (int i = 0; i < 200 && !stored; ++i) {
    RunResult h = Sitrep({"history", "--all", "-o", "jsonl"});
    stored = Lines(h.out).size() >= 40;
  }
  ASSERT_TRUE(stored);
  import->Signal(SIGINT);
  EXPECT_EQ(import->Wait(kWait).shell_code(), 130) << import->stderr_text();
  std::smatch m;
  const std::string err = import->stderr_text();
  ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(import: ([0-9]+) of 2000 lines: ([0-9]+) stored, 0 duplicates \(already stored\), 0 failed in .*; interrupted: re-run to finish)")))
      << err;
  const int reported = std::stoi(m[2]);
  RunResult h = Sitrep({"history", "--all", "-o", "jsonl"});
  EXPECT_EQ(static_cast<int>(Lines(h.out).size()), reported) << err;
  EXPECT_THAT(err, Not(HasSubstr("not acknowledged")));
}

}  // namespace
}  // namespace sitrep::cli_testing
