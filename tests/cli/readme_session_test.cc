// The README's duty officer's session, run as written (issue 19): the lines
// between <!-- session-start --> and <!-- session-end --> in README.md, in
// order, against a real sitrepd that stands in for `make run`'s, from a
// directory that looks like the clone's root (build/ is this build). The
// only substitution is the server's address: the README's
// 127.0.0.1:50051 becomes the test server's port-0 address, which reaches
// every command through the README's own `export SITREP_SERVER=...`.
//
// How a line runs (the README's shell, one line at a time):
//  - `export ...` and `NAME=value`: in bash with `set -a`; the environment
//    it leaves is the next lines' environment;
//  - `... &`: started, left running (a background job);
//  - a line whose comment says "Ctrl-C": started, interrupted with SIGINT
//    once its output shows what the test expects;
//  - `kill %N`: SIGTERM to the N-th background job;
//  - anything else: run to its end.
// Each command's exit code and key output are checked against kExpected
// below: a changed session fails here until the test is told what it does.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::RunResult;
using ::sitrep::testing::Subprocess;
using ::sitrep::testing::TempDir;
using ::testing::HasSubstr;

constexpr absl::string_view kReadmeAddress = "127.0.0.1:50051";
constexpr absl::Duration kWait = absl::Seconds(90);

// What each command of the session must do, in order. `out`: a text its
// stdout must contain ($run is the session's own variable).
struct Expected {
  const char* command_start;
  int exit_code;
  const char* out;
};
constexpr Expected kExpected[] = {
    {"sitrep health", 0, "SERVING"},
    {"sitrep demo", 0, ""},  // a background job: checked at its `kill`
    {"sitrep tail", 0, "$run-0001"},
    {"sitrep situation", 0, "$run-0001"},
    {"sitrep history", 0, ""},
    {"sitrep incident", 0, "$run-0001"},
    {"kill %1", 0, ""},
};

struct Line {
  std::string command;
  std::string comment;
};

