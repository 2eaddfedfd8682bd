#include "server/http/http_gateway.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "server/auth/audit.h"
#include "server/http/gzip_body.h"
#include "server/http/json_body.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cap_atom.h"
#include "server/interop/cap_import.h"
#include "server/http/municipalities_json.h"
#include "server/http/peer_certificate.h"
#include "server/http/query_params.h"
#include "server/http/sse_stream.h"
#include "server/runtime/logging.h"

namespace sitrep {

// Incident stories are under this prefix: /v1/incidents/{incident_id}.
constexpr char kIncidentsPath[] = "/v1/incidents/";
constexpr char kCapPath[] = "/v1/cap/";
constexpr char kCapFeedPath[] = "/v1/cap/alerts.atom";
// References named in one CAP alert (the incident's latest earlier ones).
constexpr int kMaxCapReferences = 100;
namespace {

constexpr char kSessionCookie[] = "sitrep_session";
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

std::string OpenSslError() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  return text;
}

// TLS 1.2 suites with forward secrecy and AEAD only, as gRPC offers (I-2):
// no CBC (Lucky13-style padding oracles), no RSA key exchange. TLS 1.3's
// suites are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

absl::StatusOr<SSL_CTX*> MakeTlsContext(const std::string& cert,
                                        const std::string& key,
                                        const std::string& client_ca) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return absl::InternalError("TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(context, kTls12Ciphers);
  // A client cannot make the loop thread redo handshakes.
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
  if (!client_ca.empty()) {
    // mTLS (M-3): no certificate signed by the CA, no connection, as on
    // the gRPC listener.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(context, client_ca.c_str(), nullptr) !=
            1) {
      const std::string error = OpenSslError();
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      SSL_CTX_free(context);
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_client_ca: the HTTP listener cannot use ", client_ca, ": ",
          error));
    }
    SSL_CTX_set_client_CA_list(context, names);
    SSL_CTX_set_verify(context,
                       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  if (SSL_CTX_use_certificate_chain_file(context, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, key.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_check_private_key(context) != 1) {
    const std::string error = OpenSslError();
    SSL_CTX_free(context);
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert/--tls_key: the HTTP listener cannot use ", cert, " and ",
        key, ": ", error));
  }
  return context;
}

}  // namespace

// One request on the loop thread: its parts, and the ways to answer it.
class HttpGateway::Request {
 public:
  Request(evhttp_request* request, Metrics* metrics)
      : request_(request), metrics_(metrics) {
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
    const char* path = evhttp_uri_get_path(uri);
    const char* query = evhttp_uri_get_query(uri);
    path_ = path != nullptr && *path != '\0' ? path : "/";
    query_ = query != nullptr ? query : "";
    char* peer_address = nullptr;
    uint16_t peer_port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(request),
                               &peer_address, &peer_port);
    peer_ = absl::StrCat("http:", peer_address != nullptr ? peer_address : "?",
                         ":", peer_port);
  }

  evhttp_request* raw() const { return request_; }
  // Names the request's route in the metrics (a fixed few).
  void set_route(absl::string_view route) { route_ = route; }
  // Counts an answer that did not go through Reply (a started stream).
  void Count(int status) const {
    if (metrics_ != nullptr) metrics_->RecordHttpRequest(route_, status);
  }
  evhttp_cmd_type method() const { return evhttp_request_get_command(request_); }
  const std::string& path() const { return path_; }
  const std::string& query() const { return query_; }
  const std::string& peer() const { return peer_; }

  std::optional<std::string> Header(const char* name) const {
    const char* value =
        evhttp_find_header(evhttp_request_get_input_headers(request_), name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }

  std::optional<std::string> Cookie(absl::string_view name) const {
    std::optional<std::string> header = Header("Cookie");
    if (!header.has_value()) return std::nullopt;
    for (absl::string_view part : absl::StrSplit(*header, ';')) {
      part = absl::StripAsciiWhitespace(part);
      if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
        return std::string(part);
      }
    }
    return std::nullopt;
  }

  void AddHeader(const char* name, const std::string& value) {
    evhttp_add_header(evhttp_request_get_output_headers(request_), name,
                      value.c_str());
  }

  void Reply(int status, absl::string_view content_type,
             absl::string_view body) {
    AddHeader("Content-Type", std::string(content_type));
    evbuffer* buffer = evbuffer_new();
    evbuffer_add(buffer, body.data(), body.size());
    evhttp_send_reply(request_, status, ReasonOf(status), buffer);
    evbuffer_free(buffer);
    Count(status);
  }
  void ReplyError(const absl::Status& status) {
    if (status.code() == absl::StatusCode::kUnauthenticated) {
      AddHeader("WWW-Authenticate", "Bearer realm=\"sitrep\"");
    }
    AddHeader("Cache-Control", "no-store");
    Reply(HttpStatusOf(status.code()), "application/json", ErrorJson(status));
  }
  void ReplyEmpty(int status) {
    evhttp_send_reply(request_, status, ReasonOf(status), nullptr);
    Count(status);
  }

 private:
  static const char* ReasonOf(int status) {
    switch (status) {
      case 200: return "OK";
      case 204: return "No Content";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 429: return "Too Many Requests";
      case 503: return "Service Unavailable";
      default: return "Error";
    }
  }

  evhttp_request* const request_;
  Metrics* const metrics_;
  absl::string_view route_ = "other";
  std::string path_;
  std::string query_;
  std::string peer_;
};

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

