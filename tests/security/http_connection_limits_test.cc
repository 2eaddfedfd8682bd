// H-2 (docs/security.md): the HTTP listener caps its connections and gives
// requests an absolute deadline. At the cap a newcomer closes the
// connection that has waited longest for a request; connections being
// answered (event streams) are never shed, and when nothing waits the
// newcomer is refused with 503. A client that trickles its request a byte
// at a time is cut at --http_request_timeout, while event streams and
// slow-but-complete requests go on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_text.h"
#include "tests/support/sse_client.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

// A TCP connection to 127.0.0.1:`port` that sends nothing; -1 on failure.
int ConnectIdle(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` (end of stream or reset) before
// `deadline`; what it sent before is discarded.
bool ClosedBy(int fd, absl::Time deadline) {
  char buffer[4096];
  while (WaitForSocket(fd, POLLIN, deadline)) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
  return false;
}

// Whether the server has closed `fd` by now, without waiting.
bool ClosedNow(int fd) {
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

double ClosedTotal(TestServer& server, const std::string& reason) {
  absl::StatusOr<HttpGetResult> page =
      HttpGet(server.server().metrics_port(), "/metrics");
  if (!page.ok()) return -1;
  absl::StatusOr<std::map<std::string, double>> samples =
      ParseMetricsText(page->body);
  if (!samples.ok()) return -1;
  auto it = samples->find(absl::StrCat(
      "sitrep_http_connections_closed_total{reason=\"", reason, "\"}"));
  return it == samples->end() ? 0 : it->second;
}

std::unique_ptr<SseClient> OpenStream(int port) {
  HttpCall call;
  call.path = "/v1/stream";
  absl::StatusOr<std::unique_ptr<SseClient>> client =
      SseClient::Open(port, call);
  if (!client.ok() || (*client)->status() != 200) return nullptr;
  if (!(*client)->ReadUntil("hello").has_value()) return nullptr;
  return *std::move(client);
}

constexpr int kCap = 8;

TEST(HttpConnectionCapTest, TheLongestIdleAreShedAndStreamsSurvive) {
  TestServer server([](ServerConfig& config) {
    config.http_max_connections = kCap;
    config.http_request_timeout = absl::Seconds(60);
  });
  const int port = server.server().http_port();
  std::unique_ptr<SseClient> stream = OpenStream(port);
  ASSERT_NE(stream, nullptr);

  // The stream holds one place: 7 idle connections fill the rest, 5 more
  // push out the 5 oldest of them, in the order they came.
  constexpr int kExtra = 5;
  std::vector<int> idle;
  for (int i = 0; i < kCap - 1 + kExtra; ++i) {
    const int fd = ConnectIdle(port);
    ASSERT_GE(fd, 0) << i;
    idle.push_back(fd);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  for (int i = 0; i < kExtra; ++i) {
    EXPECT_TRUE(ClosedBy(idle[i], deadline)) << "idle connection " << i;
  }

  // A new client is served: it pushes out the next oldest.
  absl::StatusOr<HttpGetResult> answer =
      HttpGet(port, "/v1/municipalities", absl::Seconds(5));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(ClosedBy(idle[kExtra], absl::Now() + absl::Seconds(5)));
  for (size_t i = kExtra + 1; i < idle.size(); ++i) {
    EXPECT_FALSE(ClosedNow(idle[i])) << "idle connection " << i;
  }

  // The stream is still delivering.
  std::unique_ptr<v1::SituationFeed::Stub> stub = server.NewStub();
  const uint64_t sequence =
      MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR, "after the shedding"));
  std::vector<SseEvent> updates = stream->ReadUpdates(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].id, absl::StrCat(sequence));

  EXPECT_EQ(ClosedTotal(server, "shed"), kExtra + 1);
  for (int fd : idle) close(fd);
}

TEST(HttpConnectionCapTest, WithNothingIdleANewcomerIsRefused) {
  TestServer server([](ServerConfig& config) {
    config.http_max_connections = 2;
  });
  const int port = server.server().http_port();
  std::unique_ptr<SseClient> first = OpenStream(port);
  std::unique_ptr<SseClient> second = OpenStream(port);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  absl::StatusOr<HttpGetResult> answer =
      HttpGet(port, "/v1/municipalities", absl::Seconds(5));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 503);
  EXPECT_NE(answer->body.find("--http_max_connections"), std::string::npos)
      << answer->body;
  EXPECT_EQ(ClosedTotal(server, "refused"), 1);

  std::unique_ptr<v1::SituationFeed::Stub> stub = server.NewStub();
  MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR, "streams still up"));
  EXPECT_EQ(first->ReadUpdates(1).size(), 1u);
  EXPECT_EQ(second->ReadUpdates(1).size(), 1u);
}

// Sends all of `text` on `fd`; false when the server closed it.
bool SendAll(int fd, const std::string& text) {
  return send(fd, text.data(), text.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(text.size());
}

TEST(HttpRequestDeadlineTest, ATricklingClientIsCutWhileOthersAreServed) {
  constexpr absl::Duration kDeadline = absl::Seconds(2);
  TestServer server([&](ServerConfig& config) {
    config.http_request_timeout = kDeadline;
    config.http_io_timeout = absl::Seconds(30);
  });
  const int port = server.server().http_port();
  std::unique_ptr<SseClient> stream = OpenStream(port);
  ASSERT_NE(stream, nullptr);
  const absl::Time stream_began = absl::Now();

  // One byte of a header every 100 ms: far inside --http_io_timeout.
  const int trickler = ConnectIdle(port);
  ASSERT_GE(trickler, 0);
  const absl::Time started = absl::Now();
  ASSERT_TRUE(SendAll(trickler, "GET /v1/municipalities HTTP/1.1\r\n"));
  const std::string header = "X-Slow: " + std::string(200, 'a');
  bool cut = false;
  const absl::Time give_up = started + kDeadline + absl::Seconds(3);
  for (size_t i = 0; i < header.size() && !cut && absl::Now() < give_up;
       ++i) {
    cut = !SendAll(trickler, header.substr(i, 1)) ||
          ClosedBy(trickler, absl::Now() + absl::Milliseconds(100));
  }
  const absl::Duration held = absl::Now() - started;
  EXPECT_TRUE(cut) << "still open after " << held;
  EXPECT_GE(held, kDeadline - absl::Milliseconds(100));
  EXPECT_LT(held, kDeadline + absl::Seconds(3));
  close(trickler);

  // A slow request that completes within the deadline is answered.
  const int slow = ConnectIdle(port);
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(SendAll(slow, "GET /v1/municipalities HTTP/1.0\r\n"));
  ASSERT_FALSE(ClosedBy(slow, absl::Now() + kDeadline / 4));
  ASSERT_TRUE(SendAll(slow, "Accept: */*\r\n\r\n"));
  std::string answer;
  char buffer[4096];
  while (WaitForSocket(slow, POLLIN, absl::Now() + absl::Seconds(5))) {
    const ssize_t n = recv(slow, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  close(slow);
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer.substr(0, 200);

  // So is a normal client; and the stream, older than the deadline, still
  // delivers.
  absl::StatusOr<HttpGetResult> normal =
      HttpGet(port, "/v1/municipalities", absl::Seconds(5));
  ASSERT_TRUE(normal.ok()) << normal.status();
  EXPECT_EQ(normal->status, 200);
  ASSERT_GT(absl::Now() - stream_began, kDeadline);
  std::unique_ptr<v1::SituationFeed::Stub> stub = server.NewStub();
  MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR, "after the trickler"));
  EXPECT_EQ(stream->ReadUpdates(1).size(), 1u);
  EXPECT_EQ(ClosedTotal(server, "request_timeout"), 1);
}

}  // namespace
}  // namespace sitrep::testing
