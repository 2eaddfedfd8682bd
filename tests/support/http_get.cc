#include "tests/support/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace sitrep::testing {
namespace {

// Owns a socket until release().
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

bool WaitForSocket(int fd, short events, absl::Time deadline) {
  for (;;) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

std::string HeaderValue(const std::string& headers, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(headers, "\r\n")) {
    const size_t colon = line.find(':');
    if (colon != absl::string_view::npos &&
        absl::EqualsIgnoreCase(line.substr(0, colon), name)) {
      return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return "";
}

absl::StatusOr<int> HttpOpen(int port, const HttpCall& call,
                             absl::Time deadline) {
  const std::string where = absl::StrCat("127.0.0.1:", port, call.path);
  Socket socket;
  if (socket.fd() < 0) {
    return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address),
                sizeof(address)) != 0) {
    if (errno != EINPROGRESS || !WaitForSocket(socket.fd(), POLLOUT, deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", where, ": ", std::strerror(errno)));
    }
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", where, ": ", std::strerror(error)));
    }
  }
  std::string request = absl::StrCat(
      call.method, " ", call.path, " HTTP/1.0\r\nHost: 127.0.0.1:", port,
      "\r\nUser-Agent: sitrep-tests\r\n");
  for (const auto& [name, value] : call.headers) {
    absl::StrAppend(&request, name, ": ", value, "\r\n");
  }
  if (!call.body.empty()) {
    absl::StrAppend(&request, "Content-Length: ", call.body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", call.body);
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitForSocket(socket.fd(), POLLOUT, deadline)) {
      return absl::UnavailableError(absl::StrCat("timed out sending to ", where));
    }
    const ssize_t n = ::send(socket.fd(), request.data() + sent,
                             request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("send to ", where, ": ", std::strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  return socket.release();
}

absl::StatusOr<HttpGetResult> HttpGet(int port, const std::string& path,
                                      absl::Duration timeout) {
  HttpCall call;
  call.path = path;
  return HttpFetch(port, call, timeout);
}

absl::StatusOr<HttpGetResult> HttpFetch(int port, const HttpCall& call,
                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string where = absl::StrCat("127.0.0.1:", port, call.path);
  absl::StatusOr<int> fd = HttpOpen(port, call, deadline);
  if (!fd.ok()) return fd.status();
  const int socket = *fd;
  std::string response;
  absl::Status failed;
  for (;;) {
    if (!WaitForSocket(socket, POLLIN, deadline)) {
      failed = absl::UnavailableError(
          absl::StrCat("timed out reading from ", where));
      break;
    }
    char buffer[16384];
    const ssize_t n = ::recv(socket, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      // A reset after a complete answer still leaves the answer.
      if (errno == ECONNRESET && !response.empty()) break;
      failed = absl::UnavailableError(
          absl::StrCat("recv from ", where, ": ", std::strerror(errno)));
      break;
    }
    response.append(buffer, static_cast<size_t>(n));
  }
  ::close(socket);
  if (!failed.ok()) return failed;
  // "HTTP/1.x NNN reason\r\n" headers "\r\n\r\n" body
  const size_t line_end = response.find("\r\n");
  const size_t head_end = response.find("\r\n\r\n");
  HttpGetResult result;
  if (line_end == std::string::npos || head_end == std::string::npos ||
      response.compare(0, 5, "HTTP/") != 0 || line_end < 12 ||
      !absl::SimpleAtoi(response.substr(9, 3), &result.status)) {
    return absl::UnavailableError(absl::StrCat(
        "not an HTTP answer from ", where, ": '", response.substr(0, 200), "'"));
  }
  result.headers = response.substr(line_end + 2, head_end - line_end - 2);
  result.body = response.substr(head_end + 4);
  return result;
}

}  // namespace sitrep::testing