void HttpGateway::Route(Request& request) {
  // CORS: a listed origin may read the answers and send credentials; with
  // "*" any page may read them, but only with a bearer header it holds
  // itself (never the browser's session cookie).
  if (std::optional<std::string> origin = request.Header("Origin")) {
    const auto& allowed = options_.cors_origins;
    const bool listed =
        std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
    const bool any =
        std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
    if (listed || any) {
      request.AddHeader("Access-Control-Allow-Origin", listed ? *origin : "*");
      if (listed) {
        request.AddHeader("Access-Control-Allow-Credentials", "true");
      }
      request.AddHeader("Vary", "Origin");
      if (request.method() == EVHTTP_REQ_OPTIONS) {
        request.AddHeader("Access-Control-Allow-Methods",
                          "GET, POST, DELETE, OPTIONS");
        request.AddHeader("Access-Control-Allow-Headers",
                          "Authorization, Content-Type, Last-Event-ID");
        request.AddHeader("Access-Control-Max-Age", "600");
        request.ReplyEmpty(204);
        return;
      }
    }
  }
  const std::string& path = request.path();
  const evhttp_cmd_type method = request.method();
  auto only = [&request](evhttp_cmd_type allowed_method,
                         const char* allow) -> bool {
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

void HttpGateway::AuditUnauthenticated(absl::string_view rpc,
                                       const Request& request,
                                       const absl::Status& refused) {
  std::optional<uint64_t> left_out = audit_log_.Admit(parts_.clock->Now());
  if (!left_out.has_value()) return;
  if (*left_out == 0) return AuditDenied(rpc, "", request.peer(), refused);
  AuditDenied(rpc, "", request.peer(),
              absl::Status(refused.code(),
                           absl::StrCat(refused.message(), " (and ", *left_out,
                                        " more refused HTTP requests not "
                                        "logged; the metrics count them)")));
}

absl::StatusOr<CallIdentity> HttpGateway::Identify(const Request& request,
                                                   absl::string_view rpc) {
  CallCredentials credentials;
  credentials.authorization = request.Header("Authorization");
  credentials.certificate_names =
      VerifiedCertificateNames(evhttp_request_get_connection(request.raw()));
  if (!credentials.authorization.has_value()) {
    if (std::optional<std::string> id = request.Cookie(kSessionCookie)) {
      credentials.authorization = sessions_.Find(*id);
      if (!credentials.authorization.has_value() &&
          parts_.authenticator->enforcing()) {
        const absl::Status expired = absl::UnauthenticatedError(
            "the session expired or the server restarted; POST /v1/session "
            "again with Authorization: Bearer <token>");
        AuditUnauthenticated(rpc, request, expired);
        parts_.reads->CountRefusal(expired);
        return expired;
      }
    }
  }
  absl::StatusOr<Principal> principal =
      parts_.authenticator->Authenticate(credentials);
  if (!principal.ok()) {
    // The authenticator speaks of gRPC metadata; say what HTTP sends.
    const absl::Status refused =
        credentials.authorization.has_value()
            ? principal.status()
            : absl::UnauthenticatedError(
                  "no credentials: send Authorization: Bearer <token>, or "
                  "POST /v1/session with it first (a cookie for "
                  "EventSource)");
    AuditUnauthenticated(rpc, request, refused);
    parts_.reads->CountRefusal(refused);
    return refused;
  }
  return CallIdentity{*std::move(principal), request.peer(),
                      std::move(credentials)};
}

namespace {

// Parses the query into `message`; `ignored` parameters are the
// transport's own.
// `aliases`: short parameter names (first) for field paths (second).
absl::Status ParseRequest(absl::string_view query,
                          const std::vector<std::string>& ignored,
                          google::protobuf::Message* message,
                          const std::vector<QueryParam>& aliases = {}) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  for (QueryParam& param : *params) {
    for (const auto& [alias, path] : aliases) {
      if (param.first == alias) param.first = path;
    }
  }
  return ApplyQuery(*params, ignored, message);
}

}  // namespace

template <typename Call, typename Read>
void HttpGateway::ServeRead(Request& request, absl::string_view rpc,
                            Read read,
                            const std::vector<QueryParam>& aliases) {
  ServeRendered<Call>(
      request, rpc, "application/json",
      [read = std::move(read)](const CallIdentity& caller, absl::string_view rpc,
                               const Call& call) mutable
      -> absl::StatusOr<std::string> {
        auto answer = read(caller, rpc, call);
        if (!answer.ok()) return answer.status();
        return ToJson(*answer);
      },
      aliases);
}

template <typename Call, typename Render>
void HttpGateway::ServeRendered(Request& request, absl::string_view rpc,
                                absl::string_view content_type,
                                Render render,
                                const std::vector<QueryParam>& aliases) {
  absl::StatusOr<CallIdentity> caller = Identify(request, rpc);
  if (!caller.ok()) return request.ReplyError(caller.status());
  Call call;
  if (absl::Status parsed = ParseRequest(request.query(), {}, &call, aliases);
      !parsed.ok()) {
    parts_.reads->CountRefusal(parsed);
    return request.ReplyError(parsed);
  }
  // The read (a store read for a page of history, a snapshot of the
  // situation) and its rendering run on the executor, never on the loop
  // thread (M-6): four large pages at once held every other connection of
  // the loop, SSE heartbeats included, for seconds. The reply goes back to
  // the loop; a request whose client left meanwhile is freed by it.
  // gzip when the client accepts it, compressed on the executor too.
  const bool gzip = AcceptsGzip(request.Header("Accept-Encoding").value_or(""));
  parts_.executor->Schedule([this, request, caller = *std::move(caller),
                             rpc = std::string(rpc), call = std::move(call),
                             content_type = std::string(content_type),
                             render = std::move(render), gzip]() mutable {
    absl::StatusOr<std::string> body = render(caller, rpc, call);
    bool gzipped = false;
    if (gzip && body.ok() && body->size() >= kGzipMinBytes) {
      absl::StatusOr<std::string> compressed = GzipBody(*body);
      if (compressed.ok()) {
        body = *std::move(compressed);
        gzipped = true;
      }
    }
    loop_->Post([request, body = std::move(body),
                 content_type = std::move(content_type), gzipped]() mutable {
      if (!body.ok()) return request.ReplyError(body.status());
      request.AddHeader("Cache-Control", "no-store");
      request.AddHeader("Vary", "Accept-Encoding");
      if (gzipped) request.AddHeader("Content-Encoding", "gzip");
      request.Reply(200, content_type, *body);
    });
  });
}

void HttpGateway::ServeUpdates(Request& request) {
  ServeRead<v1::ListUpdatesRequest>(
      request, "ListUpdates",
      [this](const CallIdentity& caller, absl::string_view rpc,
             const v1::ListUpdatesRequest& call) {
        return parts_.reads->ListUpdates(caller, rpc, call);
      });
}

void HttpGateway::ServeSituation(Request& request) {
  ServeRendered<v1::GetSituationRequest>(
      request, "GetSituation", "application/json",
      [this](const CallIdentity& caller, absl::string_view rpc,
             const v1::GetSituationRequest& call) {
        return parts_.reads->GetSituationJson(caller, rpc, call);
      },
      // `?as_of=2026-12-06T14:05:00Z`: the situation at that time.
      {{"as_of", "as_of_time"}});
}

void HttpGateway::ServeIncident(Request& request,
                                absl::string_view encoded_id) {
  // Incident ids are URL-safe, but a browser may still escape ':'.
  char* decoded = evhttp_uridecode(std::string(encoded_id).c_str(), 0, nullptr);
  const std::string id = decoded != nullptr ? decoded : "";
  free(decoded);
  ServeRead<v1::GetIncidentRequest>(
      request, "GetIncident",
      [this, id](const CallIdentity& caller, absl::string_view rpc,
                  const v1::GetIncidentRequest& call) {
        v1::GetIncidentRequest with_id = call;
        with_id.set_incident_id(id);
        return parts_.reads->GetIncident(caller, rpc, with_id);
      });
}

std::string HttpGateway::BaseUrl(const Request& request) const {
  const std::optional<std::string> host = request.Header("Host");
  return absl::StrCat(tls_ != nullptr ? "https" : "http", "://",
                      host.has_value() ? *host : options_.address);
}

void HttpGateway::ServeCapAlert(Request& request, absl::string_view name) {
  uint64_t sequence = 0;
  if (!absl::SimpleAtoi(name, &sequence) || sequence == 0) {
    return request.ReplyError(absl::NotFoundError(absl::StrCat(
        "no such alert: '", name, "' (GET /v1/cap/<sequence>.xml)")));
  }
  ServeRendered<v1::ListUpdatesRequest>(
      request, "ListUpdates", "application/cap+xml",
      [this, sequence](const CallIdentity& caller, absl::string_view rpc,
                       const v1::ListUpdatesRequest& call)
          -> absl::StatusOr<std::string> {
        // The query's filter applies, like on every read; the rights too.
        v1::ListUpdatesRequest one = call;
        one.set_start_sequence(sequence);
        one.set_end_sequence(sequence);
        one.set_page_size(1);
        absl::StatusOr<v1::ListUpdatesResponse> found =
            parts_.reads->ListUpdates(caller, rpc, one);
        if (!found.ok()) return found.status();
        if (found->updates().empty()) {
          return absl::NotFoundError(absl::StrCat(
              "update ", sequence, " not found or not permitted"));
        }
        const v1::SituationUpdate& update = found->updates(0);
        std::vector<CapReference> references;
        if (!update.incident_id().empty() && sequence > 1) {
          // The incident's earlier updates the caller may read, newest
          // first; named oldest first.
          v1::ListUpdatesRequest earlier;
          earlier.mutable_filter()->add_incident_ids(update.incident_id());
          earlier.set_end_sequence(sequence - 1);
          earlier.set_descending(true);
          earlier.set_page_size(kMaxCapReferences);
          absl::StatusOr<v1::ListUpdatesResponse> thread =
              parts_.reads->ListUpdates(caller, rpc, earlier);
          if (!thread.ok()) return thread.status();
          for (auto it = thread->updates().rbegin();
               it != thread->updates().rend(); ++it) {
            references.push_back({it->sequence(), it->received_at()});
          }
        }
        return RenderCapAlert(update, references,
                              CapSender{options_.cap_sender, found->log_id()});
      });
}

void HttpGateway::ServeCapFeed(Request& request) {
  const std::string base_url = BaseUrl(request);
  ServeRendered<v1::GetSituationRequest>(
      request, "GetSituation", "application/atom+xml",
      [this, base_url](const CallIdentity& caller, absl::string_view rpc,
                       const v1::GetSituationRequest& call)
          -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::Situation> situation =
            parts_.reads->GetSituation(caller, rpc, call);
        if (!situation.ok()) return situation.status();
        std::vector<const v1::SituationUpdate*> alerts;
        int64_t updated = 0;
        for (const v1::Incident& incident : situation->incidents()) {
          alerts.push_back(&incident.latest());
          updated = std::max(updated, incident.latest().received_at().seconds());
        }
        return RenderCapAtomFeed(
            alerts, base_url,
            updated != 0 ? absl::FromUnixSeconds(updated) : parts_.clock->Now(),
            CapSender{options_.cap_sender, situation->log_id()});
      });
}

