#include "bench/sse_hub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bench/ceiling_hub.h"
#include "google/protobuf/util/json_util.h"

namespace sitrep::bench::ceiling {
namespace {

// A reader that stops reading is cut at this backlog rather than growing
// the ceiling's memory (the bench's readers keep up).
constexpr size_t kMaxUnsentBytes = 64 << 20;
// A request's headers beyond this are not a browser's.
constexpr size_t kMaxRequestBytes = 16 << 10;

// What sitrepd's gateway answers GET /v1/stream with (server/http/
// sse_stream.cc, libevent adding the chunked encoding).
constexpr absl::string_view kStreamHeaders =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "X-Accel-Buffering: no\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";

// `events` as one HTTP/1.1 chunk: its size in hex, CRLF, the bytes, CRLF.
std::string Chunk(absl::string_view events) {
  return absl::StrCat(absl::Hex(events.size()), "\r\n", events, "\r\n");
}

// epoll_event.data.ptr of the listening socket (the wake-up eventfd's is
// null, a connection's its Connection).
char listen_tag;

// One update's event as an HTTP chunk, made once, by the first loop that
// sends it (as sitrepd makes an update's JSON on the first stream's pump,
// not on the publishing path), and sent to every connection of its mission.
class Frame {
 public:
  Frame(uint64_t sequence, const v1::SituationUpdate& update)
      : sequence_(sequence), mission_(update.mission() & 3), update_(update) {}

  uint64_t sequence() const { return sequence_; }
  int mission() const { return mission_; }  // 1-3 (0: none, sent to nobody)

  // Thread-safe; the loops share the frame.
  const std::string& chunk() {
    absl::call_once(once_, [this] {
      // sitrepd's JSON (server/fanout/entry_encodings.cc): the same printer
      // and options.
      std::string json;
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = false;
      if (!google::protobuf::util::MessageToJsonString(update_, &json, options)
               .ok()) {
        json = "{}";
      }
      chunk_ = Chunk(absl::StrCat("event: update\nid: ", sequence_,
                                  "\ndata: ", json, "\n\n"));
    });
    return chunk_;
  }

 private:
  const uint64_t sequence_;
  const int mission_;
  const v1::SituationUpdate update_;
  absl::once_flag once_;
  std::string chunk_;  // set once, under once_
};
using FramePtr = std::shared_ptr<Frame>;

// The mission of "GET /v1/stream?...filter.missions=<1-3>..." (the request
// line of `request`), or -1.
int StreamMission(absl::string_view request) {
  if (!absl::StartsWith(request, "GET /v1/stream?")) return -1;
  const absl::string_view line = request.substr(0, request.find("\r\n"));
  constexpr absl::string_view kKey = "filter.missions=";
  const size_t at = line.find(kKey);
  if (at == absl::string_view::npos || at + kKey.size() >= line.size()) {
    return -1;
  }
  const char m = line[at + kKey.size()];
  return m >= '1' && m <= '3' ? m - '0' : -1;
}

// Bytes written to many connections: a round's updates of one mission.
using SharedBytes = std::shared_ptr<const std::string>;

// At most this many queued pieces per writev.
constexpr int kMaxIov = 64;

// A browser's connection. Only its loop's thread touches it.
struct Connection {
  explicit Connection(int socket) : fd(socket) {}
  int fd;            // -1 once closed (it waits in the graveyard)
  int mission = -1;  // -1 until its request is read
  size_t index = 0;  // in its loop's subscribers[mission]
  std::string request;  // until the request's headers end
  // What the socket did not take, shared with the other connections (no
  // copy), from `offset` into the first.
  std::deque<SharedBytes> unsent;
  size_t offset = 0;
  size_t unsent_bytes = 0;
};

}  // namespace

struct SseHub::Loop {
  Loop(SseHub* owner, bool accepts)
      : hub(owner),
        epoll_fd(epoll_create1(EPOLL_CLOEXEC)),
        wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    Watch(wake_fd, EPOLLIN, nullptr, EPOLL_CTL_ADD);
    if (accepts) Watch(hub->listen_fd_, EPOLLIN, &listen_tag, EPOLL_CTL_ADD);
  }

  ~Loop() {
    for (auto& [fd, c] : connections) close(fd);
    close(epoll_fd);
    close(wake_fd);
  }

  void Watch(int fd, uint32_t events, void* ptr, int op) {
    epoll_event e{};
    e.events = events;
    e.data.ptr = ptr;
    epoll_ctl(epoll_fd, op, fd, &e);
  }

  void Wake() {
    const uint64_t one = 1;
    (void)!write(wake_fd, &one, sizeof(one));
  }

