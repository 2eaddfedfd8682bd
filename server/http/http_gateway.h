#ifndef SITREP_SERVER_HTTP_HTTP_GATEWAY_H_
#define SITREP_SERVER_HTTP_HTTP_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/service/feed_reads.h"
#include "server/service/publish_service.h"
#include "server/http/connection_table.h"
#include "server/auth/authenticator.h"
#include "server/http/event_loop.h"
#include "server/http/http_request.h"
#include "server/http/query_params.h"
#include "server/http/session_store.h"
#include "server/http/sse_events.h"
#include "server/http/sse_frame_cache.h"
#include "server/http/static_files.h"
#include "server/metrics/metrics.h"
#include "server/runtime/clock.h"
#include "server/runtime/executor.h"
#include "server/runtime/log_throttle.h"

struct event;
struct evconnlistener;
struct evhttp;
struct evhttp_request;
struct ssl_ctx_st;

namespace sitrep {

class SseStream;

// The browser's way in (docs/http.md): HTTP/JSON twins of ListUpdates and
// GetSituation, Server-Sent Events for Subscribe, browser sessions for
// EventSource, and the bundled dashboard. Requests are authenticated and
// held to their principal's rights by the same code as gRPC (FeedReads),
// and an SSE stream is one more Subscription.
//
// One libevent loop thread serves every connection; no thread per client.
// Subscriptions pump on the executor (sse_stream.h). A thin adapter over
// service/ (FeedReads, PublishService, Subscription), like api/ for gRPC.
// Its methods live in one file per concept: http_gateway.cc (lifecycle,
// routing, streams), http_gateway_reads.cc, http_gateway_publish.cc,
// http_gateway_auth.cc.
//
// Thread safety: Start and Stop from the owner; the rest runs on the loop.
class HttpGateway {
 public:
  struct Options {
    // host:port; port 0: any free port.
    std::string address;
    // PEM certificate chain and key: HTTPS. Empty: plain HTTP.
    std::string tls_cert_file;
    std::string tls_key_file;
    // PEM CA certificates (with TLS): every connection must present a
    // client certificate they signed (mTLS, like the gRPC listener), and
    // its names can authenticate as a principal (clientCertNames).
    std::string tls_client_ca_file;
    // Origins allowed to call the API from other pages ("*": any).
    std::vector<std::string> cors_origins;
    absl::Duration session_ttl = absl::Hours(12);
    // A request's headers (bytes) and body (bytes).
    size_t max_header_bytes = 16 * 1024;
    size_t max_body_bytes = 16 * 1024;
    // A connection that sends nothing (before its request) or takes nothing
    // (of a response being written) for this long is closed.
    absl::Duration io_timeout = absl::Seconds(60);
    // Open connections at most; at the cap the one waiting longest for a
    // request is closed for a newcomer (connection_table.h).
    int max_connections = 512;
    // A request must be complete within this time of its first byte.
    absl::Duration request_timeout = absl::Seconds(10);
    // An event stream ends cleanly after about this long (Subscription::
    // EndAfter), so that a browser authenticates again; infinite: never.
    absl::Duration max_stream_age = absl::Minutes(30);
    // CAP <sender> of the alerts under /v1/cap/ (interop/cap_alert.h).
    std::string cap_sender = "sitrep";
  };

  // The borrowed parts; they must outlive the gateway.
  struct Parts {
    const FeedReads* reads;
    const Authenticator* authenticator;
    Executor* executor;
    Clock* clock;
    // Nullable: no counting.
    Metrics* metrics;
    // Publishes as an authenticated caller with the gRPC service's rights,
    // rate limit and audit (service/publish_service.h). Null: POST /v1/cap
    // answers 501.
    PublishService* publishing = nullptr;
  };

  // Binds and starts serving. UNAVAILABLE names the address when it cannot
  // be bound; INVALID_ARGUMENT for TLS files that do not load.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(Parts parts,
                                                            Options options);
  ~HttpGateway();
  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  int port() const { return port_; }

  // Waits up to `grace` for the open streams to end on their own, after
  // their subscriptions were told to (SubscriptionRegistry::EndAll): each
  // then sends its last event ('error', UNAVAILABLE) before Stop() cuts
  // whatever is left. Needs the executor running. Returns whether all ended.
  bool Drain(absl::Duration grace);