void HttpGateway::PublishCap(Request& request) {
  absl::StatusOr<CallIdentity> caller = Identify(request, "Publish");
  if (!caller.ok()) return request.ReplyError(caller.status());
  if (parts_.publishing == nullptr) {
    return request.ReplyError(
        absl::UnimplementedError("POST /v1/cap: this server publishes over gRPC only"));
  }
  CapImportOptions options;
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(request.query());
  if (!params.ok()) return request.ReplyError(params.status());
  for (const auto& [name, value] : *params) {
    if (name != "mission") {
      return request.ReplyError(absl::InvalidArgumentError(absl::StrCat(
          name, ": POST /v1/cap takes only the parameter mission")));
    }
    std::string upper = absl::AsciiStrToUpper(value);
    if (!absl::StartsWith(upper, "MISSION_")) upper = absl::StrCat("MISSION_", upper);
    if (!v1::Mission_Parse(upper, &options.mission) ||
        options.mission == v1::MISSION_UNSPECIFIED) {
      return request.ReplyError(absl::InvalidArgumentError(absl::StrCat(
          "mission: '", value, "' is no mission (KFOR, EULEX, KOSOVO_POLICE)")));
    }
  }
  evbuffer* input = evhttp_request_get_input_buffer(request.raw());
  const size_t size = evbuffer_get_length(input);
  std::string body;
  if (size > 0) {
    body.assign(reinterpret_cast<const char*>(
                    evbuffer_pullup(input, static_cast<ssize_t>(size))),
                size);
  }
  absl::StatusOr<v1::PublishRequest> publish = ParseCapAlert(body, options);
  if (!publish.ok()) {
    parts_.reads->CountRefusal(publish.status());
    return request.ReplyError(publish.status());
  }
  const v1::Kind kind = publish->update().kind();
  const std::string incident = publish->update().incident_id();
  std::vector<v1::PublishRequest> requests;
  requests.push_back(*std::move(publish));
  parts_.publishing->Publish(
      *caller, "Publish", std::move(requests), absl::Now(),
      [this, request, kind, incident](PublishResults results) mutable {
        absl::StatusOr<PublishResult> result =
            results.empty() ? absl::InternalError("no publish result")
                            : std::move(results.front());
        std::string answer;
        absl::Status status = result.status();
        if (result.ok()) {
          v1::PublishResponse response;
          response.set_sequence(result->entry->sequence());
          response.set_duplicate(result->duplicate);
          response.set_event_id(result->entry->update.event_id());
          response.set_incident_version(result->entry->update.incident_version());
          answer = ToJson(response);
        } else if (kind != v1::KIND_NEW && !incident.empty()) {
          // A CAP Update or Cancel names its incident through the alert it
          // follows: say so, with the server's reason.
          status = absl::Status(
              status.code(),
              absl::StrCat("alert.references: the ", v1::Kind_Name(kind),
                           " of incident '", incident,
                           "' (named by <incidents> or <references>) was refused: ",
                           status.message()));
        }
        loop_->Post([request, status = std::move(status),
                     answer = std::move(answer)]() mutable {
          if (!status.ok()) return request.ReplyError(status);
          request.AddHeader("Cache-Control", "no-store");
          request.Reply(200, "application/json", answer);
        });
      });
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
      loop_.get(), parts_.executor, connections_.get(), request.raw(),
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

void HttpGateway::CreateSession(Request& request) {
  std::optional<std::string> authorization = request.Header("Authorization");
  if (!parts_.authenticator->enforcing()) {
    // Development mode: every request is anonymous anyway.
    return request.ReplyEmpty(204);
  }
  if (!authorization.has_value()) {
    const absl::Status missing = absl::UnauthenticatedError(
        "POST /v1/session needs Authorization: Bearer <token>");
    parts_.reads->CountRefusal(missing);
    return request.ReplyError(missing);
  }
  CallCredentials credentials;
  credentials.authorization = authorization;
  absl::StatusOr<Principal> principal =
      parts_.authenticator->Authenticate(credentials);
  if (!principal.ok()) {
    AuditUnauthenticated("CreateSession", request, principal.status());
    parts_.reads->CountRefusal(principal.status());
    return request.ReplyError(principal.status());
  }
  const std::string id =
      sessions_.Create(principal->name, *std::move(authorization));
  request.AddHeader(
      "Set-Cookie",
      absl::StrCat(kSessionCookie, "=", id,
                   "; Path=/; HttpOnly; SameSite=Strict; Max-Age=",
                   absl::ToInt64Seconds(sessions_.ttl()),
                   tls_ != nullptr ? "; Secure" : ""));
  request.AddHeader("Cache-Control", "no-store");
  google::protobuf::Value name;
  name.set_string_value(principal->name);
  request.Reply(200, "application/json",
                absl::StrCat("{\"principal\":", ToJson(name),
                             ",\"expiresInSeconds\":",
                             absl::ToInt64Seconds(sessions_.ttl()), "}"));
}

void HttpGateway::DeleteSession(Request& request) {
  if (std::optional<std::string> id = request.Cookie(kSessionCookie)) {
    sessions_.Remove(*id);
  }
  request.AddHeader("Set-Cookie",
                    absl::StrCat(kSessionCookie,
                                 "=; Path=/; HttpOnly; SameSite=Strict; "
                                 "Max-Age=0"));
  request.ReplyEmpty(204);
}

}  // namespace sitrep