  // From the publishing thread, under the hub's publish_mu_.
  void Push(FramePtr frame) {
    bool wake;
    {
      absl::MutexLock lock(&mu);
      incoming.push_back(std::move(frame));
      wake = !woken;
      woken = true;
    }
    if (wake) Wake();
  }

  // From the accepting loop: a connection for this loop to own.
  void Hand(int fd) {
    {
      absl::MutexLock lock(&mu);
      accepted.push_back(fd);
      woken = true;
    }
    Wake();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu);
      stop = true;
    }
    Wake();
  }

  void Run() {
    epoll_event events[256];
    for (;;) {
      const int n = epoll_wait(epoll_fd, events, 256, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;
      }
      for (int i = 0; i < n; ++i) {
        void* p = events[i].data.ptr;
        if (p == nullptr) {
          if (!Round()) return;
        } else if (p == &listen_tag) {
          Accept();
        } else {
          auto* c = static_cast<Connection*>(p);
          if (c->fd >= 0 && (events[i].events & EPOLLOUT)) OnWritable(c);
          if (c->fd >= 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            OnReadable(c);
          }
        }
      }
      // Connections closed in this batch may have had later events in it.
      graveyard.clear();
    }
  }

  // Takes the connections handed over and the updates published since the
  // last round; writes each subscriber its mission's updates in one send.
  // False: stop.
  bool Round() {
    uint64_t count;
    (void)!read(wake_fd, &count, sizeof(count));
    round.clear();
    std::vector<int> fds;
    {
      absl::MutexLock lock(&mu);
      if (stop) return false;
      round.swap(incoming);
      fds.swap(accepted);
      woken = false;
    }
    for (int fd : fds) Adopt(fd);
    if (round.empty()) return true;
    // One buffer per mission and round (one copy of each update per
    // round, shared by every connection), sent with one send() each.
    std::string by_mission[4];
    for (const FramePtr& f : round) by_mission[f->mission()] += f->chunk();
    for (int m = 1; m <= 3; ++m) {
      if (by_mission[m].empty()) continue;
      auto bytes =
          std::make_shared<const std::string>(std::move(by_mission[m]));
      // Backwards: a connection closed by Send is swapped with the last,
      // which has had its turn.
      std::vector<Connection*>& list = subscribers[m];
      for (size_t i = list.size(); i-- > 0;) Send(list[i], bytes);
    }
    fanned_out = round.back()->sequence();
    return true;
  }

  void Accept() {
    for (;;) {
      const int fd =
          accept4(hub->listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN, or out of descriptors: the backlog waits
      }
      Loop* to = hub->loops_[next_loop++ % hub->loops_.size()].get();
      if (to == this) {
        Adopt(fd);
      } else {
        to->Hand(fd);
      }
    }
  }

  void Adopt(int fd) {
    // Each write is a whole round: Nagle would hold it for the client's
    // delayed ACK (sitrepd sets the same).
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Connection>(fd);
    Watch(fd, EPOLLIN, c.get(), EPOLL_CTL_ADD);
    connections[fd] = std::move(c);
  }

  void OnReadable(Connection* c) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = recv(c->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) {
        // A subscribed browser sends nothing more; what it sends is dropped.
        if (c->mission < 0) {
          c->request.append(buffer, static_cast<size_t>(n));
          if (c->request.size() > kMaxRequestBytes) return Close(c);
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return Close(c);  // the browser left, or the connection failed
    }
    if (c->mission < 0 && absl::StrContains(c->request, "\r\n\r\n")) {
      Subscribe(c);
    }
  }

  // The request is read: answer it and, for a stream, start it after the
  // last update this loop fanned out (every later one reaches it).
  void Subscribe(Connection* c) {
    const int mission = StreamMission(c->request);
    std::string().swap(c->request);
    if (mission < 0) {
      Send(c, std::make_shared<const std::string>(
                  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                  "Connection: close\r\n\r\n"));
      if (c->fd >= 0) shutdown(c->fd, SHUT_WR);
      return;
    }
    c->mission = mission;
    c->index = subscribers[mission].size();
    subscribers[mission].push_back(c);
    const std::string at = absl::StrCat(fanned_out);
    Send(c, std::make_shared<const std::string>(absl::StrCat(
                kStreamHeaders,
                Chunk(absl::StrCat(
                    "retry: 2000\n\nevent: hello\nid: ", at,
                    "\ndata: {\"logId\":\"ceiling\",\"cursor\":\"", at,
                    "\",\"headSequence\":\"", at,
                    "\"}\n\nevent: caught_up\nid: ", at, "\ndata: {}\n\n")))));
  }

  // One send; what the socket does not take waits for EPOLLOUT (and so does
  // everything after it, in order).
  void Send(Connection* c, const SharedBytes& bytes) {
    if (!c->unsent.empty()) {
      if (c->unsent_bytes + bytes->size() > kMaxUnsentBytes) return Close(c);
      c->unsent.push_back(bytes);
      c->unsent_bytes += bytes->size();
      return;
    }
    ssize_t n;
    do {
      n = send(c->fd, bytes->data(), bytes->size(),
               MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Close(c);
    const size_t sent = n < 0 ? 0 : static_cast<size_t>(n);
    if (sent == bytes->size()) return;
    c->unsent.push_back(bytes);
    c->offset = sent;
    c->unsent_bytes = bytes->size() - sent;
    Watch(c->fd, EPOLLIN | EPOLLOUT, c, EPOLL_CTL_MOD);
  }

  // Sends what waits, a writev of up to kMaxIov pieces at a time, until the
  // socket is full again or nothing waits.
  void OnWritable(Connection* c) {
    while (!c->unsent.empty()) {
      iovec iov[kMaxIov];
      int count = 0;
      for (const SharedBytes& piece : c->unsent) {
        if (count == kMaxIov) break;
        const size_t skip = count == 0 ? c->offset : 0;
        iov[count].iov_base = const_cast<char*>(piece->data() + skip);
        iov[count].iov_len = piece->size() - skip;
        ++count;
      }
      ssize_t n;
      do {
        n = writev(c->fd, iov, count);
      } while (n < 0 && errno == EINTR);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0) return Close(c);
      size_t sent = static_cast<size_t>(n);
      c->unsent_bytes -= sent;
      while (sent > 0) {
        const size_t left = c->unsent.front()->size() - c->offset;
        if (sent < left) {
          c->offset += sent;
          return;  // the socket took part of a piece: it is full
        }
        sent -= left;
        c->unsent.pop_front();
        c->offset = 0;
      }
    }
    Watch(c->fd, EPOLLIN, c, EPOLL_CTL_MOD);
  }

  void Close(Connection* c) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    close(c->fd);
    if (c->mission > 0) {
      std::vector<Connection*>& list = subscribers[c->mission];
      list[c->index] = list.back();
      list[c->index]->index = c->index;
      list.pop_back();
    }
    auto it = connections.find(c->fd);
    c->fd = -1;
    graveyard.push_back(std::move(it->second));
    connections.erase(it);
  }

  SseHub* const hub;
  const int epoll_fd;
  const int wake_fd;

  absl::Mutex mu;
  std::vector<FramePtr> incoming ABSL_GUARDED_BY(mu);
  std::vector<int> accepted ABSL_GUARDED_BY(mu);
  bool woken ABSL_GUARDED_BY(mu) = false;  // a wake-up is on its way
  bool stop ABSL_GUARDED_BY(mu) = false;

  // Only the loop's thread.
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
  std::vector<std::unique_ptr<Connection>> graveyard;
  std::vector<Connection*> subscribers[4];  // by mission; [0] unused
  std::vector<FramePtr> round;              // scratch of Round
  uint64_t fanned_out = 0;  // the last sequence written to subscribers
  size_t next_loop = 0;     // the accepting loop's round robin
  std::thread thread;
};

