#ifndef SITREP_BENCH_HTTP_LOAD_H_
#define SITREP_BENCH_HTTP_LOAD_H_

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bench/http_response_reader.h"

namespace sitrep::bench {

// The browser side of the bench (issue 24): many HTTP/1.1 connections to
// sitrepd's gateway on a few epoll loops, reading text/event-stream (what
// EventSource does) or one response (what fetch does). A browser's cost is
// the server's; this must not be the bottleneck, so it parses in place and
// reports its own CPU (cpu_seconds) for the table. Parsing is
// HttpResponseReader's (bench/http_response_reader.h).
//
// Thread safety: Open*/Get/Close from any thread. A connection's callbacks
// run on the loop thread that owns it, never concurrently.
class HttpLoad {
 public:
  using Event = HttpResponseReader::Event;
  // `now_ns`: steady-clock nanoseconds when the bytes were read.
  using EventFn = std::function<void(const Event& event, int64_t now_ns)>;
  // After the events of one read (one network read may carry many).
  using ReadEndFn = std::function<void()>;
  // Once per connection: status (0 when it failed before one) and, for
  // Get, the body.
  using DoneFn = std::function<void(int status, absl::string_view body)>;

  explicit HttpLoad(int threads);
  ~HttpLoad();
  HttpLoad(const HttpLoad&) = delete;
  HttpLoad& operator=(const HttpLoad&) = delete;

  // GET `target` on 127.0.0.1:`port` as an event stream. Returns an id for
  // Close, or -1 when the connection failed (done is not called then).
  int OpenStream(int port, const std::string& target, EventFn on_event,
                 ReadEndFn on_read_end, DoneFn on_done);
  // One GET; on_done gets the status and the whole body. False when the
  // connection failed (on_done is not called then).
  bool Get(int port, const std::string& target, DoneFn on_done);
  // A connection kept alive for requests one after another, as a browser
  // keeps one for its fetches. Returns an id for Request and Close, or -1.
  int OpenKeepAlive(int port);
  // GET `target` on keep-alive connection `id` (no other request of it in
  // flight); on_done gets the status and body, or status 0 when the
  // connection failed or closed.
  void Request(int id, const std::string& target, DoneFn on_done);
  // Closes a stream; its on_done runs (status as received) on its loop.
  void Close(int id);

  // CPU time of the loop threads (connects and request writes run on the
  // callers' threads and are not in it).
  double cpu_seconds() const;

 private:
  struct Connection;
  struct Loop;
  // A connected socket, `target` requested unless empty; -1 on failure.
  int Connect(int port, const std::string& target);
  int Add(std::unique_ptr<Connection> connection);

  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<int> next_id_{0};
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_HTTP_LOAD_H_
