#include "bench/http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sitrep::bench {
namespace {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string GetRequest(const std::string& target) {
  return absl::StrCat("GET ", target,
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Accept: text/event-stream, application/json\r\n\r\n");
}

}  // namespace

struct HttpLoad::Connection {
  int id = -1;
  int fd = -1;
  bool stream = false;
  bool keep_alive = false;  // answers complete; the connection stays
  EventFn on_event;
  ReadEndFn on_read_end;
  DoneFn on_done;
  HttpResponseReader response;

  // Parses one read's bytes; false on a malformed response.
  bool Parse(absl::string_view fresh, int64_t now_ns) {
    return response.Parse(fresh, stream, [&](const Event& event) {
      on_event(event, now_ns);
    });
  }
};

struct HttpLoad::Loop {
  Loop() : epoll_fd(epoll_create1(EPOLL_CLOEXEC)), wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    thread = std::thread([this] { Run(); });
  }
  ~Loop() {
    {
      absl::MutexLock lock(&mu);
      stop = true;
    }
    Wake();
    thread.join();
    for (auto& [id, c] : connections) ::close(c->fd);
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof(one));
  }

  void Run() {
    epoll_event events[256];
    for (;;) {
      const int n = epoll_wait(epoll_fd, events, 256, 100);
      const int64_t now = SteadyNowNs();
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == UINT64_MAX) continue;
        auto it = connections.find(static_cast<int>(events[i].data.u64));
        if (it == connections.end()) continue;
        Readable(it->second.get(), now);
      }
      std::deque<std::unique_ptr<Connection>> adds;
      std::deque<int> closes;
      std::deque<PendingRequest> requests;
      {
        absl::MutexLock lock(&mu);
        if (stop) return;
        adds.swap(pending_adds);
        closes.swap(pending_closes);
        requests.swap(pending_requests);
      }
      uint64_t drained;
      [[maybe_unused]] ssize_t r = ::read(wake_fd, &drained, sizeof(drained));
      for (auto& c : adds) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = static_cast<uint64_t>(c->id);
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
        const int id = c->id;
        connections[id] = std::move(c);
      }
      for (PendingRequest& r : requests) {
        auto it = connections.find(r.id);
        if (it == connections.end()) {
          r.on_done(0, "");
          continue;
        }
        Connection* c = it->second.get();
        c->response.Reset();
        c->on_done = std::move(r.on_done);
        // Small: it fits the empty socket buffer of an idle connection.
        if (!WriteAll(c->fd, r.request)) End(c);
      }
      for (int id : closes) {
        auto it = connections.find(id);
        if (it != connections.end()) End(it->second.get());
      }
    }
  }

  void Readable(Connection* c, int64_t now) {
    bool eof = false;
    // Read into one buffer per loop and append what came: growing `in` by
    // 64 KiB per recv zero-filled 128 KiB per readable event (two recvs),
    // which made this generator, not sitrepd, the bottleneck (issue 24).
    // Parsed after each read, so that neither `in` nor the body grows past
    // one read (16 reads into `in` first grew both to a megabyte per
    // connection, faulting in gigabytes at N=1000).
    thread_local char scratch[64 * 1024];
    for (int reads = 0; reads < 16; ++reads) {
      const ssize_t got = ::recv(c->fd, scratch, sizeof(scratch), 0);
      if (got > 0 &&
          !c->Parse(absl::string_view(scratch, static_cast<size_t>(got)), now)) {
        break;
      }
      if (got > 0) continue;
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
      eof = true;
      break;
    }
    const bool ok = c->Parse(absl::string_view(), now);
    if (c->stream && c->on_read_end) c->on_read_end();
    if (ok && c->response.complete() && c->keep_alive && c->on_done) {
      DoneFn done = std::move(c->on_done);
      c->on_done = nullptr;
      done(c->response.status(), c->response.body());
      if (!eof) return;
    }
    if (!ok || eof || c->response.complete()) End(c);
  }

  // Reports and forgets the connection.
  void End(Connection* c) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    if (c->on_done) {
      c->on_done(c->response.headers_done() ? c->response.status() : 0,
                 c->stream ? absl::string_view() : c->response.body());
    }
    connections.erase(c->id);  // destroys c
  }

  const int epoll_fd;
  const int wake_fd;
  std::thread thread;
  absl::Mutex mu;
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::deque<std::unique_ptr<Connection>> pending_adds ABSL_GUARDED_BY(mu);
  std::deque<int> pending_closes ABSL_GUARDED_BY(mu);
  struct PendingRequest {
    int id;
    std::string request;
    DoneFn on_done;
  };
  std::deque<PendingRequest> pending_requests ABSL_GUARDED_BY(mu);
  // Only the loop thread.
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
};

HttpLoad::HttpLoad(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    loops_.push_back(std::make_unique<Loop>());
  }
}

HttpLoad::~HttpLoad() = default;

int HttpLoad::Connect(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // Blocking connect and request write: both are local and short.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (!target.empty() && !WriteAll(fd, GetRequest(target)))) {
    ::close(fd);
    return -1;
  }
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return fd;
}

int HttpLoad::Add(std::unique_ptr<Connection> connection) {
  const int id = next_id_.fetch_add(1);
  connection->id = id;
  Loop* loop = loops_[static_cast<size_t>(id) % loops_.size()].get();
  {
    absl::MutexLock lock(&loop->mu);
    loop->pending_adds.push_back(std::move(connection));
  }
  loop->Wake();
  return id;
}

int HttpLoad::OpenStream(int port, const std::string& target,
                         EventFn on_event, ReadEndFn on_read_end,
                         DoneFn on_done) {
  const int fd = Connect(port, target);
  if (fd < 0) return -1;
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->stream = true;
  c->on_event = std::move(on_event);
  c->on_read_end = std::move(on_read_end);
  c->on_done = std::move(on_done);
  return Add(std::move(c));
}

bool HttpLoad::Get(int port, const std::string& target, DoneFn on_done) {
  const int fd = Connect(port, target);
  if (fd < 0) return false;
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->on_done = std::move(on_done);
  Add(std::move(c));
  return true;
}

int HttpLoad::OpenKeepAlive(int port) {
  const int fd = Connect(port, "");
  if (fd < 0) return -1;
  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->keep_alive = true;
  return Add(std::move(c));
}

void HttpLoad::Request(int id, const std::string& target, DoneFn on_done) {
  Loop* loop = loops_[static_cast<size_t>(id) % loops_.size()].get();
  {
    absl::MutexLock lock(&loop->mu);
    loop->pending_requests.push_back({id, GetRequest(target), std::move(on_done)});
  }
  loop->Wake();
}

void HttpLoad::Close(int id) {
  if (id < 0) return;
  Loop* loop = loops_[static_cast<size_t>(id) % loops_.size()].get();
  {
    absl::MutexLock lock(&loop->mu);
    loop->pending_closes.push_back(id);
  }
  loop->Wake();
}

double HttpLoad::cpu_seconds() const {
  double total = 0;
  for (const auto& loop : loops_) {
    clockid_t clock;
    timespec ts{};
    if (pthread_getcpuclockid(
            const_cast<std::thread&>(loop->thread).native_handle(), &clock) ==
            0 &&
        clock_gettime(clock, &ts) == 0) {
      total += static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
    }
  }
  return total;
}

}  // namespace sitrep::bench
