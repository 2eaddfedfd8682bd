#include "server/http/http_endpoint.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
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

// Binds and listens on `address` (SO_REUSEADDR, never SO_REUSEPORT: a
// second process must not bind). Returns the descriptor, nonblocking.
absl::StatusOr<int> BindListener(absl::string_view address) {
  HostPort split;
  if (absl::Status valid = SplitHostPort(address, &split); !valid.ok()) {
    return valid;
  }
  const std::string port = absl::StrCat(split.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int lookup =
      ::getaddrinfo(split.host.empty() ? nullptr : split.host.c_str(),
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
    // An earlier process's TIME_WAIT connections do not block a restart.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", error));
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  return bound.ss_family == AF_INET6
             ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
             : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

}  // namespace

// One client connection: read the request, write the answer, close. Lives
// on the loop thread, owned by the endpoint's connections_.
struct HttpEndpoint::Connection {
  HttpEndpoint* endpoint = nullptr;
  bufferevent* bev = nullptr;
  // The connection's whole life (connection_timeout).
  event* deadline = nullptr;
  std::string request;
  bool writing = false;

  ~Connection() {
    if (deadline != nullptr) event_free(deadline);
    if (bev != nullptr) bufferevent_free(bev);  // closes the socket
  }
};

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    absl::string_view address, std::map<std::string, HttpHandler> routes,
    Options options) {
  absl::StatusOr<int> fd = BindListener(address);
  if (!fd.ok()) return fd.status();
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  if (!loop.ok()) {
    ::close(*fd);
    return loop.status();
  }
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint(
      BoundPort(*fd), std::move(routes), options, *std::move(loop)));
  endpoint->listener_ = evconnlistener_new(
      endpoint->loop_->base(), &HttpEndpoint::OnAccept, endpoint.get(),
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, *fd);
  if (endpoint->listener_ == nullptr) {
    ::close(*fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": libevent refused it"));
  }
  evconnlistener_set_error_cb(endpoint->listener_,
                              &HttpEndpoint::OnAcceptError);
  endpoint->accept_pause_ = evtimer_new(
      endpoint->loop_->base(), &HttpEndpoint::OnAcceptPauseOver,
      endpoint.get());
  endpoint->loop_->Start();
  return endpoint;
}

HttpEndpoint::HttpEndpoint(int port, std::map<std::string, HttpHandler> routes,
                           Options options, std::unique_ptr<EventLoop> loop)
    : port_(port),
      routes_(std::move(routes)),
      options_(options),
      loop_(std::move(loop)) {}

HttpEndpoint::~HttpEndpoint() {
  Stop();
  if (accept_pause_ != nullptr) event_free(accept_pause_);
}

void HttpEndpoint::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  // On the loop thread, its last task: closes the listener (a stopped
  // endpoint refuses connections instead of leaving them in the backlog)
  // and every connection.
  loop_->Stop([this] {
    if (accept_pause_ != nullptr) evtimer_del(accept_pause_);
    connections_.clear();
    if (listener_ != nullptr) evconnlistener_free(listener_);
    listener_ = nullptr;
  });
  // A loop that never started: nothing ran on it.
  connections_.clear();
  if (listener_ != nullptr) evconnlistener_free(listener_);
  listener_ = nullptr;
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

void HttpEndpoint::OnAccept(evconnlistener* listener, int fd, sockaddr*, int,
                            void* self) {
  auto* endpoint = static_cast<HttpEndpoint*>(self);
  event_base* base = evconnlistener_get_base(listener);
  auto connection = std::make_unique<Connection>();
  connection->endpoint = endpoint;
  connection->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (connection->bev == nullptr) {
    ::close(fd);
    return;
  }
  connection->deadline =
      evtimer_new(base, &HttpEndpoint::OnDeadline, connection.get());
  const timeval timeout =
      absl::ToTimeval(endpoint->options_.connection_timeout);
  evtimer_add(connection->deadline, &timeout);
  bufferevent_setcb(connection->bev, &HttpEndpoint::OnReadable,
                    &HttpEndpoint::OnWritten, &HttpEndpoint::OnEvent,
                    connection.get());
  bufferevent_enable(connection->bev, EV_READ);
  Connection* const key = connection.get();
  endpoint->connections_.emplace(key, std::move(connection));
  // At the cap, the rest wait in the listen backlog.
  if (endpoint->connections_.size() >= endpoint->options_.max_connections) {
    evconnlistener_disable(listener);
  }
}

void HttpEndpoint::OnReadable(bufferevent* bev, void* arg) {
  auto* connection = static_cast<Connection*>(arg);
  evbuffer* input = bufferevent_get_input(bev);
  const size_t max = connection->endpoint->options_.max_request_bytes;
  while (evbuffer_get_length(input) > 0 && !connection->writing) {
    char buffer[4096];
    const int n = evbuffer_remove(input, buffer, sizeof(buffer));
    if (n <= 0) break;
    connection->request.append(buffer, static_cast<size_t>(n));
    const bool complete =
        connection->request.find("\r\n\r\n") != std::string::npos;
    if (!complete && connection->request.size() <= max) continue;
    const std::string response =
        Render(complete && connection->request.size() <= max
                   ? connection->endpoint->Answer(connection->request)
                   : Plain(431, "request too large"));
    connection->writing = true;
    bufferevent_disable(bev, EV_READ);
    bufferevent_write(bev, response.data(), response.size());
  }
}

void HttpEndpoint::OnWritten(bufferevent*, void* arg) {
  // Called once the whole answer left the output buffer.
  auto* connection = static_cast<Connection*>(arg);
  if (connection->writing) connection->endpoint->Close(connection);
}

void HttpEndpoint::OnEvent(bufferevent*, short, void* arg) {
  // EOF or an error: the client went away (before a whole request, or
  // while the answer was written).
  auto* connection = static_cast<Connection*>(arg);
  connection->endpoint->Close(connection);
}

void HttpEndpoint::OnDeadline(int, short, void* arg) {
  auto* connection = static_cast<Connection*>(arg);
  connection->endpoint->Close(connection);
}

void HttpEndpoint::OnAcceptError(evconnlistener* listener, void* self) {
  // Descriptors other processes or connections free meanwhile make room.
  static constexpr timeval kAcceptPause = {0, 250 * 1000};
  auto* endpoint = static_cast<HttpEndpoint*>(self);
  evconnlistener_disable(listener);
  endpoint->accept_paused_ = true;
  evtimer_add(endpoint->accept_pause_, &kAcceptPause);
}

void HttpEndpoint::OnAcceptPauseOver(int, short, void* self) {
  auto* endpoint = static_cast<HttpEndpoint*>(self);
  endpoint->accept_paused_ = false;
  if (endpoint->listener_ != nullptr &&
      endpoint->connections_.size() < endpoint->options_.max_connections) {
    evconnlistener_enable(endpoint->listener_);
  }
}

void HttpEndpoint::Close(Connection* connection) {
  connections_.erase(connection);
  if (listener_ != nullptr && !accept_paused_ &&
      connections_.size() < options_.max_connections) {
    evconnlistener_enable(listener_);
  }
}

}  // namespace sitrep