std::unique_ptr<SseHub> SseHub::Listen(const std::string& address,
                                       int threads, std::string* error) {
  // IPv4 host:port: the bench serves 127.0.0.1 only.
  const size_t colon = address.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  int port = -1;
  if (colon == std::string::npos ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) !=
          1 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    *error = absl::StrCat("not an IPv4 host:port: ", address);
    return nullptr;
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  socklen_t size = sizeof(addr);
  if (fd < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 4096) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    *error = absl::StrCat("cannot listen on ", address, ": ", strerror(errno));
    if (fd >= 0) close(fd);
    return nullptr;
  }
  std::unique_ptr<SseHub> hub(new SseHub(fd, ntohs(addr.sin_port)));
  for (int i = 0; i < std::max(threads, 1); ++i) {
    hub->loops_.push_back(std::make_unique<Loop>(hub.get(), i == 0));
  }
  for (auto& loop : hub->loops_) {
    loop->thread = std::thread([l = loop.get()] { l->Run(); });
  }
  return hub;
}

SseHub::SseHub(int listen_fd, int port) : listen_fd_(listen_fd), port_(port) {}

SseHub::~SseHub() {
  for (auto& loop : loops_) loop->Stop();
  for (auto& loop : loops_) loop->thread.join();
  loops_.clear();
  close(listen_fd_);
}

uint64_t SseHub::Publish(v1::SituationUpdate* update) {
  absl::MutexLock lock(&publish_mu_);
  const uint64_t sequence = ++head_;
  StampAsSitrepd(sequence, update);
  auto frame = std::make_shared<Frame>(sequence, *update);
  // Under publish_mu_: every loop sees the updates in sequence order.
  for (auto& loop : loops_) loop->Push(frame);
  return sequence;
}

}  // namespace sitrep::bench::ceiling
