#ifndef SITREP_SERVER_SERVER_IMPL_H_
#define SITREP_SERVER_SERVER_IMPL_H_

// ServerImpl, the Server that Server::Start builds. Private to
// sitrep_server: only server*.cc include it.
//
// It is assembled in named steps (Init, server.cc), each owning a few
// components: check the config and the listeners, load the access policy
// and files, open the store, load the situation, start the feed, start the
// publisher and the service, start the gRPC listener, the lag probe, the
// metrics endpoint, the HTTP gateway, the sweeps, and write the port file.
// Shutdown (server.cc) stops the same components in reverse, in an
// explicit order whose reasons it states.
//
// Files: server.cc (the steps' order, shutdown, the Server methods),
// server_steps.cc (store, situation, feed, publisher, service, sweeps),
// server_listeners.cc (gRPC, the HTTP listeners, health).
//
// Thread safety: as Server. Members are set by Init before the server
// serves and are constant afterwards; the health fields are guarded by
// serving_mu_, the shutdown state by mu_.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "server/api/situation_feed_service.h"
#include "server/auth/access_policy.h"
#include "server/auth/authenticator.h"
#include "server/auth/publish_rate_limiter.h"
#include "server/auth/stream_quota.h"
#include "server/config/server_config.h"
#include "server/fanout/feed.h"
#include "server/http/http_endpoint.h"
#include "server/http/http_gateway.h"
#include "server/ingest/publisher.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_lag_probe.h"
#include "server/log/log_event_router.h"
#include "server/log/store_health.h"
#include "server/metrics/metrics.h"
#include "server/runtime/clock.h"
#include "server/runtime/data_dir_lock.h"
#include "server/runtime/executor.h"
#include "server/runtime/sweep_scheduler.h"
#include "server/server.h"
#include "server/service/feed_reads.h"
#include "server/service/publish_service.h"
#include "server/service/stream_grants.h"
#include "server/service/subscription_registry.h"
#include "server/sinks/webhook_config.h"
#include "server/sinks/webhook_sinks.h"
#include "server/situation/expiry_sweeper.h"
#include "server/situation/retention_sweeper.h"
#include "server/situation/situation_adapter.h"
#include "server/situation/situation_index.h"
#include "server/situation/situation_snapshotter.h"

