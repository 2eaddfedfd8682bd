// ServerImpl's assembly steps for the store, the situation, the feed, the
// publisher, the service and the sweeps (server_impl.h).
#include <cstdio>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/api/server_credentials.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/log_event_router.h"
#include "server/runtime/listen_address.h"
#include "server/server_impl.h"

namespace sitrep {
namespace {

// While the store is unavailable, how often a small read checks whether it
// works again (a read failure would otherwise only heal when some client
// reads, and NOT_SERVING keeps clients away).
constexpr absl::Duration kStoreProbeInterval = absl::Seconds(1);

}  // namespace

absl::Status WritePortFile(const std::string& path, int port,
                           absl::string_view flag) {
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

absl::Status ServerImpl::CheckConfigAndListeners() {
  if (absl::Status valid = ValidateServerConfig(config_); !valid.ok()) {
    return valid;
  }
  if (absl::Status free = CheckListenersFree(); !free.ok()) return free;
  if (config_.store == StoreKind::kSqlite || !config_.webhooks_file.empty()) {
    absl::StatusOr<std::unique_ptr<DataDirLock>> lock =
        DataDirLock::Acquire(config_.data_dir);
    if (!lock.ok()) return lock.status();
    data_dir_lock_ = *std::move(lock);
  }
  return absl::OkStatus();
}

// Every listener's port is free (port 0 always is); all taken ones in one
// message, a line each.
absl::Status ServerImpl::CheckListenersFree() const {
  std::vector<std::string> taken;
  for (const auto& [flag, address] :
       {std::pair<const char*, const std::string&>{"--listen", config_.listen},
        {"--http_address", config_.http_address},
        {"--metrics_address", config_.metrics_address}}) {
    if (address.empty()) continue;
    absl::Status free = CheckAddressFree(flag, address);
    if (!free.ok()) taken.emplace_back(free.message());
  }
  if (taken.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrJoin(taken, "\n"));
}

absl::Status ServerImpl::LoadPolicyAndFiles() {
  if (!config_.auth_file.empty()) {
    absl::StatusOr<std::shared_ptr<const AccessPolicy>> loaded =
        AccessPolicy::Load(config_.auth_file);
    if (!loaded.ok()) return loaded.status();
    policy_ = *std::move(loaded);
  }
  authenticator_ = std::make_unique<Authenticator>(policy_);
  if (!config_.webhooks_file.empty()) {
    absl::StatusOr<std::vector<WebhookSinkConfig>> loaded =
        LoadWebhooksFile(config_.webhooks_file);
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(),
                          absl::StrCat("--webhooks_file: ",
                                       loaded.status().message()));
    }
    webhook_configs_ = *std::move(loaded);
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config_.tls);
  if (!credentials.ok()) return credentials.status();
  credentials_ = *std::move(credentials);
  return absl::OkStatus();
}

