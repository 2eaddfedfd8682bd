// C-1 (docs/security.md): HTTP/2 "rapid reset" (CVE-2023-44487) against the
// shipped edge, deploy/haproxy/sitrep-edge.cfg, in front of a real sitrepd.
// The attacker opens and cancels streams as fast as one connection takes
// them, reconnecting when it is cut, for 8 s. sitrepd must stay within the
// documented bound, keep serving another client, and stop on SIGTERM.
//
// Without the edge (the attack straight at sitrepd's port) the same client
// grows sitrepd by hundreds of MB in these 8 s and it keeps growing after
// the attacker left: gRPC 1.51 has no defence of its own.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/security/process_status.h"
#include "tests/security/rapid_reset_client.h"
#include "tests/security/sitrepd_child.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {
namespace {

// docs/security.md: what one attacker may add to sitrepd's resident memory
// through the edge (measured: about 40 MB).
constexpr int64_t kRssBoundKiB = RssBoundKiB(100 * 1024);

// A listening socket on `family`'s loopback, port 0, inherited by HAProxy
// (bind fd@N): no port is guessed. Returns the fd and its port.
std::pair<int, int> LoopbackListener(int family) {
  const int fd = socket(family, SOCK_STREAM, 0);  // No CLOEXEC: inherited.
  sockaddr_storage address{};
  socklen_t length;
  if (family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    length = sizeof(*v6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(*v4);
  }
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(fd, 512) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return {-1, 0};
  }
  const int port =
      family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  return {fd, port};
}

// The shipped edge configuration with its bind lines (one per TLS shape)
// on the test's sockets and its server lines on the test's plaintext
// sitrepd; every rule stays as shipped.
std::string EdgeConfig(int v4_fd, int v6_fd, int sitrepd_port) {
  std::ifstream in(std::string(SITREP_SOURCE_DIR) +
                   "/deploy/haproxy/sitrep-edge.cfg");
  std::stringstream text;
  text << in.rdbuf();
  std::string config;
  int binds = 0, servers = 0;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, "bind ")) {
      ++binds;
      absl::StrAppend(&config, "  bind fd@", v4_fd, " proto h2\n",
                      "  bind fd@", v6_fd, " proto h2\n");
    } else if (absl::StartsWith(trimmed, "server ")) {
      ++servers;
      absl::StrAppend(&config, "  server sitrepd 127.0.0.1:", sitrepd_port,
                      " proto h2\n");
    } else {
      absl::StrAppend(&config, line, "\n");
    }
  }
  EXPECT_GE(binds, 1) << "sitrep-edge.cfg: no bind line";
  EXPECT_GE(servers, 1) << "sitrep-edge.cfg: no server line";
  return config;
}

TEST(RapidResetTest, EdgeBoundsSitrepdServesOthersAndStopsCleanly) {
  if (access("/usr/sbin/haproxy", X_OK) != 0) {
    if (getenv("CI") != nullptr) FAIL() << "haproxy missing (apt haproxy)";
    GTEST_SKIP() << "haproxy not installed (scripts/install-deps.sh)";
  }
  TempDir dir;
  SitrepdChild child =
      StartSitrepdChild(SITREPD_PATH, dir.path(), {"--shutdown_grace=5s"});
  Subprocess& sitrepd = *child.process;
  ASSERT_GT(child.port, 0) << sitrepd.stderr_text();
  const int sitrepd_port = child.port;

  auto [v4_fd, v4_port] = LoopbackListener(AF_INET);
  auto [v6_fd, v6_port] = LoopbackListener(AF_INET6);
  ASSERT_GE(v4_fd, 0);
  ASSERT_GE(v6_fd, 0);
  const std::string config_path = dir.path() + "/edge.cfg";
  std::ofstream(config_path) << EdgeConfig(v4_fd, v6_fd, sitrepd_port);
  Subprocess edge({"/usr/sbin/haproxy", "-f", config_path, "-db"});
  close(v4_fd);
  close(v6_fd);

  // Another client, through the edge from another address (::1), is
  // served before, during and after the attack.
  auto stub = v1::SituationFeed::NewStub(grpc::CreateChannel(
      absl::StrCat("ipv6:[::1]:", v6_port), grpc::InsecureChannelCredentials()));
  {
    absl::StatusOr<v1::Situation> first = GetSituation(*stub, {});
    ASSERT_TRUE(first.ok()) << first.status() << "\n"
                            << (edge.Wait(absl::Seconds(1)), edge.stderr_text());
  }
  const int64_t before = ResidentKiB(sitrepd.pid());
  ASSERT_GT(before, 0);

  std::atomic<bool> attacking{true};
  RapidResetResult attack;
  std::thread attacker([&] {
    absl::StatusOr<RapidResetResult> result =
        RunRapidReset(v4_port, "/sitrep.v1.SituationFeed/GetSituation",
                      absl::Seconds(8), /*reconnect=*/true);
    if (result.ok()) attack = *result;
    attacking = false;
  });
  int64_t peak = before;
  int served = 0, failed = 0;
  // Bounded: the attacker ends after 8 s; each call has a 10 s deadline.
  for (int i = 0; i < 10000 && attacking; ++i) {
    peak = std::max(peak, ResidentKiB(sitrepd.pid()));
    absl::StatusOr<v1::Situation> situation = GetSituation(*stub, {});
    situation.ok() ? ++served : ++failed;
  }
  attacker.join();
  peak = std::max(peak, ResidentKiB(sitrepd.pid()));
  EXPECT_GT(attack.streams, 20000u) << "the attack did not run";
  EXPECT_GT(served, 0);
  EXPECT_EQ(failed, 0);
  EXPECT_LT(peak - before, kRssBoundKiB)
      << "sitrepd grew from " << before << " KiB to " << peak << " KiB";
  EXPECT_TRUE(GetSituation(*stub, {}).ok());

  sitrepd.Signal(SIGTERM);
  const ExitStatus status = sitrepd.Wait(absl::Seconds(20));
  EXPECT_TRUE(status.exited() && status.code() == 0)
      << "status " << status << "\n" << sitrepd.stderr_text().substr(0, 4000);
  RecordProperty("attack_streams", static_cast<int>(attack.streams));
  RecordProperty("rss_growth_kib", static_cast<int>(peak - before));
  std::cerr << "attack: " << attack.streams << " streams over "
            << attack.connections << " connections; sitrepd " << before
            << " -> " << peak << " KiB; other client: " << served
            << " calls served\n";
  edge.Signal(SIGTERM);
}

}  // namespace
}  // namespace sitrep::testing
