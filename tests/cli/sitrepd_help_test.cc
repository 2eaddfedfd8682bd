// What a newcomer to sitrepd sees first (issue 19): `sitrepd --help` grouped
// by what the flags configure, and a page at the metrics port's "/" that
// lists the pages there.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/http_get.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SitrepdHelpTest, HelpGroupsTheFlagsWithoutSourceFileNames) {
  RunResult r = testing::Run({SITREPD_PATH, "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Flags from")));
  EXPECT_THAT(r.out, Not(HasSubstr("server_config.cc")));
  EXPECT_THAT(r.out, HasSubstr("\nServing (gRPC):\n  --listen=127.0.0.1:50051\n"));
  EXPECT_THAT(r.out, HasSubstr("\nStorage:\n  --data_dir=./sitrep-data\n"));
  EXPECT_THAT(r.out, HasSubstr("\nTLS and access:\n"));
  EXPECT_THAT(r.out, HasSubstr("\nNATS JetStream store (--store=jetstream):\n"));
  // Every flag has a group: none is left to "Other".
  EXPECT_THAT(r.out, Not(HasSubstr("\nOther:\n")));
  // abseil's and gRPC's own flags stay out of --help.
  EXPECT_THAT(r.out, Not(HasSubstr("--flagfile")));
  for (const std::string& line : Lines(r.out)) {
    if (line.rfind("      ", 0) == 0) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
}

TEST(SitrepdHelpTest, TheMetricsPortsRootListsItsPages) {
  TempDir dir;
  Sitrepd server(SITREPD_PATH, dir.path() + "/data", dir.path());
  ASSERT_NO_FATAL_FAILURE(server.Start());
  ASSERT_GT(server.metrics_port(), 0);
  absl::StatusOr<sitrep::testing::HttpGetResult> page =
      sitrep::testing::HttpGet(server.metrics_port(), "/");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("/metrics  Prometheus metrics"));
  EXPECT_THAT(page->body, HasSubstr("/healthz  liveness"));
  EXPECT_THAT(page->body, HasSubstr("/readyz   readiness"));
  // Other paths are still not found.
  page = sitrep::testing::HttpGet(server.metrics_port(), "/nothing");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 404);
  server.Stop();
}

}  // namespace
}  // namespace sitrep::cli_testing