absl::Status ServerImpl::OpenStore() {
  // Health follows the store: the log reports its health (StartFeed's
  // router keeps store_health_ equal to it), which flips health and
  // /readyz on a change.
  store_health_.SetListener([this](bool) { UpdateServing(); });
  absl::StatusOr<std::unique_ptr<EventLog>> log = OpenBackend();
  if (!log.ok()) return log.status();
  log_ = *std::move(log);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventLog>> ServerImpl::OpenBackend() {
  if (config_.store == StoreKind::kJetStream) {
    JetStreamOptions options = config_.jetstream;
    options.clock = clock_;
    // Other replicas' updates wait for the Feed (StartFeed's
    // SetAppendListener), so that the situation loaded first misses none.
    options.hold_tail_until_listener = true;
    // Health follows the connection (NOT_SERVING while NATS is away): the
    // log reports it as its health.
    return OpenJetStreamEventLog(options);
  }
  SqliteOptions options;
  options.data_dir = config_.data_dir;
  options.fsync = config_.fsync;
  options.clock = clock_;
  return OpenSqliteEventLog(options);
}

absl::Status ServerImpl::LoadSituation() {
  absl::StatusOr<EventLog::OpenIncidents> incidents = log_->LoadOpenIncidents();
  if (!incidents.ok()) return incidents.status();
  situation_ = std::make_unique<SituationIndex>();
  situation_->Reset(*std::move(incidents), log_.get());
  snapshotter_ = std::make_unique<SituationSnapshotter>(
      log_.get(), situation_.get(), config_.situation_snapshot_every);
  RetentionPolicy retention;
  retention.max_age = config_.retention_max_age;
  retention.max_updates = config_.retention_max_updates;
  retention_ = std::make_unique<RetentionSweeper>(
      log_.get(), snapshotter_.get(), clock_, retention);
  return absl::OkStatus();
}

absl::Status ServerImpl::StartFeed() {
  executor_ = std::make_unique<ThreadPoolExecutor>(config_.executor_threads);
  situation_adapter_ = std::make_unique<SituationAdapter>(
      situation_.get(), clock_, snapshotter_.get(), executor_.get());
  Feed::Options feed_options;
  feed_options.ring_capacity = config_.ring_capacity;
  feed_ = std::make_unique<Feed>(log_.get(), executor_.get(),
                                 situation_adapter_.get(),
                                 situation_adapter_.get(), feed_options);
  log_events_ = std::make_unique<LogEventRouter>(feed_.get(), &store_health_);
  log_->SetAppendListener(log_events_.get());
  // Webhook sinks: cursors over the Feed like subscribers, on their own
  // thread; stopped in Shutdown() before the log closes.
  if (webhook_configs_.empty()) return absl::OkStatus();
  WebhookSinks::Options sink_options;
  sink_options.data_dir = config_.data_dir;
  sink_options.sync = config_.fsync != FsyncPolicy::kOff;
  sink_options.clock = clock_;
  absl::StatusOr<std::unique_ptr<WebhookSinks>> sinks =
      WebhookSinks::Start(webhook_configs_, feed_.get(), sink_options);
  if (!sinks.ok()) return sinks.status();
  webhook_sinks_ = *std::move(sinks);
  return absl::OkStatus();
}

absl::Status ServerImpl::StartPublisherAndService() {
  publisher_ =
      std::make_unique<Publisher>(log_.get(), clock_, config_.validation);
  expiry_ = std::make_unique<ExpirySweeper>(
      situation_.get(), publisher_.get(), clock_,
      config_.validation.max_headline_chars);
  subscriptions_ =
      std::make_unique<SubscriptionRegistry>(config_.max_subscriptions);
  publish_rate_ = std::make_unique<PublishRateLimiter>(
      clock_, PublishRateLimiter::Options{config_.publish_rate,
                                          config_.publish_burst});
  streams_ = std::make_unique<StreamQuota>(config_.max_streams_per_principal);
  publishing_ = std::make_unique<PublishService>(
      publisher_.get(), publish_rate_.get(), PublishService::Options{&metrics_});
  service_options_.subscribe.min_heartbeat = config_.min_heartbeat;
  service_options_.subscribe.filter_limits = config_.filter_limits;
  service_options_.list = config_.list;
  service_options_.publish_stream_window = config_.publish_stream_window;
  service_options_.metrics = &metrics_;
  service_ = std::make_unique<SituationFeedService>(
      publishing_.get(), feed_.get(), situation_.get(), subscriptions_.get(),
      clock_,
      SituationFeedService::Guards{authenticator_.get(), streams_.get(), &grants_},
      service_options_);
  return absl::OkStatus();
}

void ServerImpl::StartSweeps() {
  sweeps_ = std::make_unique<SweepScheduler>(clock_);
  sweeps_->Every(config_.expiry_interval, [this] { RunExpiryNow(); });
  // A cheap read while the store is unavailable: its success makes reads
  // count as working again (writes heal with the next successful append).
  sweeps_->Every(kStoreProbeInterval, [this] {
    if (!store_health_.available()) {
      (void)log_->FirstSequenceAtOrAfter(clock_->Now());
    }
  });
  if (config_.retention_max_age != absl::InfiniteDuration() ||
      config_.retention_max_updates > 0) {
    sweeps_->Every(config_.retention_interval,
                   [this] { (void)RunRetentionNow(); });
  }
  sweeps_->Start();
}

}  // namespace sitrep
