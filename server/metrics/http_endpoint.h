#ifndef SITREP_SERVER_METRICS_HTTP_ENDPOINT_H_
#define SITREP_SERVER_METRICS_HTTP_ENDPOINT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sitrep {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers one GET of its path; runs on the endpoint's thread, so it must be
// quick (a scrape, a flag).
using HttpHandler = std::function<HttpResponse()>;

// A minimal HTTP/1.1 server for /metrics, /healthz and /readyz: one thread
// with poll() over nonblocking sockets, GET only, one request per
// connection (Connection: close), bounded request size, connection count
// and connection lifetime. It is not a general web server: prometheus-cpp's
// civetweb Exposer serves only metric collectables, not a health endpoint
// that answers 503, and two server threads for three fixed pages would be
// more than the job needs.
//
// Thread safety: Start and Stop may be called from any thread; handlers run
// on the endpoint's thread only, one at a time.
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
  // UNAVAILABLE names the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      absl::string_view address, std::map<std::string, HttpHandler> routes,
      Options options);

  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Closes the listener and every connection and joins the thread.
  // Idempotent.
  void Stop();

 private:
  struct Connection;

  HttpEndpoint(int listen_fd, int port, int wake_read, int wake_write,
               std::map<std::string, HttpHandler> routes, Options options);
  void Serve();
  HttpResponse Answer(absl::string_view request) const;

  // Constant after construction. listen_fd_ is closed by Stop(), after the
  // serving thread ended.
  const int listen_fd_;
  const int port_;
  const int wake_read_;
  const int wake_write_;
  const std::map<std::string, HttpHandler> routes_;
  const Options options_;

  // Read by the serving thread between polls.
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Serialises Stop() so that the thread is joined once.
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_HTTP_ENDPOINT_H_
