// The gateway's lifecycle (listen, drain, stop, accept errors), its routing,
// the dashboard's files and event streams. Reads: http_gateway_reads.cc;
// POST /v1/cap: http_gateway_publish.cc; who calls and sessions:
// http_gateway_auth.cc.
#include "server/http/http_gateway.h"

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/http/json_body.h"
#include "server/http/municipalities_json.h"
#include "server/http/query_params.h"
#include "server/http/sse_stream.h"
#include "server/http/tls_context.h"
#include "server/runtime/logging.h"

namespace sitrep {

// Incident stories are under this prefix: /v1/incidents/{incident_id}.
constexpr char kIncidentsPath[] = "/v1/incidents/";
constexpr char kCapPath[] = "/v1/cap/";
constexpr char kCapFeedPath[] = "/v1/cap/alerts.atom";

namespace {

// How long the listener stops accepting after an accept error: the
// descriptors other connections free meanwhile make room again.
constexpr timeval kAcceptPause = {0, 250 * 1000};

// The gateway of each listener: libevent hands the error callback the
// evhttp (evhttp_bind_listener sets its own user data), not the gateway.
absl::Mutex listeners_mu;
absl::flat_hash_map<evconnlistener*, HttpGateway*>& Listeners()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(listeners_mu) {
  static auto* listeners =
      new absl::flat_hash_map<evconnlistener*, HttpGateway*>;
  return *listeners;
}

// "host:port" / "[v6]:port" -> host and port.
absl::StatusOr<std::pair<std::string, uint16_t>> SplitAddress(
    absl::string_view address) {
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_address: '", address, "' is not host:port"));
  }
  absl::string_view host = address.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  return std::make_pair(std::string(host), static_cast<uint16_t>(port));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    Parts parts, Options options) {
  absl::StatusOr<std::unique_ptr<EventLoop>> loop = EventLoop::Create();
  if (!loop.ok()) return loop.status();
  std::unique_ptr<HttpGateway> gateway(
      new HttpGateway(parts, std::move(options), *std::move(loop)));
  if (absl::Status listening = gateway->Listen(); !listening.ok()) {
    return listening;
  }
  gateway->loop_->Start();
  return gateway;
}

HttpGateway::HttpGateway(Parts parts, Options options,
                         std::unique_ptr<EventLoop> loop)
    : parts_(parts),
      options_(std::move(options)),
      loop_(std::move(loop)),
      sessions_(parts.clock, SessionStore::Options{options_.session_ttl}) {}

absl::Status HttpGateway::Listen() {
  absl::StatusOr<std::pair<std::string, uint16_t>> address =
      SplitAddress(options_.address);
  if (!address.ok()) return address.status();
  http_ = evhttp_new(loop_->base());
  if (http_ == nullptr) return absl::InternalError("libevent: evhttp_new");
  if (!options_.tls_cert_file.empty()) {
    absl::StatusOr<SSL_CTX*> tls =
        MakeTlsContext(options_.tls_cert_file, options_.tls_key_file,
                       options_.tls_client_ca_file);
    if (!tls.ok()) return tls.status();
    tls_ = *tls;
  }
  // Makes each connection's bufferevent (TLS or not), caps the connections
  // and times their requests.
  connections_ = std::make_unique<ConnectionTable>(
      http_, loop_->base(), tls_,
      ConnectionTable::Options{options_.max_connections,
                               options_.request_timeout},
      parts_.metrics);
  evhttp_set_max_headers_size(http_, options_.max_header_bytes);
  evhttp_set_max_body_size(http_, options_.max_body_bytes);
  evhttp_set_timeout(http_, static_cast<int>(absl::ToInt64Seconds(
                                std::max(options_.io_timeout, absl::Seconds(1)))));
  evhttp_set_allowed_methods(
      http_, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(http_, &HttpGateway::OnRequest, this);
  evhttp_bound_socket* socket = evhttp_bind_socket_with_handle(
      http_, address->first.c_str(), address->second);
  if (socket == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "--http_address: cannot listen on ", options_.address,
        " (address in use, or not an address of this machine?)"));
  }
  listener_ = evhttp_bound_socket_get_listener(socket);
  accept_pause_ =
      evtimer_new(loop_->base(), &HttpGateway::OnAcceptPauseOver, this);
  {
    absl::MutexLock lock(&listeners_mu);
    Listeners()[listener_] = this;
  }
  evconnlistener_set_error_cb(listener_, &HttpGateway::OnAcceptError);
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(evhttp_bound_socket_get_fd(socket),
              reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = bound.ss_family == AF_INET6
              ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
              : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return absl::OkStatus();
}

HttpGateway::~HttpGateway() {
  Stop();
  if (accept_pause_ != nullptr) event_free(accept_pause_);
  absl::MutexLock lock(&listeners_mu);
  Listeners().erase(listener_);
  // The loop has ended: nothing else touches the streams now.
  streams_.clear();
  if (tls_ != nullptr) SSL_CTX_free(tls_);
}

bool HttpGateway::Drain(absl::Duration grace) {
  absl::MutexLock lock(&open_mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(open_mu_) {
    return open_streams_ == 0;
  };
  return open_mu_.AwaitWithTimeout(absl::Condition(&ended), grace);
}

void HttpGateway::Stop() {
  if (stopped_) return;
  stopped_ = true;
  loop_->Stop([this] {
    // Copies: Abort() removes each stream from streams_.
    std::vector<std::shared_ptr<SseStream>> open;
    for (const auto& [raw, stream] : streams_) open.push_back(stream);
    for (const std::shared_ptr<SseStream>& stream : open) stream->Abort();
    if (accept_pause_ != nullptr) evtimer_del(accept_pause_);
    if (http_ != nullptr) {
      evhttp_free(http_);
      http_ = nullptr;
    }
    // Streams stay alive (released) until the destructor: a subscription
    // thread may still be about to call one.
    for (std::shared_ptr<SseStream>& stream : open) {
      streams_[stream.get()] = std::move(stream);
    }
  });
  if (http_ != nullptr) {  // The loop never ran.
    evhttp_free(http_);
    http_ = nullptr;
  }
}

void HttpGateway::OnAcceptError(evconnlistener* listener, void* /*http*/) {
  const int error = errno;
  HttpGateway* gateway;
  {
    absl::MutexLock lock(&listeners_mu);
    auto it = Listeners().find(listener);
    if (it == Listeners().end()) return;
    gateway = it->second;
  }
  evconnlistener_disable(listener);
  evtimer_add(gateway->accept_pause_, &kAcceptPause);
  if (std::optional<uint64_t> left_out =
          gateway->accept_log_.Admit(gateway->parts_.clock->Now())) {
    LogWarning("http",
               "cannot accept connections; the listener pauses and tries "
               "again (at most one such line per 10 s)",
               {{"error", std::strerror(error)},
                {"left_out", absl::StrCat(*left_out)}});
  }
}

void HttpGateway::OnAcceptPauseOver(int /*fd*/, short /*what*/, void* self) {
  auto* gateway = static_cast<HttpGateway*>(self);
  if (gateway->http_ != nullptr) evconnlistener_enable(gateway->listener_);
}

void HttpGateway::OnRequest(evhttp_request* raw, void* self) {
  auto* gateway = static_cast<HttpGateway*>(self);
  gateway->connections_->Dispatched(raw);
  Request request(raw, gateway->parts_.metrics);
  gateway->Route(request);
}

bool HttpGateway::AnswerCors(Request& request) {
  // CORS: a listed origin may read the answers and send credentials; with
  // "*" any page may read them, but only with a bearer header it holds
  // itself (never the browser's session cookie).
  std::optional<std::string> origin = request.Header("Origin");
  if (!origin.has_value()) return false;
  const auto& allowed = options_.cors_origins;
  const bool listed =
      std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
  const bool any =
      std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!listed && !any) return false;
  request.AddHeader("Access-Control-Allow-Origin", listed ? *origin : "*");
  if (listed) request.AddHeader("Access-Control-Allow-Credentials", "true");
  request.AddHeader("Vary", "Origin");
  if (request.method() != EVHTTP_REQ_OPTIONS) return false;
  request.AddHeader("Access-Control-Allow-Methods",
                    "GET, POST, DELETE, OPTIONS");
  request.AddHeader("Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Last-Event-ID");
  request.AddHeader("Access-Control-Max-Age", "600");
  request.ReplyEmpty(204);
  return true;
}

namespace {

// Whether `request` uses `allowed_method` (or HEAD for GET); otherwise
// answers 405 with an Allow header.
bool AllowOnly(HttpRequest& request, evhttp_cmd_type allowed_method,
               const char* allow) {
  if (request.method() == allowed_method ||
      (allowed_method == EVHTTP_REQ_GET &&
       request.method() == EVHTTP_REQ_HEAD)) {
    return true;
  }
  request.AddHeader("Allow", allow);
  request.Reply(405, "application/json",
                ErrorJson(absl::UnimplementedError(
                    absl::StrCat(request.path(), " takes ", allow))));
  return false;
}

}  // namespace

// One branch per path, each naming its route for the metrics and checking
// its methods: a plain chain, as a table would hide the few routes
// that differ (sessions take two methods, static files and the incident and
// CAP paths match by prefix).
void HttpGateway::Route(Request& request) {
  if (AnswerCors(request)) return;
  const std::string& path = request.path();
  const evhttp_cmd_type method = request.method();
  auto only = [&request](evhttp_cmd_type allowed_method, const char* allow) {
    return AllowOnly(request, allowed_method, allow);
  };
  if (path == "/v1/updates") {
    request.set_route("updates");
    if (only(EVHTTP_REQ_GET, "GET")) ServeUpdates(request);
  } else if (path == "/v1/situation") {
    request.set_route("situation");
    if (only(EVHTTP_REQ_GET, "GET")) ServeSituation(request);
  } else if (absl::StartsWith(path, kIncidentsPath)) {
    request.set_route("incident");
    if (only(EVHTTP_REQ_GET, "GET")) {
      ServeIncident(request, absl::string_view(path).substr(
                                 sizeof(kIncidentsPath) - 1));
    }
  } else if (path == "/v1/cap") {
    request.set_route("cap_publish");
    if (only(EVHTTP_REQ_POST, "POST")) PublishCap(request);
  } else if (path == kCapFeedPath) {
    request.set_route("cap_feed");
    if (only(EVHTTP_REQ_GET, "GET")) ServeCapFeed(request);
  } else if (absl::StartsWith(path, kCapPath) && absl::EndsWith(path, ".xml")) {
    request.set_route("cap_alert");
    if (only(EVHTTP_REQ_GET, "GET")) {
      absl::string_view name = path;
      name.remove_prefix(sizeof(kCapPath) - 1);
      name.remove_suffix(4);
      ServeCapAlert(request, name);
    }
  } else if (path == "/v1/stream") {
    request.set_route("stream");
    if (only(EVHTTP_REQ_GET, "GET")) ServeStream(request);
  } else if (path == "/v1/municipalities") {
    request.set_route("municipalities");
    if (only(EVHTTP_REQ_GET, "GET")) {
      request.AddHeader("Cache-Control", "max-age=3600");
      request.Reply(200, "application/json", MunicipalitiesJson());
    }
  } else if (path == "/v1/session") {
    request.set_route("session");
    if (method == EVHTTP_REQ_POST) {
      CreateSession(request);
    } else if (method == EVHTTP_REQ_DELETE) {
      DeleteSession(request);
    } else {
      only(EVHTTP_REQ_POST, "POST, DELETE");
    }
  } else if (const StaticFile* file = FindStaticFile(path)) {
    request.set_route("dashboard");
    if (only(EVHTTP_REQ_GET, "GET")) ServeStatic(request, *file);
  } else {
    request.ReplyError(absl::NotFoundError(absl::StrCat(
        "no such path: ", path, " (the API is under /v1/; see docs/http.md)")));
  }
}

void HttpGateway::ServeStatic(Request& request, const StaticFile& file) {
  // The dashboard loads only its own files and talks only to this server.
  request.AddHeader("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; "
                    "frame-ancestors 'none'; base-uri 'none'");
  request.AddHeader("X-Content-Type-Options", "nosniff");
  request.AddHeader("Referrer-Policy", "no-referrer");
  request.AddHeader("Cache-Control", "no-cache");
  request.Reply(200, file.content_type, file.body);
}

namespace {

// The query into `subscribe`; EventSource's resume (the Last-Event-ID
// header, else a last_event_id parameter) becomes after_sequence, whatever
// start the URL names (the URL stays the same across reconnects).
absl::Status ParseStreamRequest(absl::string_view query,
                                std::optional<std::string> last_event_id,
                                v1::SubscribeRequest* subscribe) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  if (absl::Status applied = ApplyQuery(*params, {"last_event_id"}, subscribe);
      !applied.ok()) {
    return applied;
  }
  for (const auto& [name, value] : *params) {
    if (name == "last_event_id" && !last_event_id.has_value()) {
      last_event_id = value;
    }
  }
  if (!last_event_id.has_value() || last_event_id->empty()) {
    return absl::OkStatus();
  }
  uint64_t after = 0;
  if (!absl::SimpleAtoi(*last_event_id, &after)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Last-Event-ID: '", *last_event_id, "' is not a sequence number"));
  }
  subscribe->set_after_sequence(after);
  return absl::OkStatus();
}

}  // namespace

