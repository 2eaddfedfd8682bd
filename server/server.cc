#include "server/server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/api/grpc_accept_watch.h"
#include "server/runtime/logging.h"
#include "server/server_impl.h"

namespace sitrep {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerConfig& config, Clock* clock) {
  auto server =
      std::make_unique<ServerImpl>(config, clock ? clock : RealClock());
  absl::Status started = server->Init();
  if (!started.ok()) return started;
  return server;
}

ServerImpl::~ServerImpl() {
  Shutdown();
  if (accept_watch_ != 0) UnwatchGrpcAcceptFailures(accept_watch_);
}

absl::Status ServerImpl::Init() {
  absl::Status step = CheckConfigAndListeners();
  if (step.ok()) step = LoadPolicyAndFiles();
  if (step.ok()) step = OpenStore();
  if (step.ok()) step = LoadSituation();
  if (step.ok()) step = StartFeed();
  if (step.ok()) step = StartPublisherAndService();
  if (step.ok()) step = StartGrpcListener();
  if (step.ok()) step = StartLagProbe();
  if (step.ok()) step = StartMetricsEndpoint();
  if (step.ok()) step = StartGateway();
  // Last: a script that sees the port file finds every listener up.
  if (step.ok() && !config_.port_file.empty()) {
    step = WritePortFile(config_.port_file, port_);
  }
  if (!step.ok()) return step;
  StartSweeps();
  started_ = true;
  LogServing();
  return absl::OkStatus();
}

// Longer than 60 lines on purpose: the shutdown order is a numbered list,
// each step saying what must have stopped before it, and the order is the
// point; it reads best in one place.
void ServerImpl::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_started_) {
      mu_.Await(absl::Condition(&shutdown_done_));
      return;
    }
    shutdown_started_ = true;
  }
  // The components in reverse of Init, in this order:
  if (grpc_server_ != nullptr) {
    // 1. Health NOT_SERVING (and /readyz 503). A server whose start failed
    // logs nothing: its error is the news.
    if (started_) LogInfo("server", "shutting down");
    {
      absl::MutexLock lock(&serving_mu_);
      draining_ = true;
      grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    }
    // 2. The drain: load balancers and probes see NOT_SERVING while every
    // call still works, and move new calls elsewhere before the listener
    // closes.
    if (started_ && config_.shutdown_drain > absl::ZeroDuration()) {
      LogInfo("server", "draining",
              {{"for", absl::FormatDuration(config_.shutdown_drain)}});
      absl::SleepFor(config_.shutdown_drain);
    }
    // 3. Publishes are refused with UNAVAILABLE; 4. every stream ends with
    // UNAVAILABLE (its last cursor stays valid on the next server).
    publisher_->StopAccepting();
    subscriptions_->EndAll(absl::UnavailableError(
        "the server is shutting down; resume from your last cursor (on "
        "this server when it is back, or on another replica)"));
    // 5. gRPC: in-flight calls get the grace.
    grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() +
                                              config_.shutdown_grace));
  }
  // 6. The gateway: the SSE streams were ended with the others (EndAll);
  // each sends its last event once its write in flight completes, on the
  // executor; what is left after the grace is cut.
  if (gateway_ != nullptr) {
    gateway_->Drain(config_.shutdown_grace);
    gateway_->Stop();
  }
  // 7. Webhook sinks: in-flight POSTs get the grace, then the cursors are
  // saved; before the log closes, since the sinks read it.
  if (webhook_sinks_ != nullptr) webhook_sinks_->Stop(config_.shutdown_grace);
  // 8. The sweeps end before the log they write to closes; a running one
  // finishes (expiry's publishes are refused with UNAVAILABLE by now).
  if (sweeps_ != nullptr) sweeps_->Stop();
  // 9. The executor, after everything that schedules on it.
  if (executor_ != nullptr) executor_->Shutdown();
  // 10. The log: flushed and closed.
  if (log_ != nullptr) log_->Close();
  // 11. Publish completions: the log's last answers (those it refused at
  // Close) reach their callers, then the completion thread ends. Nothing
  // publishes any more: the listeners and the sweeps are stopped.
  publishing_.reset();
  // 12. The data directory: the store is closed, another server may open
  // it (a restart in the same process, too).
  data_dir_lock_.reset();
  // 13. Last: /healthz and /metrics answer during the whole shutdown.
  if (http_ != nullptr) http_->Stop();
  if (started_) LogInfo("server", "stopped");
  absl::MutexLock lock(&mu_);
  shutdown_done_ = true;
}

void ServerImpl::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&shutdown_done_));
}

std::string ServerImpl::address() const {
  const size_t colon = config_.listen.rfind(':');
  return absl::StrCat(config_.listen.substr(0, colon), ":", port_);
}

absl::StatusOr<uint64_t> ServerImpl::RunRetentionNow() {
  // The log announces what it removed to its listener (the Feed).
  absl::StatusOr<uint64_t> removed = retention_->RunNow();
  if (removed.ok()) metrics_.RecordRetentionDeleted(*removed);
  return removed;
}

absl::Status ServerImpl::ReloadAccessPolicy() {
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

std::vector<WebhookSinkStatus> ServerImpl::WebhookStatus() const {
  if (webhook_sinks_ == nullptr) return {};
  return webhook_sinks_->Status();
}

void ServerImpl::LogServing() const {
  LogInfo("server", "serving",
          {{"address", address()},
           {"data_dir", config_.data_dir},
           {"tls", !config_.tls.enabled()                ? "off"
                   : config_.tls.client_ca_file.empty() ? "on"
                                                        : "mtls"},
           {"principals",
            policy_ == nullptr ? "anonymous" : absl::StrCat(policy_->size())},
           {"metrics", MetricsAddress()},
           {"http", GatewayAddress()},
           {"log_id", log_->log_id()},
           {"head", absl::StrCat(log_->Head())}});
  if (gateway_ != nullptr) {
    LogInfo("server", "dashboard: open " + GatewayAddress() +
                          " in a browser");
  }
}

}  // namespace sitrep