  // Closes the listener, ends every stream (their subscriptions' OnDone)
  // and joins the loop thread. Idempotent.
  void Stop();

 private:
  using Request = HttpRequest;

  HttpGateway(Parts parts, Options options, std::unique_ptr<EventLoop> loop);
  absl::Status Listen();

  static void OnRequest(evhttp_request* request, void* self);
  // Descriptor exhaustion (H-2): an accept that fails (EMFILE...) leaves
  // the connection queued and the socket readable, so libevent would try
  // again at once, forever, logging each time. Instead the listener pauses
  // for kAcceptPause and the error is logged at most once per 10 s.
  static void OnAcceptError(evconnlistener* listener, void* http);
  static void OnAcceptPauseOver(int fd, short what, void* self);
  void Route(Request& request);
  // Adds the CORS headers for a listed origin; answers a preflight
  // (OPTIONS) itself and returns true then.
  bool AnswerCors(Request& request);
  void ServeStatic(Request& request, const StaticFile& file);
  // A unary read: authenticates, parses the query into a `Call`, answers
  // `read(caller, rpc, call)` as JSON. `aliases` maps short parameter names
  // to field paths.
  template <typename Call, typename Read>
  void ServeRead(Request& request, absl::string_view rpc, Read read,
                 const std::vector<QueryParam>& aliases = {});
  // Like ServeRead with a body of `content_type` that `render` makes on the
  // executor.
  template <typename Call, typename Render>
  void ServeRendered(Request& request, absl::string_view rpc,
                     absl::string_view content_type, Render render,
                     const std::vector<QueryParam>& aliases = {},
                     const std::vector<std::string>& ignored = {});
  // GET /v1/cap/<sequence>.xml and GET /v1/cap/alerts.atom (docs/interop.md).
  void ServeCapAlert(Request& request, absl::string_view name);
  void ServeCapFeed(Request& request);
  // POST /v1/cap: one CAP alert published (interop/cap_import.h).
  void PublishCap(Request& request);
  // scheme://host the client called, for links in feeds.
  std::string BaseUrl(const Request& request) const;
  void ServeUpdates(Request& request);
  void ServeSituation(Request& request);
  // GET /v1/incidents/{id}: GetIncident.
  void ServeIncident(Request& request, absl::string_view encoded_id);
  void ServeStream(Request& request);
  void CreateSession(Request& request);
  void DeleteSession(Request& request);

  // Audits a refused authentication (L-3): at most one line per second,
  // saying how many were left out (the metrics count every refusal), so
  // anonymous clients cannot fill the log.
  void AuditUnauthenticated(absl::string_view rpc, const Request& request,
                            const absl::Status& refused);

  // Authenticates `request` (bearer header, else session cookie, else a
  // verified client certificate); a refusal is audited and counted.
  absl::StatusOr<CallIdentity> Identify(const Request& request,
                                        absl::string_view rpc);

  const Parts parts_;
  const Options options_;
  const std::unique_ptr<EventLoop> loop_;
  SessionStore sessions_;
  ssl_ctx_st* tls_ = nullptr;
  evhttp* http_ = nullptr;
  // Installed on http_; outlives it (evhttp_free closes through it).
  std::unique_ptr<ConnectionTable> connections_;
  int port_ = 0;
  bool stopped_ = false;
  // Loop thread only, after Listen().
  evconnlistener* listener_ = nullptr;
  event* accept_pause_ = nullptr;
  LogThrottle accept_log_{absl::Seconds(10)};
  LogThrottle audit_log_{absl::Seconds(1)};

  // The update events the streams share (sse_frame_cache.h).
  SseFrameCache sse_frames_{SseFrameCache::Options(), &SseUpdateEvent};
  // Loop thread only (and the destructor, after the loop ended).
  absl::flat_hash_map<SseStream*, std::shared_ptr<SseStream>> streams_;

  // How many streams have begun and not yet ended, for Drain() on the
  // owner's thread; written on the loop thread beside streams_.
  absl::Mutex open_mu_;
  int open_streams_ ABSL_GUARDED_BY(open_mu_) = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_HTTP_GATEWAY_H_