std::vector<Line> ReadSession() {
  std::ifstream in(SITREP_SOURCE_DIR "/README.md");
  EXPECT_TRUE(in.good()) << "cannot read README.md";
  std::vector<Line> lines;
  std::string text;
  bool inside = false;
  while (std::getline(in, text)) {
    if (absl::StartsWith(text, "<!-- session-start")) {
      inside = true;
      continue;
    }
    if (absl::StartsWith(text, "<!-- session-end")) break;
    if (!inside || absl::StartsWith(text, "```") || text.empty()) continue;
    Line line;
    const size_t hash = text.find(" #");
    line.command = std::string(absl::StripAsciiWhitespace(text.substr(0, hash)));
    if (hash != std::string::npos) line.comment = text.substr(hash + 2);
    if (!line.command.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

bool IsAssignment(const std::string& command) {
  if (absl::StartsWith(command, "export ")) return true;
  const size_t eq = command.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (char c : command.substr(0, eq)) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

class ReadmeSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Sitrepd>(SITREPD_BIN, dir_.path() + "/data", dir_.path());
    ASSERT_NO_FATAL_FAILURE(server_->Start());
    // The clone's root as the README's reader has it: build/ holds the
    // binaries. No sitrep on PATH until the README puts it there.
    clone_ = dir_.path() + "/clone";
    ASSERT_EQ(mkdir(clone_.c_str(), 0755), 0);
    ASSERT_EQ(symlink(SITREP_BUILD_DIR, (clone_ + "/build").c_str()), 0);
    env_ = {{"PATH", "/usr/bin:/bin"}, {"NO_COLOR", "1"}, {"SITREP_SERVER", ""}};
  }

  std::vector<std::string> EnvList() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : env_) out.push_back(absl::StrCat(k, "=", v));
    return out;
  }

  std::vector<std::string> Bash(const std::string& script) const {
    return {"/bin/bash", "-c", absl::StrCat("cd '", clone_, "' && ", script)};
  }

  // $run and the like, as the session's environment has them.
  std::string Expand(std::string text) const {
    for (const auto& [k, v] : env_) {
      absl::StrReplaceAll({{absl::StrCat("$", k), v}}, &text);
    }
    return text;
  }

  // Runs an assignment line; its environment becomes the session's.
  void Assign(const std::string& command) {
    RunResult r = testing::Run(Bash(absl::StrCat("set -a && ", command, " && env -0")), "",
                      EnvList(), kWait);
    ASSERT_EQ(r.exit_code, 0) << command << ": " << r.err;
    env_.clear();
    for (absl::string_view entry : absl::StrSplit(r.out, '\0', absl::SkipEmpty())) {
      const size_t eq = entry.find('=');
      if (eq == absl::string_view::npos) continue;
      env_[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
  }

  TempDir dir_;
  std::unique_ptr<Sitrepd> server_;
  std::string clone_;
  std::map<std::string, std::string> env_;
};

TEST_F(ReadmeSessionTest, RunsAsWrittenBesideMakeRun) {
  std::vector<Line> lines = ReadSession();
  ASSERT_FALSE(lines.empty()) << "no <!-- session-start --> block in README.md";
  bool address_set = false;
  for (Line& line : lines) {
    if (absl::StrContains(line.command, absl::StrCat("SITREP_SERVER=", kReadmeAddress))) {
      address_set = true;
    }
    absl::StrReplaceAll({{kReadmeAddress, server_->address()}}, &line.command);
  }
  ASSERT_TRUE(address_set) << "the session must set SITREP_SERVER=" << kReadmeAddress;

  std::vector<std::unique_ptr<Subprocess>> jobs;
  std::vector<std::string> job_logs;
  size_t step = 0;
  for (const Line& line : lines) {
    const std::string& command = line.command;
    SCOPED_TRACE(command);
    if (IsAssignment(command)) {
      ASSERT_NO_FATAL_FAILURE(Assign(command));
      continue;
    }
    ASSERT_LT(step, std::size(kExpected))
        << "the README's session has more commands than this test knows";
    const Expected& expected = kExpected[step++];
    ASSERT_TRUE(absl::StartsWith(command, expected.command_start))
        << "the README's session changed: expected a command starting with '"
        << expected.command_start << "'";
    const std::string out = Expand(expected.out);

    if (absl::EndsWith(command, "&")) {
      const std::string log = absl::StrCat(dir_.path(), "/job", jobs.size() + 1, ".log");
      std::string job(absl::StripAsciiWhitespace(absl::StripSuffix(command, "&")));
      jobs.push_back(std::make_unique<Subprocess>(Bash(absl::StrCat("exec ", job)), EnvList(), log));
      job_logs.push_back(log);
      continue;
    }
    int job_number = 0;
    if (absl::StartsWith(command, "kill %") &&
        absl::SimpleAtoi(command.substr(6), &job_number)) {
      ASSERT_GE(job_number, 1);
      ASSERT_LE(static_cast<size_t>(job_number), jobs.size());
      Subprocess& job = *jobs[job_number - 1];
      job.Signal(SIGTERM);
      std::ifstream log_file(job_logs[job_number - 1]);
      const int code = job.Wait(kWait).shell_code();
      std::stringstream log;
      log << log_file.rdbuf();
      EXPECT_EQ(code, expected.exit_code) << log.str();
      continue;
    }
    if (absl::StrContains(line.comment, "Ctrl-C")) {
      std::unique_ptr<Subprocess> process =
          std::make_unique<Subprocess>(Bash(absl::StrCat("exec ", command)), EnvList());
      EXPECT_TRUE(process->WaitForStdout(
          [&](const std::string& text) { return absl::StrContains(text, out); }, kWait))
          << "no '" << out << "' in: " << process->stdout_text() << process->stderr_text();
      process->Signal(SIGINT);
      EXPECT_EQ(process->Wait(kWait).shell_code(), expected.exit_code) << process->stderr_text();
      continue;
    }
    RunResult r = testing::Run(Bash(absl::StrCat("exec ", command)), "", EnvList(), kWait);
    EXPECT_EQ(r.exit_code, expected.exit_code) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(out)) << r.err;
  }
  EXPECT_EQ(step, std::size(kExpected))
      << "the README's session has fewer commands than this test knows";
}

}  // namespace
}  // namespace sitrep::cli_testing
