#include "tests/support/http_receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace sitrep::testing {
namespace {

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // The client went away; nothing to report.
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Parses one complete request from the front of `in` and removes it.
// False when `in` does not hold a complete request yet.
bool TakeRequest(std::string* in, HttpReceiver::Request* request) {
  const size_t end = in->find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(*in).substr(0, end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  request->method = first.size() > 0 ? first[0] : "";
  request->target = first.size() > 1 ? first[1] : "";
  request->headers.clear();
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    request->headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  size_t length = 0;
  auto it = request->headers.find("content-length");
  if (it != request->headers.end() && !absl::SimpleAtoi(it->second, &length)) {
    length = 0;
  }
  if (in->size() < end + 4 + length) return false;
  request->body = in->substr(end + 4, length);
  in->erase(0, end + 4 + length);
  return true;
}

}  // namespace

HttpReceiver::HttpReceiver() {
  if (pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return;
  }
  if (!Listen()) return;
  {
    absl::MutexLock lock(&mu_);
    is_up_ = true;
  }
  thread_ = std::thread([this] { Serve(); });
}

HttpReceiver::~HttpReceiver() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Notify();
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) close(listener_);
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

bool HttpReceiver::Listen() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) {
    ADD_FAILURE() << "socket: " << std::strerror(errno);
    return false;
  }
  const int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port_));
  socklen_t size = sizeof(address);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      listen(listener_, 64) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) !=
          0) {
    ADD_FAILURE() << "cannot listen on 127.0.0.1:" << port_ << ": "
                  << std::strerror(errno);
    close(listener_);
    listener_ = -1;
    return false;
  }
  // Set once, before the serving thread starts; Up() binds the same port.
  if (port_ == 0) port_ = ntohs(address.sin_port);
  return true;
}

std::string HttpReceiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void HttpReceiver::Notify() {
  const char byte = 1;
  (void)!write(wake_pipe_[1], &byte, 1);
}

void HttpReceiver::Answer(int status, const std::string& retry_after) {
  absl::MutexLock lock(&mu_);
  mode_ = Mode::kAnswer;
  status_ = status;
  retry_after_ = retry_after;
  echo_ = false;
}

void HttpReceiver::Echo(int status) {
  absl::MutexLock lock(&mu_);
  mode_ = Mode::kAnswer;
  status_ = status;
  retry_after_.clear();
  echo_ = true;
}

void HttpReceiver::Hang() {
  absl::MutexLock lock(&mu_);
  mode_ = Mode::kHang;
}

void HttpReceiver::Drop() {
  absl::MutexLock lock(&mu_);
  mode_ = Mode::kDrop;
}

void HttpReceiver::Down() {
  {
    absl::MutexLock lock(&mu_);
    want_up_ = false;
  }
  Notify();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* up) { return !*up; }, &is_up_));
}

void HttpReceiver::Up() {
  {
    absl::MutexLock lock(&mu_);
    want_up_ = true;
  }
  Notify();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(+[](bool* up) { return *up; }, &is_up_));
}

std::vector<HttpReceiver::Request> HttpReceiver::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool HttpReceiver::WaitUntil(
    const std::function<bool(const std::vector<Request>&)>& done,
    absl::Duration timeout) const {
  struct Check {
    const std::function<bool(const std::vector<Request>&)>* done;
    const std::vector<Request>* requests;
  } check{&done, &requests_};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](Check* c) { return (*c->done)(*c->requests); }, &check),
      timeout);
}

void HttpReceiver::Serve() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      ListenAsWantedLocked();
    }
    std::vector<pollfd> fds;
    fds.push_back({wake_pipe_[0], POLLIN, 0});
    if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
    const size_t first_connection = fds.size();
    for (const Connection& c : connections_) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      break;
    }
    if (fds[0].revents != 0) {
      char drain[64];
      while (read(wake_pipe_[0], drain, sizeof(drain)) > 0) {
      }
    }
    if (listener_ >= 0 && fds[1].revents != 0) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) connections_.push_back({fd, ""});
    }
    std::vector<int> closed;
    for (size_t i = first_connection; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Connection& c = connections_[i - first_connection];
      if (!ReadRequests(c)) closed.push_back(c.fd);
    }
    for (int fd : closed) CloseConnection(fd);
  }
  CloseAllConnections();
}

void HttpReceiver::ListenAsWantedLocked() {
  if (want_up_ && !is_up_) {
    // On failure Listen() failed the test; Up() returns all the same.
    Listen();
    is_up_ = true;
  } else if (!want_up_ && is_up_) {
    close(listener_);
    listener_ = -1;
    CloseAllConnections();
    is_up_ = false;
  }
}

bool HttpReceiver::ReadRequests(Connection& connection) {
  char buffer[16384];
  const ssize_t n = read(connection.fd, buffer, sizeof(buffer));
  if (n <= 0) return false;
  connection.in.append(buffer, static_cast<size_t>(n));
  Request request;
  while (TakeRequest(&connection.in, &request)) {
    std::string response;
    const Mode mode = Record(&request, &response);
    if (mode == Mode::kAnswer) {
      WriteAll(connection.fd, response);
    } else if (mode == Mode::kDrop) {
      return false;
    }
  }
  return true;
}

HttpReceiver::Mode HttpReceiver::Record(Request* request,
                                        std::string* response) {
  absl::MutexLock lock(&mu_);
  request->received_at = absl::Now();
  request->answered = mode_ == Mode::kAnswer ? status_ : 0;
  if (mode_ == Mode::kAnswer) *response = ResponseLocked(*request);
  requests_.push_back(*request);
  return mode_;
}

std::string HttpReceiver::ResponseLocked(const Request& request) const {
  std::string response = absl::StrCat("HTTP/1.1 ", status_, " Status\r\n",
                                      "Content-Type: text/plain\r\n");
  if (!retry_after_.empty()) {
    absl::StrAppend(&response, "Retry-After: ", retry_after_, "\r\n");
  }
  std::string body = "ok";
  if (echo_) {
    body.clear();
    for (const auto& [name, value] : request.headers) {
      absl::StrAppend(&body, name, ": ", value, "\r\n");
    }
    absl::StrAppend(&body, "\r\n", request.body);
  }
  absl::StrAppend(&response, "Content-Length: ", body.size(), "\r\n\r\n",
                  body);
  return response;
}

void HttpReceiver::CloseConnection(int fd) {
  close(fd);
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->fd == fd) {
      connections_.erase(it);
      break;
    }
  }
}

void HttpReceiver::CloseAllConnections() {
  for (const Connection& c : connections_) close(c.fd);
  connections_.clear();
}

}  // namespace sitrep::testing
