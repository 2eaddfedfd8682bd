#include "server/metrics/http_endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/runtime/listen_address.h"

namespace sitrep {
namespace {

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string Render(const HttpResponse& response) {
  std::string head = absl::StrCat(
      "HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
      "\r\nContent-Type: ", response.content_type,
      "\r\nContent-Length: ", response.body.size(),
      "\r\nCache-Control: no-store\r\nConnection: close\r\n");
  if (response.status == 405) absl::StrAppend(&head, "Allow: GET\r\n");
  return absl::StrCat(head, "\r\n", response.body);
}

HttpResponse Plain(int status, absl::string_view text) {
  HttpResponse response;
  response.status = status;
  response.body = absl::StrCat(text, "\n");
  return response;
}

void CloseFd(int fd) {
  if (fd >= 0) ::close(fd);
}

}  // namespace

// One client connection, owned by the serving thread.
struct HttpEndpoint::Connection {
  int fd = -1;
  absl::Time deadline;
  std::string request;
  std::string response;
  size_t written = 0;
  bool writing = false;
};

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    absl::string_view address, std::map<std::string, HttpHandler> routes,
    Options options) {
  HostPort split;
  if (absl::Status valid = SplitHostPort(address, &split); !valid.ok()) {
    return valid;
  }
  const std::string& host = split.host;
  const std::string port = absl::StrCat(split.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int lookup = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                                   port.c_str(), &hints, &found);
  if (lookup != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot resolve '", address, "': ", ::gai_strerror(lookup)));
  }
  int fd = -1;
  std::string error = "no address";
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  ai->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only (an earlier process's TIME_WAIT connections do not
    // block a restart); never SO_REUSEPORT: a second process must not bind.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      error = std::strerror(errno);
      CloseFd(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", error));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  int wake[2];
  if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) {
    CloseFd(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot make a pipe: ", std::strerror(errno)));
  }
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(
      fd, bound_port, wake[0], wake[1], std::move(routes), options));
}

HttpEndpoint::HttpEndpoint(int listen_fd, int port, int wake_read,
                           int wake_write,
                           std::map<std::string, HttpHandler> routes,
                           Options options)
    : listen_fd_(listen_fd),
      port_(port),
      wake_read_(wake_read),
      wake_write_(wake_write),
      routes_(std::move(routes)),
      options_(options) {
  thread_ = std::thread([this] { Serve(); });
}

HttpEndpoint::~HttpEndpoint() {
  Stop();
  CloseFd(wake_read_);
  CloseFd(wake_write_);
}

void HttpEndpoint::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  // Wakes poll(); the thread sees stopping_ and ends.
  const char byte = 0;
  (void)!::write(wake_write_, &byte, 1);
  thread_.join();
  // Now, not in the destructor: a stopped endpoint refuses connections
  // instead of leaving them in the backlog.
  CloseFd(listen_fd_);
}

HttpResponse HttpEndpoint::Answer(absl::string_view request) const {
  const absl::string_view line = request.substr(0, request.find("\r\n"));
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    return Plain(400, "bad request line");
  }
  if (parts[0] != "GET") return Plain(405, "only GET");
  absl::string_view path = parts[1];
  path = path.substr(0, path.find('?'));
  auto route = routes_.find(std::string(path));
  if (route == routes_.end()) return Plain(404, "not found");
  return route->second();
}

void HttpEndpoint::Serve() {
  std::vector<Connection> connections;
  std::vector<pollfd> polled;
  while (!stopping_.load()) {
    polled.clear();
    polled.push_back({wake_read_, POLLIN, 0});
    const bool accepting = connections.size() < options_.max_connections;
    if (accepting) polled.push_back({listen_fd_, POLLIN, 0});
    absl::Time next_deadline = absl::InfiniteFuture();
    for (const Connection& c : connections) {
      polled.push_back({c.fd, static_cast<short>(c.writing ? POLLOUT : POLLIN), 0});
      next_deadline = std::min(next_deadline, c.deadline);
    }
    int timeout_ms = -1;
    if (next_deadline != absl::InfiniteFuture()) {
      timeout_ms = static_cast<int>(std::clamp<int64_t>(
          absl::ToInt64Milliseconds(next_deadline - absl::Now()) + 1, 0,
          60 * 1000));
    }
    if (::poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) {
      break;
    }
    if (stopping_.load()) break;

    // Connections first: their pollfds follow the wake (and listen) entry.
    const size_t first = accepting ? 2 : 1;
    const absl::Time now = absl::Now();
    std::vector<Connection> kept;
    kept.reserve(connections.size());
    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      const short events = polled[first + i].revents;
      bool close = now >= c.deadline;
      if (!close && !c.writing && (events & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[4096];
        const ssize_t n = ::recv(c.fd, buffer, sizeof(buffer), 0);
        if (n > 0) {
          c.request.append(buffer, static_cast<size_t>(n));
          const bool complete = c.request.find("\r\n\r\n") != std::string::npos;
          if (complete || c.request.size() > options_.max_request_bytes) {
            c.response = Render(
                complete && c.request.size() <= options_.max_request_bytes
                    ? Answer(c.request)
                    : Plain(431, "request too large"));
            c.writing = true;
          }
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          close = true;  // The client went away before a whole request.
        }
      }
      if (!close && c.writing) {
        const ssize_t n =
            ::send(c.fd, c.response.data() + c.written,
                   c.response.size() - c.written, MSG_NOSIGNAL);
        if (n > 0) {
          c.written += static_cast<size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          close = true;
        }
        if (c.written == c.response.size()) close = true;
      }
      if (close) {
        CloseFd(c.fd);
      } else {
        kept.push_back(std::move(c));
      }
    }
    connections = std::move(kept);

    if (accepting && (polled[1].revents & POLLIN)) {
      while (connections.size() < options_.max_connections) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN: none left (or a transient error).
        Connection& c = connections.emplace_back();
        c.fd = fd;
        c.deadline = now + options_.connection_timeout;
      }
    }
  }
  for (const Connection& c : connections) CloseFd(c.fd);
}

}  // namespace sitrep
