#include "server/server.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/api/call_metrics_interceptor.h"
#include "server/api/grpc_accept_watch.h"
#include "server/api/server_credentials.h"
#include "server/api/situation_feed_service.h"
#include "server/api/subscription_registry.h"
#include "server/http/http_gateway.h"
#include "server/auth/access_policy.h"
#include "server/auth/authenticator.h"
#include "server/auth/principal.h"
#include "server/auth/publish_rate_limiter.h"
#include "server/auth/stream_quota.h"
#include "server/fanout/feed.h"
#include "server/ingest/publisher.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/jetstream_lag_probe.h"
#include "server/log/observed_event_log.h"
#include "server/log/store_health.h"
#include "server/metrics/http_endpoint.h"
#include "server/metrics/metrics.h"
#include "server/metrics/replica_metrics.h"
#include "server/query/situation_index.h"
#include "server/query/situation_snapshotter.h"
#include "server/runtime/data_dir_lock.h"
#include "server/runtime/executor.h"
#include "server/runtime/listen_address.h"
#include "server/runtime/logging.h"
#include "server/sinks/webhook_config.h"
#include "server/sinks/webhook_sinks.h"
#include "server/state_gauges.h"

namespace sitrep {
namespace {

constexpr char kServiceName[] = "sitrep.v1.SituationFeed";
// While the store is unavailable, how often a small read checks whether it
// works again (a read failure would otherwise only heal when some client
// reads, and NOT_SERVING keeps clients away).
constexpr absl::Duration kStoreProbeInterval = absl::Seconds(1);

// Connects the situation index to the log's tail and to snapshot starts.
class SituationAdapter final : public AppendListener, public SnapshotProvider {
 public:
  // `snapshots` and `executor` are borrowed (nullable: no snapshots).
  SituationAdapter(SituationIndex* index, Clock* clock,
                   SituationSnapshotter* snapshots = nullptr,
                   Executor* executor = nullptr)
      : index_(index),
        clock_(clock),
        snapshots_(snapshots),
        executor_(executor) {}
  void OnAppended(const std::vector<LogEntryPtr>& entries) override {
    index_->Apply(entries);
    // The store write runs on the executor, never on the log's writer.
    if (snapshots_ != nullptr && executor_ != nullptr && !entries.empty() &&
        snapshots_->Due(entries.back()->sequence())) {
      executor_->Schedule([snapshots = snapshots_] {
        if (absl::Status saved = snapshots->SnapshotNow(); !saved.ok()) {
          LogWarning("situation", "situation snapshot not stored",
                     {{"error", std::string(saved.message())}});
        }
      });
    }
  }
  SituationSnapshot TakeSnapshot(const FilterMatcher* filter) override {
    SituationIndex::Snapshot snapshot = index_->Take(filter, clock_->Now());
    SituationSnapshot result;
    result.sequence = snapshot.sequence;
    result.updates.reserve(snapshot.incidents.size());
    for (const SituationIndex::Shown& shown : snapshot.incidents) {
      result.updates.push_back(shown.latest);
    }
    return result;
  }

