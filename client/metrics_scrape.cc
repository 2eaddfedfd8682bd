#include "client/metrics_scrape.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace sitrep::cli {
namespace {

// A scrape of sitrepd is tens of KiB; this bounds a wrong endpoint.
constexpr size_t kMaxBytes = 16 << 20;

absl::Status SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics: '", address, "' is not host:port (sitrepd's --metrics_address)"));
  }
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return absl::OkStatus();
}

// Waits until `fd` is ready for `events` or the deadline passes.
absl::Status WaitReady(int fd, short events, absl::Time deadline, const std::string& address) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  pollfd p{fd, events, 0};
  if (ms <= 0 || poll(&p, 1, static_cast<int>(ms)) == 0) {
    return absl::DeadlineExceededError(absl::StrCat("metrics at ", address, ": timed out"));
  }
  return absl::OkStatus();
}

absl::Status Unavailable(const std::string& address, absl::string_view why) {
  return absl::UnavailableError(absl::StrCat("metrics at ", address, ": ", why));
}

// A non-blocking socket connected to the first address of `found` that
// accepts, by `deadline`.
absl::StatusOr<int> Connect(const addrinfo* found, absl::Time deadline,
                            const std::string& address) {
  int fd = -1;
  std::string last_error = "no address";
  for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int error = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (error == EINPROGRESS) {
      if (absl::Status s = WaitReady(fd, POLLOUT, deadline, address); !s.ok()) {
        close(fd);
        return s;
      }
      socklen_t size = sizeof(error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    }
    if (error != 0) {
      last_error = std::strerror(error);
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) return Unavailable(address, last_error);
  return fd;
}

// Sends a GET /metrics and reads the whole answer (up to kMaxBytes).
absl::StatusOr<std::string> Exchange(int fd, absl::Time deadline, const std::string& address) {
  const std::string request =
      absl::StrCat("GET /metrics HTTP/1.0\r\nHost: ", address, "\r\nConnection: close\r\n\r\n");
  for (size_t sent = 0; sent < request.size();) {
    if (absl::Status s = WaitReady(fd, POLLOUT, deadline, address); !s.ok()) return s;
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return Unavailable(address, std::strerror(errno));
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[16384];
  while (response.size() < kMaxBytes) {
    if (absl::Status s = WaitReady(fd, POLLIN, deadline, address); !s.ok()) return s;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN) return Unavailable(address, std::strerror(errno));
    if (n > 0) response.append(buffer, static_cast<size_t>(n));
  }
  return response;
}

}  // namespace

absl::StatusOr<std::string> FetchMetrics(const std::string& address, absl::Duration timeout) {
  std::string host, port;
  if (absl::Status s = SplitHostPort(address, &host, &port); !s.ok()) return s;
  const absl::Time deadline = absl::Now() + timeout;
  addrinfo hints = {};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int e = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); e != 0) {
    return Unavailable(address, gai_strerror(e));
  }
  absl::Cleanup free_found = [found] { freeaddrinfo(found); };
  absl::StatusOr<int> fd = Connect(found, deadline, address);
  if (!fd.ok()) return fd.status();
  absl::Cleanup close_fd = [fd = *fd] { close(fd); };
  absl::StatusOr<std::string> response = Exchange(*fd, deadline, address);
  if (!response.ok()) return response.status();
  const size_t body = response->find("\r\n\r\n");
  const std::string status_line = response->substr(0, response->find("\r\n"));
  std::vector<absl::string_view> words = absl::StrSplit(status_line, ' ');
  if (body == std::string::npos || words.size() < 2 || words[1] != "200") {
    return Unavailable(address, absl::StrCat("answered '", status_line, "', not 200"));
  }
  return response->substr(body + 4);
}

std::vector<std::pair<std::string, double>> GaugeSamples(absl::string_view text,
                                                         absl::string_view name,
                                                         absl::string_view label) {
  std::vector<std::pair<std::string, double>> samples;
  const std::string label_start = absl::StrCat(label, "=\"");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || line.empty()) continue;
    std::string label_value;
    if (line.front() == '{') {
      const size_t close = line.find('}');
      if (close == absl::string_view::npos) continue;
      const absl::string_view labels = line.substr(1, close - 1);
      const size_t at = labels.find(label_start);
      if (at != absl::string_view::npos) {
        const absl::string_view rest = labels.substr(at + label_start.size());
        label_value = std::string(rest.substr(0, rest.find('"')));
      }
      line.remove_prefix(close + 1);
    }
    if (line.empty() || line.front() != ' ') continue;  // a longer name
    double value = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(line), &value)) continue;
    samples.emplace_back(std::move(label_value), value);
  }
  return samples;
}

}  // namespace sitrep::cli
