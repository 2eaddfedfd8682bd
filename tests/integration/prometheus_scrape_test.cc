// A real Prometheus (Debian's `prometheus`, installed by
// scripts/install-deps.sh) scrapes a real sitrepd: the metric names and the
// text format must be what Prometheus ingests, and a query must find the
// published update. promtool lints the exposition the same way. Skipped
// only when the binaries are missing (failed under CI=true).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/runtime/port_holder.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/missing_tool.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

// The first executable `name` on PATH (or in /usr/bin), or "".
std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = absl::StrCat(path != nullptr ? path : "", ":/usr/bin");
  for (absl::string_view dir : absl::StrSplit(dirs, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = absl::StrCat(dir, "/", name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The port Prometheus listens on: it has no port file and logs the address
// it was given, so it listens on port 0 and the test asks /proc which port
// the process holds (a port chosen here and handed over could be taken by a
// parallel test in between). 0 until it listens. The child may hold this
// process's listeners too (an fd without FD_CLOEXEC survives exec): those
// are not its own.
int ListeningPort(const Subprocess& process) {
  const std::vector<int> ours = ListeningPortsOf(::getpid());
  for (int port : ListeningPortsOf(process.pid())) {
    if (std::find(ours.begin(), ours.end(), port) == ours.end()) return port;
  }
  return 0;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

TEST(PrometheusScrapeTest, PrometheusScrapesSitrepdAndFindsThePublishedUpdate) {
  const std::string prometheus = FindProgram("prometheus");
  if (prometheus.empty()) {
    SITREP_MISSING_TOOL(
        "no prometheus binary (Debian package `prometheus`, installed by "
        "scripts/install-deps.sh)");
  }
  TestServer server;
  auto stub = server.NewStub();
  MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR));

  TempDir dir;
  WriteFile(dir.path() + "/prometheus.yml",
            absl::StrCat("global:\n"
                         "  scrape_interval: 1s\n"
                         "  evaluation_interval: 1s\n"
                         "scrape_configs:\n"
                         "  - job_name: sitrep\n"
                         "    static_configs:\n"
                         "      - targets: ['127.0.0.1:",
                         server.server().metrics_port(), "']\n"));
  Subprocess process({prometheus,
                      "--config.file=" + dir.path() + "/prometheus.yml",
                      "--storage.tsdb.path=" + dir.path() + "/tsdb",
                      "--web.listen-address=127.0.0.1:0",
                      "--log.level=warn"});

  // Prometheus scrapes every second once it runs; ask until the sample is
  // there or the deadline passes (a slow start on a busy machine).
  const std::string query =
      "/api/v1/query?query=sitrep_updates_published_total";
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  std::string last;
  bool found = false;
  int web_port = 0;
  while (!found && absl::Now() < deadline) {
    if (web_port == 0) web_port = ListeningPort(process);
    absl::StatusOr<HttpGetResult> answer =
        web_port == 0 ? absl::StatusOr<HttpGetResult>(absl::UnavailableError(
                            "Prometheus does not listen yet"))
                      : HttpGet(web_port, query, absl::Seconds(5));
    if (answer.ok()) {
      last = absl::StrCat(answer->status, " ", answer->body);
      found = answer->status == 200 &&
              absl::StrContains(answer->body, "\"mission\":\"kfor\"") &&
              absl::StrContains(answer->body, "\"result\":\"stored\"");
    } else {
      last = std::string(answer.status().message());
    }
    // Polling an external process that has no readiness signal of ours.
    if (!found) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(found) << "Prometheus never returned the sample; last answer: "
                     << last << "\nprometheus stderr:\n"
                     << process.stderr_text();
  EXPECT_THAT(last, ::testing::HasSubstr("\"1\"]")) << "the value is 1";
  process.Signal(SIGTERM);
  process.Wait(absl::Seconds(30));
}

// promtool's linter (names, units, counters ending in _total, help texts)
// over one scrape.
TEST(PrometheusScrapeTest, PromtoolFindsNothingToLint) {
  const std::string promtool = FindProgram("promtool");
  if (promtool.empty()) {
    SITREP_MISSING_TOOL("no promtool binary (Debian package `prometheus`)");
  }
  TestServer server;
  auto stub = server.NewStub();
  MustPublish(*stub, NewIncident("lint-1"));
  absl::StatusOr<HttpGetResult> scrape =
      HttpGet(server.server().metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  TempDir dir;
  const std::string file = dir.path() + "/metrics.txt";
  WriteFile(file, scrape->body);
  Subprocess lint({"/bin/sh", "-c",
                   absl::StrCat(promtool, " check metrics < ", file)});
  const ExitStatus status = lint.Wait(absl::Seconds(60));
  EXPECT_TRUE(status.exited() && status.code() == 0)
      << lint.stdout_text() << lint.stderr_text();
}

}  // namespace
}  // namespace sitrep::testing