 private:
  SituationIndex* const index_;
  Clock* const clock_;
  SituationSnapshotter* const snapshots_;
  Executor* const executor_;
};

// `flag` names the flag in errors.
absl::Status WritePortFile(const std::string& path, int port,
                           absl::string_view flag = "--port_file") {
  const std::string temp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) {
      return absl::UnavailableError(
          absl::StrCat(flag, ": cannot write ", temp));
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat(flag, ": cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerConfig& config, Clock* clock)
      : config_(config), clock_(clock) {}
  ~ServerImpl() override {
    Shutdown();
    if (accept_watch_ != 0) UnwatchGrpcAcceptFailures(accept_watch_);
  }

  absl::Status Init() {
    if (absl::Status valid = ValidateServerConfig(config_); !valid.ok()) {
      return valid;
    }
    // One process per port and per store, checked before anything opens or
    // serves (docs/design.md, "One process per port and per store").
    if (absl::Status free = CheckListenersFree(); !free.ok()) return free;
    if (config_.store == StoreKind::kSqlite || !config_.webhooks_file.empty()) {
      absl::StatusOr<std::unique_ptr<DataDirLock>> lock =
          DataDirLock::Acquire(config_.data_dir);
      if (!lock.ok()) return lock.status();
      data_dir_lock_ = *std::move(lock);
    }
    std::shared_ptr<const AccessPolicy> policy;
    if (!config_.auth_file.empty()) {
      absl::StatusOr<std::shared_ptr<const AccessPolicy>> loaded =
          AccessPolicy::Load(config_.auth_file);
      if (!loaded.ok()) return loaded.status();
      policy = *std::move(loaded);
    }
    authenticator_ = std::make_unique<Authenticator>(policy);
    // Webhook sinks: the file is checked before anything starts, so a
    // mistake stops sitrepd with the field's name.
    std::vector<WebhookSinkConfig> webhooks;
    if (!config_.webhooks_file.empty()) {
      absl::StatusOr<std::vector<WebhookSinkConfig>> loaded =
          LoadWebhooksFile(config_.webhooks_file);
      if (!loaded.ok()) {
        return absl::Status(loaded.status().code(),
                            absl::StrCat("--webhooks_file: ",
                                         loaded.status().message()));
      }
      webhooks = *std::move(loaded);
    }
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(config_.tls);
    if (!credentials.ok()) return credentials.status();

    // Health follows the store: every store operation reports to
    // store_health_, which flips health and /readyz on a change.
    store_health_.SetListener([this](bool) { UpdateServing(); });
    absl::StatusOr<std::unique_ptr<EventLog>> log = OpenStore();
    if (!log.ok()) return log.status();
    backend_log_ = log->get();
    log_ = ObserveEventLog(*std::move(log), &store_health_);

    absl::StatusOr<EventLog::OpenIncidents> incidents =
        log_->LoadOpenIncidents();
    if (!incidents.ok()) return incidents.status();
    situation_ = std::make_unique<SituationIndex>();
    situation_->Reset(*std::move(incidents), log_.get());
    executor_ = std::make_unique<ThreadPoolExecutor>(config_.executor_threads);
    snapshotter_ = std::make_unique<SituationSnapshotter>(
        log_.get(), situation_.get(), config_.situation_snapshot_every);
    situation_adapter_ = std::make_unique<SituationAdapter>(
        situation_.get(), clock_, snapshotter_.get(), executor_.get());
    Feed::Options feed_options;
    feed_options.ring_capacity = config_.ring_capacity;
    feed_ = std::make_unique<Feed>(log_.get(), executor_.get(),
                                   situation_adapter_.get(),
                                   situation_adapter_.get(), feed_options);
    log_->SetAppendListener(feed_.get());

    // Webhook sinks: cursors over the Feed like subscribers, on their own
    // thread; stopped in Shutdown() before the log closes.
    if (!webhooks.empty()) {
      WebhookSinks::Options sink_options;
      sink_options.data_dir = config_.data_dir;
      sink_options.sync = config_.fsync != FsyncPolicy::kOff;
      sink_options.clock = clock_;
      absl::StatusOr<std::unique_ptr<WebhookSinks>> sinks =
          WebhookSinks::Start(webhooks, feed_.get(), sink_options);
      if (!sinks.ok()) return sinks.status();
      webhook_sinks_ = *std::move(sinks);
    }

    publisher_ =
        std::make_unique<Publisher>(log_.get(), clock_, config_.validation);
    subscriptions_ =
        std::make_unique<SubscriptionRegistry>(config_.max_subscriptions);
    publish_rate_ = std::make_unique<PublishRateLimiter>(
        clock_, PublishRateLimiter::Options{config_.publish_rate,
                                            config_.publish_burst});
    streams_ = std::make_unique<StreamQuota>(config_.max_streams_per_principal);
    SituationFeedService::Options service_options;
    service_options.subscribe.min_heartbeat = config_.min_heartbeat;
    service_options.subscribe.filter_limits = config_.filter_limits;
    service_options.list = config_.list;
    service_options.publish_stream_window = config_.publish_stream_window;
    service_options.metrics = &metrics_;
    service_ = std::make_unique<SituationFeedService>(
        publisher_.get(), feed_.get(), situation_.get(), subscriptions_.get(),
        clock_,
        SituationFeedService::Guards{authenticator_.get(), publish_rate_.get(),
                                     streams_.get(), &grants_},
        service_options);

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen, *credentials, &port_);
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
    if (policy == nullptr) {
      LogWarning("server",
                 "no --auth_file: development mode, every caller is "
                 "'anonymous' with every right (loopback only)");
    }
    if (absl::Status started = StartLagProbe(); !started.ok()) return started;
    if (absl::Status started = StartMetricsEndpoint(); !started.ok()) {
      return started;
    }
    if (absl::Status started = StartGateway(service_options); !started.ok()) {
      return started;
    }
    // Last: a script that sees the port file finds every listener up.
    if (!config_.port_file.empty()) {
      absl::Status written = WritePortFile(config_.port_file, port_);
      if (!written.ok()) return written;
    }
    ScheduleExpiry();
    ScheduleStoreProbe();
    started_ = true;
    if (config_.retention_max_age != absl::InfiniteDuration() ||
        config_.retention_max_updates > 0) {
      ScheduleRetention();
    }
    LogInfo("server", "serving",
            {{"address", address()},
             {"data_dir", config_.data_dir},
             {"tls", !config_.tls.enabled()                ? "off"
                     : config_.tls.client_ca_file.empty() ? "on"
                                                          : "mtls"},
             {"principals",
              policy == nullptr ? "anonymous" : absl::StrCat(policy->size())},
             {"metrics", MetricsAddress()},
             {"http", GatewayAddress()},
             {"log_id", log_->log_id()},
             {"head", absl::StrCat(log_->Head())}});
    if (gateway_ != nullptr) {
      LogInfo("server", "dashboard: open " + GatewayAddress() +
                            " in a browser");
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int metrics_port() const override {
    return http_ != nullptr ? http_->port() : 0;
  }
  int http_port() const override {
    return gateway_ != nullptr ? gateway_->port() : 0;
  }
  std::string address() const override {
    const size_t colon = config_.listen.rfind(':');
    return absl::StrCat(config_.listen.substr(0, colon), ":", port_);
  }
  const std::string& log_id() const override { return log_->log_id(); }

  void Shutdown() override {
    {
      absl::MutexLock lock(&mu_);
      if (shutdown_started_) {
        mu_.Await(absl::Condition(&shutdown_done_));
        return;
      }
      shutdown_started_ = true;
    }
    if (grpc_server_ != nullptr) {
      // A server whose start failed logs nothing: its error is the news.
      if (started_) LogInfo("server", "shutting down");
      {
        absl::MutexLock lock(&serving_mu_);
        draining_ = true;
        grpc_server_->GetHealthCheckService()->SetServingStatus(false);
      }
      // Load balancers and probes see NOT_SERVING while every call still
      // works, and move new calls elsewhere before the listener closes.
      if (started_ && config_.shutdown_drain > absl::ZeroDuration()) {
        LogInfo("server", "draining",
                {{"for", absl::FormatDuration(config_.shutdown_drain)}});
        absl::SleepFor(config_.shutdown_drain);
      }
      publisher_->StopAccepting();
      subscriptions_->EndAll(absl::UnavailableError(
          "the server is shutting down; resume from your last cursor (on "
          "this server when it is back, or on another replica)"));
      grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() +
                                                config_.shutdown_grace));
    }
    // The SSE streams were ended with the others (EndAll): each sends its
    // last event once its write in flight completes, on the executor; what
    // is left after the grace is cut.
    if (gateway_ != nullptr) {
      gateway_->Drain(config_.shutdown_grace);
      gateway_->Stop();
    }
    // Webhook sinks: in-flight POSTs get the grace, then the cursors are
    // saved; before the log closes, since the sinks read it.
    if (webhook_sinks_ != nullptr) webhook_sinks_->Stop(config_.shutdown_grace);
    if (executor_ != nullptr) executor_->Shutdown();
    if (log_ != nullptr) log_->Close();
    // The store is closed: another server may open it (a restart in the
    // same process, too).
    data_dir_lock_.reset();
    // Last: /healthz and /metrics answer during the whole shutdown.
    if (http_ != nullptr) http_->Stop();
    if (started_) LogInfo("server", "stopped");
    absl::MutexLock lock(&mu_);
    shutdown_done_ = true;
  }

  void Wait() override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&shutdown_done_));
  }

  absl::StatusOr<uint64_t> RunRetentionNow() override {
    RetentionPolicy policy;
    policy.max_age = config_.retention_max_age;
    policy.max_updates = config_.retention_max_updates;
    const absl::Time now = clock_->Now();
    StoreSnapshotBeforeRetention(now, &policy);
    absl::StatusOr<uint64_t> removed = log_->ApplyRetention(policy, now);
    if (removed.ok()) metrics_.RecordRetentionDeleted(*removed);
    if (!removed.ok()) {
      LogError("retention", "failed",
               {{"error", std::string(removed.status().message())}});
    } else if (*removed > 0) {
      LogInfo("retention", "removed updates",
              {{"count", absl::StrCat(*removed)},
               {"oldest", absl::StrCat(log_->Oldest())}});
    }
    return removed;
  }

  // Stores the situation just before the first update `policy` keeps and
  // bounds the run to it, so that GetSituation as_of can rebuild every point
  // retention leaves. If that situation cannot be rebuilt, stores the
  // current one instead (the points between the cut and the head then wait
  // for the next periodic snapshot) and lets the run go on: the disk space
  // retention frees matters more.
  void StoreSnapshotBeforeRetention(absl::Time now, RetentionPolicy* policy) {
    absl::StatusOr<uint64_t> first_kept =
        FirstSequenceRetentionKeeps(*log_, *policy, now);
    absl::Status saved;
    if (!first_kept.ok()) {
      saved = first_kept.status();
    } else if (*first_kept <= log_->Oldest()) {
      return;  // Nothing to remove.
    } else {
      saved = snapshotter_->SnapshotAt(*first_kept - 1, now);
      if (saved.ok()) {
        policy->first_kept_at_most = *first_kept;
        return;
      }
    }
    LogWarning("situation",
               "situation before the retention cut not stored; storing the "
               "current one",
               {{"error", std::string(saved.message())}});
    if (absl::Status current = snapshotter_->SnapshotNow(); !current.ok()) {
      LogWarning("situation", "situation snapshot not stored",
                 {{"error", std::string(current.message())}});
    }
  }

  absl::Status ReloadAccessPolicy() override {
    if (config_.auth_file.empty()) {
      return absl::FailedPreconditionError(
          "no --auth_file: nothing to reload (development mode)");
    }
    absl::StatusOr<std::shared_ptr<const AccessPolicy>> loaded =
        AccessPolicy::Load(config_.auth_file);
    if (!loaded.ok()) {
      LogError("auth", "access policy not reloaded; the previous one stays",
               {{"file", config_.auth_file},
                {"error", std::string(loaded.status().message())}});
      return loaded.status();
    }
    const size_t principals = (*loaded)->size();
    authenticator_->Replace(*std::move(loaded));
    // Streams opened under the old policy whose rights it took away end now
    // (issue 17, M-4), not when their connection ages out.
    const size_t ended = grants_.Recheck(*authenticator_);
    LogInfo("auth", "access policy reloaded",
            {{"file", config_.auth_file},
             {"principals", absl::StrCat(principals)},
             {"streams_ended", absl::StrCat(ended)}});
    return absl::OkStatus();
  }

  std::vector<WebhookSinkStatus> WebhookStatus() const override {
    if (webhook_sinks_ == nullptr) return {};
    return webhook_sinks_->Status();
  }

  size_t RunExpiryNow() override {
    std::vector<IncidentRecord> expired = situation_->ExpiredAt(clock_->Now());
    if (expired.empty()) return 0;
    std::vector<AppendRequest> batch;
    for (const IncidentRecord& record : expired) {
      AppendRequest& request = batch.emplace_back();
      v1::SituationUpdate& update = request.update;
      update = record.latest->update;
      update.clear_sequence();
      update.clear_received_at();
      update.clear_incident_version();
      update.clear_expires_at();
      update.clear_description();
      update.set_kind(v1::KIND_EXPIRED);
      update.set_publisher(kSystemPublisher);
      update.set_event_id(absl::StrCat("expired:", record.incident_id, ":v",
                                       record.version));
      *update.mutable_occurred_at() = record.latest->update.expires_at();
      std::string headline = absl::StrCat("Expired: ", update.headline());
      if (headline.size() > 200) {
        // Cut on a UTF-8 boundary: when the first byte dropped is a
        // continuation byte, the character it belongs to straddles the cut
        // and goes as a whole. (Only when cutting: a headline that fits is
        // kept as it is.)
        size_t cut = 200;
        while (cut > 0 &&
               (static_cast<unsigned char>(headline[cut]) & 0xC0) == 0x80) {
          --cut;
        }
        headline.resize(cut);
      }
      update.set_headline(headline);
      // Loses cleanly against a publisher who updated the thread meanwhile.
      request.expected_incident_version = record.version;
    }
    absl::Notification done;
    size_t appended = 0;
    log_->Append(std::move(batch),
                 [&](std::vector<absl::StatusOr<AppendResult>> results) {
                   for (const auto& result : results) {
                     if (result.ok() && !result->duplicate) ++appended;
                   }
                   done.Notify();
                 });
    done.WaitForNotification();
    return appended;
  }

 private:
  // Every listener's port is free (port 0 always is); all taken ones in one
  // message, a line each.
  absl::Status CheckListenersFree() const {
    std::vector<std::string> taken;
    for (const auto& [flag, address] :
         {std::pair<const char*, const std::string&>{"--listen",
                                                     config_.listen},
          {"--http_address", config_.http_address},
          {"--metrics_address", config_.metrics_address}}) {
      if (address.empty()) continue;
      absl::Status free = CheckAddressFree(flag, address);
      if (!free.ok()) taken.emplace_back(free.message());
    }
    if (taken.empty()) return absl::OkStatus();
    return absl::UnavailableError(absl::StrJoin(taken, "\n"));
  }

  // The one place that picks the storage backend (--store).
  absl::StatusOr<std::unique_ptr<EventLog>> OpenStore() {
    if (config_.store == StoreKind::kJetStream) {
      JetStreamOptions options = config_.jetstream;
      options.clock = clock_;
      // Other replicas' updates wait for the Feed (SetAppendListener below),
      // so that the situation loaded first misses none of them.
      options.hold_tail_until_listener = true;
      // Health follows the connection: NOT_SERVING while NATS is away.
      options.on_connection_change = [this](bool connected) {
        if (connected) {
          store_health_.ReportSuccess(StoreHealth::Operation::kWrite);
        } else {
          store_health_.ReportFailure(
              StoreHealth::Operation::kWrite,
              absl::UnavailableError(absl::StrCat(
                  "lost the connection to NATS at ",
                  config_.jetstream.nats_url)));
        }
      };
      return OpenJetStreamEventLog(options);
    }
    SqliteOptions options;
    options.data_dir = config_.data_dir;
    options.fsync = config_.fsync;
    options.clock = clock_;
    return OpenSqliteEventLog(options);
  }

  // Keepalive enforcement and connection ageing.
  void SetConnectionLimits(grpc::ServerBuilder* builder) const {
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
  void UpdateServing() {
    absl::MutexLock lock(&serving_mu_);
    if (!health_ready_ || draining_) return;
    grpc_server_->GetHealthCheckService()->SetServingStatus(
        store_health_.available() && listener_failure_.empty());
  }

  // gRPC's listener stopped accepting for good (grpc_accept_watch.h):
  // NOT_SERVING until a restart.
  void OnListenerFailed(const std::string& error) {
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

  HttpResponse Readiness() {
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
  absl::Status StartLagProbe() {
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
  std::string MetricsAddress() const {
    if (http_ == nullptr) return "off";
    const size_t colon = config_.metrics_address.rfind(':');
    return absl::StrCat(config_.metrics_address.substr(0, colon), ":",
                        http_->port());
  }

  // /metrics, /healthz, /readyz on --metrics_address (none when empty).
  absl::Status StartMetricsEndpoint() {
    StateSources sources;
    sources.log = log_.get();
    sources.backend_log = backend_log_;
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
  absl::Status StartGateway(const SituationFeedService::Options& service) {
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
            [service = service_.get()](const CallIdentity& caller, absl::string_view rpc,
                                       std::vector<v1::PublishRequest> requests,
                                       absl::Time received, PublishCallback done) {
              service->PublishAs(caller, rpc, std::move(requests), received,
                                 std::move(done));
            }},
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
  std::string GatewayAddress() const {
    if (gateway_ == nullptr) return "off";
    const size_t colon = config_.http_address.rfind(':');
    return absl::StrCat(config_.tls.enabled() ? "https://" : "http://",
                        config_.http_address.substr(0, colon), ":",
                        gateway_->port(), "/");
  }

  // A cheap read while the store is unavailable: its success makes reads
  // count as working again (writes heal with the next successful append).
  void ScheduleStoreProbe() {
    executor_->ScheduleAfter(kStoreProbeInterval, [this] {
      if (!store_health_.available()) {
        (void)log_->FirstSequenceAtOrAfter(clock_->Now());
      }
      ScheduleStoreProbe();
    });
  }

  void ScheduleExpiry() {
    executor_->ScheduleAfter(config_.expiry_interval, [this] {
      RunExpiryNow();
      ScheduleExpiry();
    });
  }
  void ScheduleRetention() {
    executor_->ScheduleAfter(config_.retention_interval, [this] {
      (void)RunRetentionNow();
      ScheduleRetention();
    });
  }

  const ServerConfig config_;
  Clock* const clock_;

  // Owned parts, in construction order (destroyed in reverse).
  // Held until the log is closed (Shutdown).
  std::unique_ptr<DataDirLock> data_dir_lock_;
  // Borrowed by the log, the service, the interceptor and the endpoint.
  StoreHealth store_health_;
  Metrics metrics_;
  // Open streams' grants (M-4): before everything that holds a stream.
  StreamGrants grants_;
  std::unique_ptr<EventLog> log_;
  // Reads log_ (Head) until destroyed, so it is declared after it.
  std::unique_ptr<JetStreamLagProbe> lag_probe_;
  // The backend's own log inside log_'s observing wrapper (its stats).
  const EventLog* backend_log_ = nullptr;
  std::unique_ptr<SituationIndex> situation_;
  std::unique_ptr<SituationSnapshotter> snapshotter_;
  std::unique_ptr<SituationAdapter> situation_adapter_;
  std::unique_ptr<ThreadPoolExecutor> executor_;
  std::unique_ptr<Feed> feed_;
  std::unique_ptr<WebhookSinks> webhook_sinks_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<SubscriptionRegistry> subscriptions_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<PublishRateLimiter> publish_rate_;
  std::unique_ptr<StreamQuota> streams_;
  std::unique_ptr<SituationFeedService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int port_ = 0;
  // The HTTP gateway's reads (the gRPC service has its own, alike).
  std::unique_ptr<FeedReads> reads_;
  std::unique_ptr<HttpGateway> gateway_;
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

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerConfig& config, Clock* clock) {
  auto server =
      std::make_unique<ServerImpl>(config, clock ? clock : RealClock());
  absl::Status started = server->Init();
  if (!started.ok()) return started;
  return server;
}

}  // namespace sitrep
