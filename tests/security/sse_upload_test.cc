// H-5 (docs/security.md): a client that uploads on its event stream
// (GET /v1/stream) is cut after a few KiB; libevent would otherwise keep
// every byte in memory (400 MiB sent were +500 MiB resident).
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"
#include "tests/support/test_server.h"

namespace sitrep::testing {
namespace {

// Reads what is there; false once the server closed the connection.
bool ReadAvailable(int fd, std::string* text) {
  char buffer[4096];
  for (int i = 0; i < 1000; ++i) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      text->append(buffer, static_cast<size_t>(n));
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
  }
  return true;
}

TEST(SseUploadTest, AStreamThatUploadsIsCut) {
  // The server cuts the connection while junk is still going out: a write
  // then fails with EPIPE, which must not end the test process.
  signal(SIGPIPE, SIG_IGN);
  TestServer server;
  const int port = server.server().http_port();
  HttpCall call;
  call.path = "/v1/stream";
  absl::StatusOr<int> fd =
      HttpOpen(port, call, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(fd.ok()) << fd.status();
  std::string received;
  // The stream is up: its hello came.
  const absl::Time hello_deadline = absl::Now() + absl::Seconds(10);
  while (received.find("event: hello") == std::string::npos &&
         WaitForSocket(*fd, POLLIN, hello_deadline)) {
    ASSERT_TRUE(ReadAvailable(*fd, &received)) << received;
  }
  ASSERT_NE(received.find("event: hello"), std::string::npos) << received;

  // Up to 64 MiB of junk, 64 KiB at a time, for at most 10 s: the server
  // must close long before.
  const std::string junk(64 * 1024, 'x');
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  size_t sent = 0;
  bool open = true;
  while (open && sent < (64u << 20) && absl::Now() < deadline) {
    const ssize_t n = send(*fd, junk.data(), junk.size(),
                           MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      open = false;  // EPIPE / ECONNRESET: cut.
      break;
    }
    if (WaitForSocket(*fd, POLLIN, absl::Now() + absl::Milliseconds(10))) {
      open = ReadAvailable(*fd, &received);
    }
  }
  EXPECT_FALSE(open) << "still open after " << sent << " bytes";
  EXPECT_LT(sent, 16u << 20);
  close(*fd);
}

}  // namespace
}  // namespace sitrep::testing
