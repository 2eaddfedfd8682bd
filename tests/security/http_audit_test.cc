// L-3 (docs/security.md): anonymous HTTP requests cannot fill the log: the
// audit lines of refused authentications are limited to one per second,
// the next one saying how many were left out.
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace sitrep::testing {
namespace {

TEST(HttpAuditTest, RefusedRequestsAreLoggedAtMostOncePerSecond) {
  TempDir dir;
  const std::string policy = dir.path() + "/policy.json";
  AccessPolicyBuilder()
      .Principal("kp-desk").Token("sitrep_desk-token-0123456789").Read({"*"})
      .WriteTo(policy);
  TestServer server([&](ServerConfig& c) { c.auth_file = policy; });
  const int port = server.server().http_port();
  constexpr int kRequests = 300;
  ::testing::internal::CaptureStderr();
  const absl::Time start = absl::Now();
  int refused = 0;
  for (int i = 0; i < kRequests; ++i) {
    absl::StatusOr<HttpGetResult> answer = HttpGet(port, "/v1/situation");
    if (answer.ok() && answer->status == 401) ++refused;
  }
  const absl::Duration took = absl::Now() - start;
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(refused, kRequests);
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "authentication refused")) ++lines;
  }
  // One per started second, and the first.
  EXPECT_LE(lines, absl::ToInt64Seconds(took) + 2)
      << lines << " audit lines for " << kRequests << " requests in " << took;
  EXPECT_GE(lines, 1);
}

}  // namespace
}  // namespace sitrep::testing
