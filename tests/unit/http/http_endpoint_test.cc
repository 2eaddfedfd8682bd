// The metrics endpoint's small HTTP server: routes, GET only, bounded
// requests and connection lifetime, several clients at once, Stop().
#include "server/http/http_endpoint.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::HttpGet;
using ::sitrep::testing::HttpGetResult;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<HttpEndpoint> StartEndpoint(HttpEndpoint::Options options = {}) {
  std::map<std::string, HttpHandler> routes;
  routes["/hello"] = [] {
    HttpResponse response;
    response.body = "hello\n";
    return response;
  };
  routes["/down"] = [] {
    HttpResponse response;
    response.status = 503;
    response.body = "down\n";
    return response;
  };
  absl::StatusOr<std::unique_ptr<HttpEndpoint>> endpoint =
      HttpEndpoint::Start("127.0.0.1:0", std::move(routes), options);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  return endpoint.ok() ? *std::move(endpoint) : nullptr;
}

// Connects to the endpoint (blocking socket).
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address),
                      sizeof(address)),
            0);
  // A hang fails the test instead of blocking it.
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

// Everything the server sends until it closes the connection.
std::string ReadAll(int fd) {
  std::string answer;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return answer;
}

std::string Exchange(int port, const std::string& request) {
  const int fd = Connect(port);
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string answer = ReadAll(fd);
  ::close(fd);
  return answer;
}

TEST(HttpEndpointTest, ServesItsRoutes) {
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  absl::StatusOr<HttpGetResult> hello = HttpGet(endpoint->port(), "/hello");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->body, "hello\n");
  EXPECT_THAT(hello->headers, HasSubstr("Content-Length: 6"));
  EXPECT_THAT(hello->headers, HasSubstr("Connection: close"));
  absl::StatusOr<HttpGetResult> down = HttpGet(endpoint->port(), "/down");
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->status, 503);
  absl::StatusOr<HttpGetResult> missing = HttpGet(endpoint->port(), "/nope");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->status, 404);
}

TEST(HttpEndpointTest, AnswersHttp11RequestsWithConnectionClose) {
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  const std::string answer = Exchange(
      endpoint->port(), "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(absl::EndsWith(answer, "\r\n\r\nhello\n")) << answer;
}

TEST(HttpEndpointTest, OnlyGet) {
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  const std::string answer = Exchange(
      endpoint->port(),
      "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(answer, HasSubstr("Allow: GET\r\n"));
}

TEST(HttpEndpointTest, MalformedRequestLineIsBadRequest) {
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  EXPECT_THAT(Exchange(endpoint->port(), "hello there\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
}

TEST(HttpEndpointTest, OversizedRequestIsRefusedAndClosed) {
  HttpEndpoint::Options options;
  options.max_request_bytes = 1024;
  auto endpoint = StartEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  const std::string request = absl::StrCat(
      "GET /hello HTTP/1.1\r\nX-Padding: ", std::string(4000, 'a'), "\r\n\r\n");
  EXPECT_THAT(Exchange(endpoint->port(), request), StartsWith("HTTP/1.1 431 "));
}

TEST(HttpEndpointTest, AnIdleConnectionIsClosedAfterTheTimeoutAndOthersAreServed) {
  HttpEndpoint::Options options;
  options.connection_timeout = absl::Milliseconds(300);
  auto endpoint = StartEndpoint(options);
  ASSERT_NE(endpoint, nullptr);
  const int idle = Connect(endpoint->port());
  // Served while the idle one waits.
  absl::StatusOr<HttpGetResult> hello = HttpGet(endpoint->port(), "/hello");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(hello->status, 200);
  // The server closes the idle connection without an answer.
  EXPECT_EQ(ReadAll(idle), "");
  ::close(idle);
}

TEST(HttpEndpointTest, StopClosesTheListener) {
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  const int port = endpoint->port();
  endpoint->Stop();
  endpoint->Stop();  // Idempotent.
  EXPECT_FALSE(HttpGet(port, "/hello", absl::Seconds(2)).ok());
}

TEST(HttpEndpointTest, BadAddressesAreRefused) {
  EXPECT_THAT(HttpEndpoint::Start("no-port", {}, {}).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "host:port"));
  EXPECT_THAT(HttpEndpoint::Start("127.0.0.1:99999", {}, {}).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "host:port"));
  auto endpoint = StartEndpoint();
  ASSERT_NE(endpoint, nullptr);
  EXPECT_THAT(HttpEndpoint::Start(absl::StrCat("127.0.0.1:", endpoint->port()),
                                  {}, {})
                  .status(),
              testing::StatusIs(absl::StatusCode::kUnavailable, "cannot listen"));
}

TEST(HttpEndpointTest, APortHeldWithSoReusePortIsNotShared) {
  // A listener that allows sharing (SO_REUSEPORT, what gRPC sets by
  // default): the endpoint must still refuse the port, since it never sets
  // SO_REUSEPORT itself; a second sitrepd must not serve the same /metrics.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  EXPECT_THAT(HttpEndpoint::Start(absl::StrCat("127.0.0.1:", ntohs(address.sin_port)),
                                  {}, {})
                  .status(),
              testing::StatusIs(absl::StatusCode::kUnavailable, "cannot listen"));
  ::close(fd);
}

}  // namespace
}  // namespace sitrep
