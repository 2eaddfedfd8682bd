#ifndef SITREP_SERVER_METRICS_METRICS_H_
#define SITREP_SERVER_METRICS_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/log/log_entry.h"
#include "server/metrics/metric_labels.h"
#include "server/sinks/webhook_sink_status.h"

namespace sitrep {

// sitrepd's Prometheus metrics: one registry and every family, with the
// names alert rules and dashboards are written against (README,
// "Operations"). Components get a Metrics* and record events; state that
// is cheaper to read than to track (store sequences, subscribers, open
// incidents) is set by the refresh function just before each scrape.
//
// prometheus-cpp stays behind this header: only metrics*.cc and the internal
// metrics_impl.h include it.
//
// Thread safety: every method may be called concurrently. Recording is
// lock-free once a label set was used (its series pointer is cached);
// Scrape() serialises scrapes.
class Metrics {
 public:
  // Content type of Scrape(): the Prometheus text format 0.0.4.
  static constexpr char kContentType[] =
      "text/plain; version=0.0.4; charset=utf-8";

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // ---- Events.

  // One publish request (Publish, or one request of a PublishStream) and
  // what became of it. `mission`, `role`, `severity` are the request's enum
  // values as sent (mapped to bounded labels).
  void RecordPublish(int mission, int role, int severity,
                     PublishOutcome outcome);
  // From receiving a publish to its durable acknowledgement (stored or
  // duplicate only: fast refusals would hide slow commits).
  void ObservePublishDuration(absl::Duration duration);
  void RecordRejected(RejectReason reason);
  // A request or call refused with `status`: counted as RejectReasonOf()
  // says (RESOURCE_EXHAUSTED as `when_exhausted`); OK and server-side
  // failures are not rejections and are not counted.
  void RecordRefusal(const absl::Status& status, RejectReason when_exhausted);
  // The status an RPC's handler finished with (from the interceptor).
  void RecordHandled(RpcMethod method, int grpc_code);

  // One request of the HTTP gateway: `route` is one of a fixed few
  // ("updates", "situation", "stream", "session", "municipalities",
  // "dashboard", "other"),
  // `status` the HTTP status it was answered with (a stream: when it
  // started).
  void RecordHttpRequest(absl::string_view route, int status);
  // An HTTP connection the server closed to protect itself (H-2):
  // `reason` is "shed" (the longest-waiting one, for a newcomer at
  // --http_max_connections), "refused" (a newcomer at the cap when none
  // waited) or "request_timeout" (no complete request within
  // --http_request_timeout).
  void RecordHttpConnectionClosed(absl::string_view reason);

  // A batch of updates handed to gRPC for a subscriber at `now`. `live`:
  // the subscriber had caught up before and the batch is not a situation
  // snapshot; only then is received_at -> now a delivery latency (replaying
  // history is not).
  void RecordDeliveries(const std::vector<LogEntryPtr>& updates, bool live,
                        absl::Time now);
  // head - cursor of a subscriber after a batch was written to it.
  void ObserveSubscriberLag(uint64_t lag);
  // A store read for a subscriber behind the ring cache.
  void RecordCatchupRead();
  void RecordRetentionDeleted(uint64_t updates);

  // ---- State, set by the refresh function before each scrape.

  struct StoreState {
    uint64_t head = 0;
    uint64_t oldest = 0;
    uint64_t updates = 0;
    uint64_t size_bytes = 0;
    bool serving = true;
    // The SQLite log's WAL file and the running totals of its checkpoints
    // by where they ran (WalCheckpoint below); all zero for JetStream.
    uint64_t wal_bytes = 0;
    uint64_t wal_checkpoints[3] = {};
    absl::Duration wal_checkpoint_time[3] = {};
    // The time the writer waited for the checkpoint thread's restarts.
    absl::Duration writer_wal_wait;
  };
  // sitrep_store_wal_checkpoints_total{mode}: PASSIVE on the checkpoint
  // thread, RESTART on it (holding the writer's lock), the writer's own.
  enum WalCheckpoint { kWalPassive = 0, kWalRestart = 1, kWalWriter = 2 };
  void SetStore(const StoreState& store);

  // Active Subscribe streams by MissionsFollowed, and the largest lag.
  using SubscriberCounts = std::array<uint64_t, kMissionsFollowedCount>;
  void SetSubscribers(const SubscriberCounts& by_missions, uint64_t max_lag);

  struct IncidentCount {
    int mission = 0;
    int tier = 0;  // v1::Role
    int severity = 0;
    uint64_t count = 0;
  };
  // Replaces the open-incident gauges: label sets not in `counts` go to 0
  // (they stay exported, so a series does not vanish when it empties).
  void SetOpenIncidents(const std::vector<IncidentCount>& counts);
  // The support requests of the current incidents (tiers as Role numbers,
  // 1..3): [from][to][acknowledged] counts requests not closed; oldest_wait
  // [to] is the age of the oldest unacknowledged request to that tier.
  struct SupportRequestGauges {
    uint64_t count[4][4][2] = {};
    absl::Duration oldest_wait[4] = {};
  };
  void SetSupportRequests(const SupportRequestGauges& gauges);
  // One update stored with a chain exception.
  void RecordChainException(int mission);
  // Time since the last update of `mission` (1..3) this process saw.
  void SetLastUpdateAge(int mission, absl::Duration age);
  // The webhook sinks (--webhooks_file): sitrep_webhook_lag_updates{sink}
  // and sitrep_webhook_deliveries_total{sink,result} (ok, failed,
  // rejected) from each sink's own running totals. Sink names come from the
  // operator's file, so the label set is bounded.
  void SetWebhookSinks(const std::vector<WebhookSinkStatus>& sinks);

  // ---- Exposition.

  // Called at the start of every Scrape() (on the scraping thread). Set
  // once, before the first scrape.
  void SetRefresh(std::function<void(Metrics&)> refresh);
  // Families a component renders itself in the text format (HELP, TYPE
  // and samples; replica_metrics.h), appended to every Scrape() after the
  // refresh. Set once, before the first scrape.
  void SetExtraExposition(std::function<std::string()> extra);
  // Refreshes, then serialises every family in the text format.
  std::string Scrape();

 private:
  struct Impl;
  const std::unique_ptr<Impl> impl_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_METRICS_H_
