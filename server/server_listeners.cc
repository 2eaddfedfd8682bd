// ServerImpl's listeners - gRPC, the metrics endpoint, the HTTP gateway -
// and the health they report (server_impl.h).
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/api/call_metrics_interceptor.h"
#include "server/api/grpc_accept_watch.h"
#include "server/metrics/replica_metrics.h"
#include "server/runtime/listen_address.h"
#include "server/runtime/logging.h"
#include "server/server_impl.h"
#include "server/state_gauges.h"

namespace sitrep {
namespace {

constexpr char kServiceName[] = "sitrep.v1.SituationFeed";

}  // namespace

absl::Status ServerImpl::StartGrpcListener() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, credentials_, &port_);
  // gRPC sets SO_REUSEPORT by default: a second sitrepd would then share
  // the port and take half the connections to a log of its own.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(service_.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.max_message_bytes));
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewCallMetricsInterceptorFactory(&metrics_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  SetConnectionLimits(&builder);
  accept_watch_ = WatchGrpcAcceptFailures(
      [this](const std::string& error) { OnListenerFailed(error); });
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr || port_ == 0) {
    // Taken since CheckListenersFree()? Then name the holder.
    absl::Status free = CheckAddressFree("--listen", config_.listen);
    if (!free.ok()) return free;
    return absl::UnavailableError(absl::StrCat(
        "--listen: cannot listen on ", config_.listen,
        " (address in use, or not an address of this machine?)"));
  }
  grpc_server_->GetHealthCheckService()->SetServingStatus(true);
  grpc_server_->GetHealthCheckService()->SetServingStatus(kServiceName, true);
  {
    absl::MutexLock lock(&serving_mu_);
    health_ready_ = true;
  }
  UpdateServing();  // In case the store failed meanwhile.
  if (!IsLoopbackAddress(config_.listen) && !config_.tls.enabled()) {
    LogWarning("server",
               "serving PLAINTEXT on a non-loopback address (--plaintext): "
               "tokens and updates cross the network unencrypted unless a "
               "proxy in front terminates TLS",
               {{"listen", config_.listen}});
  }
  if (policy_ == nullptr) {
    LogWarning("server",
               "no --auth_file: development mode, every caller is "
               "'anonymous' with every right (loopback only)");
  }
  return absl::OkStatus();
}

// Keepalive enforcement and connection ageing.
void ServerImpl::SetConnectionLimits(grpc::ServerBuilder* builder) const {
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config_.min_ping_interval)));
  // A client gets two pings too many before GOAWAY "too_many_pings".
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  if (config_.max_connection_age != absl::InfiniteDuration()) {
    builder->AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(std::min<int64_t>(
            absl::ToInt64Milliseconds(config_.max_connection_age),
            std::numeric_limits<int>::max())));
    builder->AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
        static_cast<int>(std::min<int64_t>(
            absl::ToInt64Milliseconds(config_.max_connection_age_grace),
            std::numeric_limits<int>::max())));
  }
}

// Health (gRPC and /readyz) is SERVING while the store works and shutdown
// has not started. Called on every change of either.
void ServerImpl::UpdateServing() {
  absl::MutexLock lock(&serving_mu_);
  if (!health_ready_ || draining_) return;
  grpc_server_->GetHealthCheckService()->SetServingStatus(
      store_health_.available() && listener_failure_.empty());
}

// gRPC's listener stopped accepting for good (grpc_accept_watch.h):
// NOT_SERVING until a restart.
void ServerImpl::OnListenerFailed(const std::string& error) {
  {
    absl::MutexLock lock(&serving_mu_);
    if (!listener_failure_.empty()) return;
    listener_failure_ = error;
  }
  LogError("server",
           "the gRPC listener stopped accepting connections; health is "
           "NOT_SERVING and /readyz 503 until sitrepd is restarted",
           {{"error", error}});
  UpdateServing();
}

HttpResponse ServerImpl::Readiness() {
  HttpResponse response;
  bool draining;
  std::string listener_failure;
  {
    absl::MutexLock lock(&serving_mu_);
    draining = draining_;
    listener_failure = listener_failure_;
  }
  if (!listener_failure.empty()) {
    response.status = 503;
    response.body = absl::StrCat(
        "not ready: the gRPC listener stopped accepting (", listener_failure,
        "); restart sitrepd\n");
  } else if (draining) {
    response.status = 503;
    response.body = "not ready: shutting down\n";
  } else if (!store_health_.available()) {
    response.status = 503;
    response.body = absl::StrCat("not ready: the store is unavailable (",
                                 store_health_.reason(), ")\n");
  } else {
    response.body = "ready\n";
  }
  return response;
}

// --store=jetstream: the replica heartbeats and lags (jetstream_lag_probe.h),
// exported on /metrics. Runs until the server is destroyed, after the
// endpoint stopped; its last act deletes this replica's heartbeat.
absl::Status ServerImpl::StartLagProbe() {
  if (config_.store != StoreKind::kJetStream) return absl::OkStatus();
  LagProbeOptions options;
  options.nats = config_.jetstream;
  options.replica = config_.replica_name;
  if (options.replica.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    options.replica = absl::StrCat(host, "_", port_);
  }
  options.interval = config_.replica_heartbeat_interval;
  options.applied = [log = log_.get()] { return log->Head(); };
  options.clock = clock_;
  absl::StatusOr<std::unique_ptr<JetStreamLagProbe>> probe =
      StartJetStreamLagProbe(std::move(options));
  if (!probe.ok()) return probe.status();
  lag_probe_ = *std::move(probe);
  metrics_.SetExtraExposition(
      [probe = lag_probe_.get()] { return FormatReplicaMetrics(probe->Snapshot()); });
  return absl::OkStatus();
}