void HttpGateway::ServeStream(Request& request) {
  absl::StatusOr<CallIdentity> caller = Identify(request, "Subscribe");
  if (!caller.ok()) return request.ReplyError(caller.status());
  v1::SubscribeRequest subscribe;
  absl::Status parsed = ParseStreamRequest(
      request.query(), request.Header("Last-Event-ID"), &subscribe);
  if (!parsed.ok()) {
    parts_.reads->CountRefusal(parsed);
    return request.ReplyError(parsed);
  }
  absl::StatusOr<std::shared_ptr<Subscription>> subscription =
      parts_.reads->Subscribe(*caller, "Subscribe", subscribe);
  if (!subscription.ok()) return request.ReplyError(subscription.status());
  // Ends cleanly; EventSource reconnects and authenticates again (M-4).
  (*subscription)->EndAfter(options_.max_stream_age);
  std::shared_ptr<SseStream> stream = SseStream::Begin(
      loop_.get(), parts_.executor, connections_.get(), &sse_frames_,
      /*direct_writes=*/tls_ == nullptr, request.raw(),
      *std::move(subscription),
      options_.io_timeout, [this](SseStream* done) {
        streams_.erase(done);
        absl::MutexLock lock(&open_mu_);
        --open_streams_;
      });
  request.Count(200);
  streams_[stream.get()] = std::move(stream);
  absl::MutexLock lock(&open_mu_);
  ++open_streams_;
}

}  // namespace sitrep
