#ifndef SITREP_SERVER_HTTP_HTTP_ENDPOINT_H_
#define SITREP_SERVER_HTTP_HTTP_ENDPOINT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/http/event_loop.h"

struct bufferevent;
struct event;
struct evconnlistener;
struct sockaddr;

namespace sitrep {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers one GET of its path; runs on the endpoint's loop thread, so it
// must be quick (a scrape, a flag).
using HttpHandler = std::function<HttpResponse()>;

// The small HTTP/1.1 server for /metrics, /healthz and /readyz
// (--metrics_address): GET only, one request per connection (Connection:
// close), bounded request size, connection count and connection lifetime.
// Built from the gateway's pieces (an EventLoop of its own, a libevent
// listener and bufferevents) but not on evhttp: three fixed pages need
// neither keep-alive nor bodies, and evhttp cannot answer an oversized
// request 431 or a POST 405 with Allow. It has its own loop, apart from the
// gateway's, so that it serves during the whole shutdown (it stops last,
// after the gateway) and with no gateway at all (--http_address empty).
//
// Example:
//
//   std::map<std::string, HttpHandler> routes;
//   routes["/healthz"] = [] { return HttpResponse{200, "text/plain", "ok\n"}; };
//   absl::StatusOr<std::unique_ptr<HttpEndpoint>> endpoint =
//       HttpEndpoint::Start("127.0.0.1:0", std::move(routes), {});
//   ... (*endpoint)->port() ...
//   (*endpoint)->Stop();
//
// Thread safety: Start and Stop may be called from any thread; handlers run
// on the endpoint's loop thread only, one at a time.
class HttpEndpoint {
 public:
  struct Options {
    // Request line and headers; larger requests get 431 and are closed.
    size_t max_request_bytes = 8 * 1024;
    // A connection's whole life (reading the request, writing the answer);
    // a slow or idle client is closed after it.
    absl::Duration connection_timeout = absl::Seconds(10);
    // Connections served at once; more wait in the listen backlog.
    size_t max_connections = 64;
  };

  // Binds `address` ("host:port", "[::1]:port"; port 0: any free port) and
  // starts serving `routes` (exact paths; a query string is ignored).
  // INVALID_ARGUMENT for an address that is not host:port; UNAVAILABLE
  // names the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      absl::string_view address, std::map<std::string, HttpHandler> routes,
      Options options);

  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Closes the listener and every connection and joins the loop thread.
  // Idempotent.
  void Stop();

 private:
  struct Connection;

  HttpEndpoint(int port, std::map<std::string, HttpHandler> routes,
               Options options, std::unique_ptr<EventLoop> loop);
  HttpResponse Answer(absl::string_view request) const;

  // libevent callbacks, on the loop thread.
  static void OnAccept(evconnlistener* listener, int fd, sockaddr* address,
                       int length, void* self);
  static void OnReadable(bufferevent* bev, void* connection);
  static void OnWritten(bufferevent* bev, void* connection);
  static void OnEvent(bufferevent* bev, short what, void* connection);
  static void OnDeadline(int fd, short what, void* connection);
  // An accept that fails (EMFILE...) leaves the connection queued and the
  // socket readable: libevent would try again at once, forever, and log
  // each time. The listener pauses for a moment instead.
  static void OnAcceptError(evconnlistener* listener, void* self);
  static void OnAcceptPauseOver(int fd, short what, void* self);
  void Close(Connection* connection);

  // Constant after construction.
  const int port_;
  const std::map<std::string, HttpHandler> routes_;
  const Options options_;
  const std::unique_ptr<EventLoop> loop_;

  // Loop thread only (and Stop(), once the loop thread ended).
  evconnlistener* listener_ = nullptr;
  event* accept_pause_ = nullptr;
  bool accept_paused_ = false;
  absl::flat_hash_map<Connection*, std::unique_ptr<Connection>> connections_;

  // Serialises Stop() so that the loop is stopped once.
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_HTTP_ENDPOINT_H_