namespace sitrep {

// Writes `port` to `path` atomically (a temporary file renamed); `flag`
// names the flag in errors.
absl::Status WritePortFile(const std::string& path, int port,
                           absl::string_view flag = "--port_file");

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerConfig& config, Clock* clock)
      : config_(config), clock_(clock) {}
  ~ServerImpl() override;

  // The assembly steps in order; on error the caller destroys the server,
  // whose Shutdown stops what the steps started.
  absl::Status Init();

  int port() const override { return port_; }
  std::string address() const override;
  const std::string& log_id() const override { return log_->log_id(); }
  int metrics_port() const override {
    return http_ != nullptr ? http_->port() : 0;
  }
  int http_port() const override {
    return gateway_ != nullptr ? gateway_->port() : 0;
  }
  void Shutdown() override;
  void Wait() override;
  absl::StatusOr<uint64_t> RunRetentionNow() override;
  absl::Status ReloadAccessPolicy() override;
  size_t RunExpiryNow() override { return expiry_->RunNow(); }
  std::vector<WebhookSinkStatus> WebhookStatus() const override;

 private:
  // --- Assembly steps (server_steps.cc, server_listeners.cc) -------------
  // The config is valid, every listener's port is free and the data
  // directory is ours (docs/design.md, "One process per port and per
  // store"), before anything opens or serves.
  absl::Status CheckConfigAndListeners();
  // The access policy, the webhooks file and the TLS credentials: a mistake
  // stops sitrepd with the field's name before anything starts.
  absl::Status LoadPolicyAndFiles();
  // The log (it reports its own health; StartFeed routes it to
  // store_health_).
  absl::Status OpenStore();
  // The situation index from the log's open incidents, its snapshotter and
  // the sweeps over it.
  absl::Status LoadSituation();
  // The executor, the Feed (the log's append listener) and the webhook
  // sinks that read it.
  absl::Status StartFeed();
  // The Publisher and the gRPC service with its guards.
  absl::Status StartPublisherAndService();
  absl::Status StartGrpcListener();
  absl::Status StartLagProbe();
  absl::Status StartMetricsEndpoint();
  absl::Status StartGateway();
  // Expiry, retention and the store probe on sweeps_ (never the executor).
  void StartSweeps();
  void LogServing() const;

  // --- Helpers -----------------------------------------------------------
  absl::Status CheckListenersFree() const;
  // The one place that picks the storage backend (--store).
  absl::StatusOr<std::unique_ptr<EventLog>> OpenBackend();
  void SetConnectionLimits(grpc::ServerBuilder* builder) const;
  // Health (gRPC and /readyz) is SERVING while the store works and shutdown
  // has not started. Called on every change of either.
  void UpdateServing();
  // gRPC's listener stopped accepting for good (grpc_accept_watch.h):
  // NOT_SERVING until a restart.
  void OnListenerFailed(const std::string& error);
  HttpResponse Readiness();
  // "host:port" of the metrics endpoint / "http(s)://host:port/" of the
  // gateway; "off" without one.
  std::string MetricsAddress() const;
  std::string GatewayAddress() const;

  const ServerConfig config_;
  Clock* const clock_;

  // Startup inputs (LoadPolicyAndFiles), read by later steps.
  std::shared_ptr<const AccessPolicy> policy_;
  std::vector<WebhookSinkConfig> webhook_configs_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  SituationFeedService::Options service_options_;

  // Owned parts, in construction order (destroyed in reverse).
  // Held until the log is closed (Shutdown).
  std::unique_ptr<DataDirLock> data_dir_lock_;
  // Borrowed by the log, the service, the interceptor and the endpoint.
  StoreHealth store_health_;
  Metrics metrics_;
  // Open streams' grants (M-4): before everything that holds a stream.
  StreamGrants grants_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<EventLog> log_;
  // Reads log_ (Head) until destroyed, so it is declared after it.
  std::unique_ptr<JetStreamLagProbe> lag_probe_;
  std::unique_ptr<SituationIndex> situation_;
  std::unique_ptr<SituationSnapshotter> snapshotter_;
  std::unique_ptr<SituationAdapter> situation_adapter_;
  std::unique_ptr<ThreadPoolExecutor> executor_;
  std::unique_ptr<Feed> feed_;
  // The log's listener: appends to feed_, health to store_health_.
  std::unique_ptr<LogEventRouter> log_events_;
  std::unique_ptr<WebhookSinks> webhook_sinks_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<ExpirySweeper> expiry_;
  std::unique_ptr<RetentionSweeper> retention_;
  std::unique_ptr<SubscriptionRegistry> subscriptions_;
  std::unique_ptr<PublishRateLimiter> publish_rate_;
  std::unique_ptr<StreamQuota> streams_;
  std::unique_ptr<PublishService> publishing_;
  std::unique_ptr<SituationFeedService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int port_ = 0;
  // The HTTP gateway's reads (the gRPC service has its own, alike).
  std::unique_ptr<FeedReads> reads_;
  std::unique_ptr<HttpGateway> gateway_;
  // Runs expiry_, retention_ and the store probe; stopped before the log
  // closes.
  std::unique_ptr<SweepScheduler> sweeps_;
  // Serves until Shutdown's end; its handlers read everything above.
  std::unique_ptr<HttpEndpoint> http_;
  // Init() completed: Shutdown() drains only a server that served.
  bool started_ = false;

  // Orders health changes (store failures and recoveries, shutdown).
  absl::Mutex serving_mu_;
  // The health service has its initial status: changes may go to it.
  bool health_ready_ ABSL_GUARDED_BY(serving_mu_) = false;
  // Shutdown started: NOT_SERVING for good.
  bool draining_ ABSL_GUARDED_BY(serving_mu_) = false;
  // gRPC's accept error, once its listener gave up: NOT_SERVING for good.
  std::string listener_failure_ ABSL_GUARDED_BY(serving_mu_);
  // WatchGrpcAcceptFailures handle; 0: none.
  int accept_watch_ = 0;

  absl::Mutex mu_;
  bool shutdown_started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVER_IMPL_H_