// "host:port" of the metrics endpoint, "off" without one.
std::string ServerImpl::MetricsAddress() const {
  if (http_ == nullptr) return "off";
  const size_t colon = config_.metrics_address.rfind(':');
  return absl::StrCat(config_.metrics_address.substr(0, colon), ":",
                      http_->port());
}

// /metrics, /healthz, /readyz on --metrics_address (none when empty).
absl::Status ServerImpl::StartMetricsEndpoint() {
  StateSources sources;
  sources.log = log_.get();
  sources.store = &store_health_;
  sources.data_dir = config_.data_dir;
  sources.feed = feed_.get();
  sources.situation = situation_.get();
  sources.subscriptions = subscriptions_.get();
  sources.clock = clock_;
  sources.webhooks = [this] { return WebhookStatus(); };
  metrics_.SetRefresh([sources](Metrics& metrics) {
    RefreshStateGauges(sources, metrics);
  });
  if (config_.metrics_address.empty()) return absl::OkStatus();
  std::map<std::string, HttpHandler> routes;
  routes["/metrics"] = [this] {
    HttpResponse response;
    response.content_type = Metrics::kContentType;
    response.body = metrics_.Scrape();
    return response;
  };
  // Liveness: the process runs and its endpoint thread answers.
  routes["/healthz"] = [] {
    HttpResponse response;
    response.body = "ok\n";
    return response;
  };
  routes["/readyz"] = [this] { return Readiness(); };
  // Someone who opens the port in a browser learns what is there.
  routes["/"] = [] {
    HttpResponse response;
    response.body =
        "sitrepd metrics and health endpoint (--metrics_address)\n"
        "\n"
        "/metrics  Prometheus metrics (text exposition format)\n"
        "/healthz  liveness: 200 \"ok\" while the process answers\n"
        "/readyz   readiness: 200 when ready to serve, 503 and the reason "
        "otherwise\n"
        "\n"
        "The gRPC API is on --listen; the dashboard and the HTTP API on "
        "--http_address.\n";
    return response;
  };
  absl::StatusOr<std::unique_ptr<HttpEndpoint>> http = HttpEndpoint::Start(
      config_.metrics_address, std::move(routes), HttpEndpoint::Options());
  if (!http.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "--metrics_address: ", http.status().message(),
        " (address in use? another sitrepd? give another port, 0 for any "
        "free one, or an empty value for no metrics endpoint)"));
  }
  http_ = *std::move(http);
  if (!config_.metrics_port_file.empty()) {
    return WritePortFile(config_.metrics_port_file, http_->port(),
                         "--metrics_port_file");
  }
  return absl::OkStatus();
}

// The browser's HTTP/JSON + SSE API and the dashboard on --http_address
// (none when empty).
absl::Status ServerImpl::StartGateway() {
  const SituationFeedService::Options& service = service_options_;
  if (config_.http_address.empty()) return absl::OkStatus();
  SubscribeOptions subscribe = service.subscribe;
  subscribe.metrics = &metrics_;
  reads_ = std::make_unique<FeedReads>(
      FeedReads::Parts{feed_.get(), situation_.get(), subscriptions_.get(),
                       clock_, streams_.get(), &grants_},
      subscribe, service.list);
  HttpGateway::Options options;
  options.address = config_.http_address;
  options.tls_cert_file = config_.tls.cert_file;
  options.tls_key_file = config_.tls.key_file;
  options.tls_client_ca_file = config_.tls.client_ca_file;
  if (!IsLoopbackAddress(config_.http_address) && !config_.tls.enabled()) {
    LogWarning("server",
               "serving PLAINTEXT HTTP on a non-loopback address "
               "(--http_address): tokens, session cookies and updates "
               "cross the network unencrypted unless a proxy in front "
               "terminates TLS",
               {{"http", config_.http_address}});
  }
  options.cors_origins = config_.http_cors_origins;
  options.session_ttl = config_.http_session_ttl;
  options.io_timeout = config_.http_io_timeout;
  options.max_connections = config_.http_max_connections;
  options.request_timeout = config_.http_request_timeout;
  options.max_stream_age = config_.http_max_stream_age;
  absl::StatusOr<std::unique_ptr<HttpGateway>> gateway = HttpGateway::Start(
      HttpGateway::Parts{
          reads_.get(), authenticator_.get(), executor_.get(), clock_, &metrics_,
          publishing_.get()},
      std::move(options));
  if (!gateway.ok()) return gateway.status();
  gateway_ = *std::move(gateway);
  if (!config_.http_port_file.empty()) {
    return WritePortFile(config_.http_port_file, gateway_->port(),
                         "--http_port_file");
  }
  return absl::OkStatus();
}

// "http(s)://host:port/" of the gateway, "off" without one.
std::string ServerImpl::GatewayAddress() const {
  if (gateway_ == nullptr) return "off";
  const size_t colon = config_.http_address.rfind(':');
  return absl::StrCat(config_.tls.enabled() ? "https://" : "http://",
                      config_.http_address.substr(0, colon), ":",
                      gateway_->port(), "/");
}

}  // namespace sitrep
