#include "tests/security/h2_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace sitrep::testing {
namespace {

nghttp2_nv Header(const char* name, const std::string& value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                    strlen(name), value.size(), NGHTTP2_NV_FLAG_NONE};
}

ssize_t OnSend(nghttp2_session*, const uint8_t* data, size_t length, int,
               void* out) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data),
                                         length);
  return static_cast<ssize_t>(length);
}

}  // namespace

H2Client::~H2Client() {
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (fd_ >= 0) close(fd_);
}

absl::Status H2Client::Open(int port) {
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
  nghttp2_session_callbacks_set_send_callback(
      callbacks, [](nghttp2_session* session, const uint8_t* data,
                    size_t length, int flags, void* self) {
        return OnSend(session, data, length, flags,
                      &static_cast<H2Client*>(self)->out_);
      });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      callbacks,
      [](nghttp2_session*, const nghttp2_frame* frame, void* raw) -> int {
        auto* self = static_cast<H2Client*>(raw);
        if (frame->hd.type == NGHTTP2_RST_STREAM) {
          self->resets_.emplace(frame->hd.stream_id,
                                frame->rst_stream.error_code);
        } else if (frame->hd.type == NGHTTP2_GOAWAY) {
          self->goaway_error_ = frame->goaway.error_code;
        }
        return 0;
      });
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  authority_ = absl::StrCat("127.0.0.1:", port);
  return absl::OkStatus();
}

int32_t H2Client::SubmitCall(const std::string& path) {
  // nghttp2 copies names and values when it serialises; they must live
  // until then.
  static const std::string kPost = "POST", kHttp = "http",
                           kGrpc = "application/grpc", kTrailers = "trailers";
  const nghttp2_nv headers[] = {
      Header(":method", kPost), Header(":scheme", kHttp),
      Header(":path", path),    Header(":authority", authority_),
      Header("content-type", kGrpc), Header("te", kTrailers)};
  // A body that never comes from nghttp2: HEADERS without END_STREAM, as
  // a real client's call.
  nghttp2_data_provider body{};
  body.read_callback = [](nghttp2_session*, int32_t, uint8_t*, size_t,
                          uint32_t*, nghttp2_data_source*,
                          void*) -> ssize_t { return NGHTTP2_ERR_DEFERRED; };
  return nghttp2_submit_request(session_, nullptr, headers,
                                sizeof(headers) / sizeof(headers[0]), &body,
                                nullptr);
}

void H2Client::SubmitReset(int32_t stream_id) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id,
                            NGHTTP2_CANCEL);
}

bool H2Client::Serialise() { return nghttp2_session_send(session_) == 0; }

bool H2Client::Send(absl::Time deadline) {
  return Serialise() && Flush(deadline);
}

bool H2Client::SendRawData(int32_t stream_id, absl::string_view payload,
                           absl::Time deadline) {
  const size_t length = std::min<size_t>(payload.size(), 16384);
  const uint8_t header[9] = {
      static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 8),
      static_cast<uint8_t>(length), /*type DATA*/ 0, /*flags*/ 0,
      static_cast<uint8_t>((stream_id >> 24) & 0x7f),
      static_cast<uint8_t>(stream_id >> 16),
      static_cast<uint8_t>(stream_id >> 8), static_cast<uint8_t>(stream_id)};
  out_.append(reinterpret_cast<const char*>(header), sizeof(header));
  out_.append(payload.data(), length);
  return Flush(deadline);
}

bool H2Client::Flush(absl::Time deadline) {
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
         static_cast<int>(
             std::min<int64_t>(absl::ToInt64Milliseconds(left), 100)) +
             1);
    if ((wait.revents & POLLIN) != 0 && !Drain()) return false;
  }
  out_.clear();
  return true;
}

bool H2Client::Drain() {
  uint8_t buffer[16384];
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (nghttp2_session_mem_recv(session_, buffer, static_cast<size_t>(n)) <
        0) {
      return false;
    }
  }
  return nghttp2_session_want_read(session_) != 0;
}

std::optional<uint32_t> H2Client::reset_error(int32_t stream_id) const {
  auto it = resets_.find(stream_id);
  if (it == resets_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sitrep::testing
