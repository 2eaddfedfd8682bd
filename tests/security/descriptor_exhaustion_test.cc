// H-2 (docs/security.md): a sitrepd child with a low descriptor limit
// (prlimit --nofile=200) gets more idle TCP connections on its gRPC and
// HTTP ports than it has descriptors. Its stderr must stay small (libevent
// logged an accept error per loop turn: 9.9 MB in 3 s here), the HTTP
// listener must serve again once the connections are gone, and since
// gRPC 1.51's listener never accepts again after EMFILE, /readyz must say
// 503 so a supervisor restarts it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/process_status.h"
#include "tests/support/http_get.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kDescriptorLimit = 200;
// Per port: together more than the limit.
constexpr int kIdleConnections = 250;

int ReadPort(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  int port = 0;
  return absl::SimpleAtoi(text, &port) ? port : 0;
}

// Opens up to `count` idle connections to 127.0.0.1:`port`; stops at the
// first that does not complete within a second (the backlog is full).
void OpenIdle(int port, int count, std::vector<int>* fds) {
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    fds->push_back(fd);
    if (!WaitForSocket(fd, POLLOUT, absl::Now() + absl::Seconds(1))) return;
  }
}

TEST(DescriptorExhaustionTest, StaysQuietHttpRecoversAndReadinessFails) {
  if (access("/usr/bin/prlimit", X_OK) != 0) {
    if (getenv("CI") != nullptr) FAIL() << "prlimit missing (util-linux)";
    GTEST_SKIP() << "prlimit not installed (util-linux)";
  }
  TempDir dir;
  const std::string d = dir.path();
  Subprocess sitrepd(
      {"/usr/bin/prlimit", absl::StrCat("--nofile=", kDescriptorLimit), "--",
       SITREPD_PATH, "--listen=127.0.0.1:0", "--port_file=" + d + "/port",
       "--data_dir=" + d + "/data", "--fsync=off",
       "--metrics_address=127.0.0.1:0", "--metrics_port_file=" + d + "/mport",
       "--http_address=127.0.0.1:0", "--http_port_file=" + d + "/hport",
       "--shutdown_drain=0s"});
  ASSERT_TRUE(sitrepd.WaitForStderr("serving")) << sitrepd.stderr_text();
  const int grpc_port = ReadPort(d + "/port");
  const int http_port = ReadPort(d + "/hport");
  const int metrics_port = ReadPort(d + "/mport");
  ASSERT_GT(grpc_port, 0);
  ASSERT_GT(http_port, 0);
  ASSERT_GT(metrics_port, 0);
  absl::StatusOr<HttpGetResult> ready = HttpGet(metrics_port, "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  ASSERT_EQ(ready->status, 200);

  std::vector<int> idle;
  OpenIdle(grpc_port, kIdleConnections, &idle);
  OpenIdle(http_port, kIdleConnections, &idle);
  EXPECT_GT(static_cast<int>(idle.size()), kDescriptorLimit);
  // The listeners run into the limit; what they write meanwhile is
  // bounded by the throttle, not by time.
  // (The two lines come in either order.)
  EXPECT_TRUE(sitrepd.WaitForStderr("the gRPC listener stopped accepting",
                                    absl::Seconds(10)));
  if (sitrepd.stderr_text().find("[http] cannot accept connections") ==
      std::string::npos) {
    EXPECT_TRUE(sitrepd.WaitForStderr("[http] cannot accept connections",
                                      absl::Seconds(10)));
  }
  // Three more seconds of exhaustion: the unthrottled loop wrote ~10 MB.
  sitrepd.WaitForStderr("never written", absl::Seconds(3));
  EXPECT_LT(sitrepd.stderr_text().size(), 16u * 1024)
      << sitrepd.stderr_text().substr(sitrepd.stderr_text().size() - 2000);

  for (int fd : idle) close(fd);
  // Descriptors are free again: the HTTP listener serves (after its
  // pause), and readiness tells the supervisor that gRPC does not.
  absl::StatusOr<HttpGetResult> http;
  for (int attempt = 0; attempt < 50; ++attempt) {
    http = HttpGet(http_port, "/v1/municipalities", absl::Seconds(2));
    if (http.ok() && http->status == 200) break;
  }
  ASSERT_TRUE(http.ok()) << http.status() << "\nsitrepd wrote:\n"
                         << sitrepd.stderr_text();
  EXPECT_EQ(http->status, 200);
  ready = HttpGet(metrics_port, "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("gRPC listener stopped accepting"));

  sitrepd.Signal(SIGTERM);
  const ExitStatus status = sitrepd.Wait(absl::Seconds(20));
  EXPECT_TRUE(status.exited() && status.code() == 0) << status;
}

}  // namespace
}  // namespace sitrep::testing
