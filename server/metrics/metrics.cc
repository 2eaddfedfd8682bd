#include "server/metrics/metrics.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

#ifndef SITREP_VERSION
#define SITREP_VERSION "dev"
#endif

namespace sitrep {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Label values are indexed, not the raw enums, so that every value a
// client may send maps into these small arrays (and "unknown" is one slot).
constexpr int kMissionSlots = 4;   // unknown, kfor, eulex, kosovo_police
constexpr int kRoleSlots = 6;      // unknown, first .. liaison
constexpr int kSeveritySlots = 5;  // unknown, minor .. extreme
constexpr int kOutcomeSlots = 3;
constexpr int kCodeSlots = 17;

int MissionSlot(int mission) { return mission >= 1 && mission <= 3 ? mission : 0; }
int RoleSlot(int role) { return role >= 1 && role <= 5 ? role : 0; }
int SeveritySlot(int severity) {
  return severity >= 2 && severity <= 5 ? severity - 1 : 0;
}
// The enum value that labels each slot.
int SeverityOfSlot(int slot) { return slot == 0 ? 0 : slot + 1; }

// Seconds, base unit. Publish: a group commit with fsync takes ~1-10 ms on
// a disk, much less on SSD or with --fsync=batch.
const Histogram::BucketBoundaries& PublishBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5};
  return *buckets;
}
// Delivery: the target is a few ms at p99; seconds mean trouble.
const Histogram::BucketBoundaries& DeliveryBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}
// Updates behind the head: 0 is the normal case; the ring holds 16384.
const Histogram::BucketBoundaries& LagBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0, 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
  return *buckets;
}

// A lazily made series: the first use of a label set adds it to its
// family (Family::Add is thread-safe and returns the same series for the
// same labels, so a race only does the lookup twice); later uses are one
// atomic load.
template <typename T>
class LazySeries {
 public:
  template <typename MakeFn>
  T& Get(MakeFn make) {
    T* series = series_.load(std::memory_order_acquire);
    if (series == nullptr) {
      series = &make();
      series_.store(series, std::memory_order_release);
    }
    return *series;
  }

 private:
  std::atomic<T*> series_{nullptr};
};

}  // namespace

struct Metrics::Impl {
  Impl()
      : registry(std::make_shared<prometheus::Registry>()),
        published(prometheus::BuildCounter()
                      .Name("sitrep_updates_published_total")
                      .Help("Publish requests by the update's mission, role "
                            "and severity and by result: stored, duplicate "
                            "(same event_id and content again), rejected "
                            "(any error).")
                      .Register(*registry)),
        publish_duration(
            prometheus::BuildHistogram()
                .Name("sitrep_publish_duration_seconds")
                .Help("From receiving a publish request to its durable "
                      "acknowledgement (stored or duplicate).")
                .Register(*registry)
                .Add({}, PublishBuckets())),
        deliveries(prometheus::BuildCounter()
                       .Name("sitrep_deliveries_total")
                       .Help("Updates written to Subscribe streams.")
                       .Register(*registry)
                       .Add({})),
        delivery_latency(
            prometheus::BuildHistogram()
                .Name("sitrep_delivery_latency_seconds")
                .Help("From an update's received_at to the batch carrying "
                      "it being written to a subscriber that had caught up "
                      "(history replays are not counted).")
                .Register(*registry)
                .Add({}, DeliveryBuckets())),
        subscribers(prometheus::BuildGauge()
                        .Name("sitrep_subscribers")
                        .Help("Active Subscribe streams by the missions "
                              "their filter follows: all, kfor, eulex, "
                              "kosovo_police, several.")
                        .Register(*registry)),
        lag(prometheus::BuildHistogram()
                .Name("sitrep_subscriber_lag_updates")
                .Help("Updates between the head and a subscriber's cursor "
                      "when a batch is written to it.")
                .Register(*registry)
                .Add({}, LagBuckets())),
        lag_max(prometheus::BuildGauge()
                    .Name("sitrep_subscriber_lag_max_updates")
                    .Help("The largest lag (head - cursor) of any "
                          "subscriber not waiting at the head, at scrape "
                          "time.")
                    .Register(*registry)
                    .Add({})),
        catchup_reads(prometheus::BuildCounter()
                          .Name("sitrep_catchup_reads_total")
                          .Help("Store reads for subscribers behind the "
                                "in-memory ring of recent updates.")
                          .Register(*registry)
                          .Add({})),
        store_head(Gauge1("sitrep_store_head_sequence",
                          "The sequence of the newest stored update.")),
        store_oldest(Gauge1("sitrep_store_oldest_sequence",
                            "The sequence of the oldest retained update "
                            "(head + 1 when none is retained).")),
        store_updates(Gauge1("sitrep_store_updates",
                             "Updates retained in the store.")),
        store_size(Gauge1("sitrep_store_size_bytes",
                          "Size of the store's files (database and WAL).")),
        store_serving(Gauge1("sitrep_store_serving",
                             "1 while the store works, 0 after a failed "
                             "append or read until one succeeds again.")),
        store_wal_bytes(Gauge1("sitrep_store_wal_bytes",
                               "Size of the SQLite store's write-ahead log "
                               "file.")),
        wal_checkpoints(prometheus::BuildCounter()
                            .Name("sitrep_store_wal_checkpoints_total")
                            .Help("SQLite WAL checkpoints by mode: passive "
                                  "and restart (the checkpoint thread), "
                                  "writer (the writer's own fallback).")
                            .Register(*registry)),
        wal_checkpoint_seconds(
            prometheus::BuildCounter()
                .Name("sitrep_store_wal_checkpoint_seconds_total")
                .Help("Time the SQLite WAL checkpoints took, by mode.")
                .Register(*registry)),
        writer_wal_wait(prometheus::BuildCounter()
                            .Name("sitrep_store_writer_wal_wait_seconds_total")
                            .Help("Time the SQLite writer waited for WAL "
                                  "restarts (publishes wait as long).")
                            .Register(*registry)
                            .Add({})),
        retention_deleted(prometheus::BuildCounter()
                              .Name("sitrep_retention_deleted_total")
                              .Help("Updates removed by retention.")
                              .Register(*registry)
                              .Add({})),
        rejected(prometheus::BuildCounter()
                     .Name("sitrep_requests_rejected_total")
                     .Help("Requests refused because of the request or its "
                           "caller, by reason.")
                     .Register(*registry)),
        handled(prometheus::BuildCounter()
                    .Name("sitrep_grpc_server_handled_total")
                    .Help("SituationFeed RPCs completed, by method and the "
                          "gRPC status code the server finished them with.")
                    .Register(*registry)),
        http_requests(prometheus::BuildCounter()
                          .Name("sitrep_http_requests_total")
                          .Help("Requests of the HTTP/JSON + SSE gateway, by "
                                "route and the HTTP status answered (an "
                                "event stream when it started).")
                          .Register(*registry)),
        http_connections_closed(
            prometheus::BuildCounter()
                .Name("sitrep_http_connections_closed_total")
                .Help("HTTP connections the server closed to protect itself, "
                      "by reason: shed (the one waiting longest for a "
                      "request, for a newcomer at --http_max_connections), "
                      "refused (a newcomer at the cap when none waited), "
                      "request_timeout (no complete request within "
                      "--http_request_timeout).")
                .Register(*registry)),
        open_incidents(prometheus::BuildGauge()
                           .Name("sitrep_open_incidents")
                           .Help("Current (open, unexpired) incidents by the "
                                 "mission and severity of their latest "
                                 "update and the tier that leads them.")
                           .Register(*registry)),
        last_update_age(prometheus::BuildGauge()
                            .Name("sitrep_last_update_age_seconds")
                            .Help("Seconds since the last update of each "
                                  "mission this process stored or saw "
                                  "(absent until there is one).")
                            .Register(*registry)),
        webhook_lag(prometheus::BuildGauge()
                        .Name("sitrep_webhook_lag_updates")
                        .Help("Updates of the log not yet through each "
                              "webhook sink (head - its cursor).")
                        .Register(*registry)),
        webhook_deliveries(prometheus::BuildCounter()
                               .Name("sitrep_webhook_deliveries_total")
                               .Help("Webhook POSTs by sink and result: ok "
                                     "(2xx), failed (to be retried), "
                                     "rejected (other 4xx, skipped).")
                               .Register(*registry)),
        support_requests(prometheus::BuildGauge()
                             .Name("sitrep_support_requests")
                             .Help("Support requests of current incidents "
                                   "that are not closed, by the asking and "
                                   "the asked tier and their state (waiting "
                                   "or acknowledged).")
                             .Register(*registry)),
        support_request_wait(
            prometheus::BuildGauge()
                .Name("sitrep_support_request_oldest_wait_seconds")
                .Help("Seconds the oldest unacknowledged support request to "
                      "each tier has waited (0: none waits).")
                .Register(*registry)),
        chain_exceptions(prometheus::BuildCounter()
                             .Name("sitrep_chain_exceptions_total")
                             .Help("Updates stored with a chain exception "
                                   "(an out-of-turn engagement), by mission.")
                             .Register(*registry)),
        build_info(prometheus::BuildGauge()
                       .Name("sitrep_build_info")
                       .Help("Always 1; the version of sitrepd as label.")
                       .Register(*registry)) {
    // Made up front so that rates and alerts work from the first scrape.
    for (int i = 0; i < kRejectReasonCount; ++i) {
      rejected_series[i] = &rejected.Add(
          {{"reason",
            std::string(RejectReasonLabel(static_cast<RejectReason>(i)))}});
    }
    for (int i = 0; i < kMissionsFollowedCount; ++i) {
      subscriber_series[i] = &subscribers.Add(
          {{"missions", std::string(MissionsFollowedLabel(
                            static_cast<MissionsFollowed>(i)))}});
    }
    for (int from = 1; from <= 3; ++from) {
      for (int to = from + 1; to <= 3; ++to) {
        for (int acknowledged = 0; acknowledged < 2; ++acknowledged) {
          support_request_series[from][to][acknowledged] =
              &support_requests.Add(
                  {{"from_tier", std::string(RoleLabel(from))},
                   {"to_tier", std::string(RoleLabel(to))},
                   {"state", acknowledged ? "acknowledged" : "waiting"}});
        }
      }
    }
    for (int to = 2; to <= 3; ++to) {
      support_wait_series[to] =
          &support_request_wait.Add({{"to_tier", std::string(RoleLabel(to))}});
    }
    for (int mission = 1; mission < kMissionSlots; ++mission) {
      chain_exception_series[mission] =
          &chain_exceptions.Add({{"mission", std::string(MissionLabel(mission))}});
    }
    store_serving.Set(1);
    build_info.Add({{"version", SITREP_VERSION}}).Set(1);
  }

  Gauge& Gauge1(const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry).Add(
        {});
  }

  const std::shared_ptr<prometheus::Registry> registry;

  Family<Counter>& published;
  Histogram& publish_duration;
  Counter& deliveries;
  Histogram& delivery_latency;
  Family<Gauge>& subscribers;
  Histogram& lag;
  Gauge& lag_max;
  Counter& catchup_reads;
  Gauge& store_head;
  Gauge& store_oldest;
  Gauge& store_updates;
  Gauge& store_size;
  Gauge& store_serving;
  Gauge& store_wal_bytes;
  Family<Counter>& wal_checkpoints;
  Family<Counter>& wal_checkpoint_seconds;
  Counter& writer_wal_wait;
  Counter& retention_deleted;
  Family<Counter>& rejected;
  Family<Counter>& handled;
  Family<Counter>& http_requests;
  Family<Counter>& http_connections_closed;
  Family<Gauge>& open_incidents;
  Family<Gauge>& last_update_age;
  Family<Gauge>& webhook_lag;
  Family<Counter>& webhook_deliveries;
  Family<Gauge>& support_requests;
  Family<Gauge>& support_request_wait;
  Family<Counter>& chain_exceptions;
  Family<Gauge>& build_info;
  // [from tier][to tier][acknowledged], tiers 1..3 (from < to).
  Gauge* support_request_series[4][4][2] = {};
  // [to tier], 2..3.
  Gauge* support_wait_series[4] = {};
  Counter* chain_exception_series[kMissionSlots] = {};

  std::array<Counter*, kRejectReasonCount> rejected_series{};
  std::array<Gauge*, kMissionsFollowedCount> subscriber_series{};
  LazySeries<Counter> published_series[kMissionSlots][kRoleSlots]
                                      [kSeveritySlots][kOutcomeSlots];
  LazySeries<Counter> handled_series[kRpcMethodCount][kCodeSlots];
  LazySeries<Gauge> last_update_age_series[kMissionSlots];

  absl::Mutex scrape_mu;
  std::function<void(Metrics&)> refresh ABSL_GUARDED_BY(scrape_mu);
  std::function<std::string()> extra ABSL_GUARDED_BY(scrape_mu);
  // The WAL totals already counted (the log reports running totals).
  uint64_t wal_checkpoints_counted[3] ABSL_GUARDED_BY(scrape_mu) = {};
  absl::Duration wal_time_counted[3] ABSL_GUARDED_BY(scrape_mu) = {};
  absl::Duration writer_wal_wait_counted ABSL_GUARDED_BY(scrape_mu);
  // Open-incident series made so far, keyed by label slots.
  std::map<std::tuple<int, int, int>, Gauge*> incident_series
      ABSL_GUARDED_BY(scrape_mu);
  // Webhook series by sink (and result), with the total already counted:
  // the sinks report running totals, a Counter only takes increments.
  std::map<std::string, Gauge*> webhook_lag_series ABSL_GUARDED_BY(scrape_mu);
  struct CountedSeries {
    Counter* counter = nullptr;
    uint64_t counted = 0;
  };
  std::map<std::pair<std::string, std::string>, CountedSeries>
      webhook_delivery_series ABSL_GUARDED_BY(scrape_mu);
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::RecordPublish(int mission, int role, int severity,
                            PublishOutcome outcome) {
  const int m = MissionSlot(mission);
  const int r = RoleSlot(role);
  const int s = SeveritySlot(severity);
  const int o = static_cast<int>(outcome);
  impl_->published_series[m][r][s][o]
      .Get([&]() -> Counter& {
        return impl_->published.Add(
            {{"mission", std::string(MissionLabel(m))},
             {"role", std::string(RoleLabel(r))},
             {"severity", std::string(SeverityLabel(SeverityOfSlot(s)))},
             {"result", std::string(PublishOutcomeLabel(outcome))}});
      })
      .Increment();
}

void Metrics::ObservePublishDuration(absl::Duration duration) {
  impl_->publish_duration.Observe(absl::ToDoubleSeconds(duration));
}

void Metrics::RecordRejected(RejectReason reason) {
  impl_->rejected_series[static_cast<int>(reason)]->Increment();
}

void Metrics::RecordRefusal(const absl::Status& status,
                            RejectReason when_exhausted) {
  if (std::optional<RejectReason> reason =
          RejectReasonOf(status.code(), when_exhausted)) {
    RecordRejected(*reason);
  }
}

void Metrics::RecordHttpRequest(absl::string_view route, int status) {
  // Few label sets and browser-scale rates: the family's own lookup is
  // cheap enough, no cached series.
  impl_->http_requests
      .Add({{"route", std::string(route)}, {"status", absl::StrCat(status)}})
      .Increment();
}

void Metrics::RecordHttpConnectionClosed(absl::string_view reason) {
  impl_->http_connections_closed.Add({{"reason", std::string(reason)}})
      .Increment();
}

void Metrics::RecordHandled(RpcMethod method, int grpc_code) {
  const int code = grpc_code >= 0 && grpc_code < kCodeSlots ? grpc_code : 2;
  impl_->handled_series[static_cast<int>(method)][code]
      .Get([&]() -> Counter& {
        return impl_->handled.Add(
            {{"method", std::string(RpcMethodLabel(method))},
             {"code", std::string(GrpcCodeLabel(code))}});
      })
      .Increment();
}

void Metrics::RecordDeliveries(const std::vector<LogEntryPtr>& updates,
                               bool live, absl::Time now) {
  if (updates.empty()) return;
  impl_->deliveries.Increment(static_cast<double>(updates.size()));
  if (!live) return;
  // One ObserveMultiple per batch instead of one Observe per update: under
  // load a batch carries hundreds of updates, and every Observe takes the
  // histogram's lock.
  const Histogram::BucketBoundaries& bounds = DeliveryBuckets();
  std::vector<double> increments(bounds.size() + 1, 0.0);
  double sum = 0;
  // Plain arithmetic on the Timestamp's fields: a batch to a thousand
  // subscribers is a million of these a second, and absl::Duration's
  // division showed in profiles.
  const int64_t now_ns = absl::ToUnixNanos(now);
  for (const LogEntryPtr& entry : updates) {
    const google::protobuf::Timestamp& received = entry->update.received_at();
    const int64_t received_ns = received.seconds() * 1'000'000'000 +
                                received.nanos();
    const double seconds =
        std::max(0.0, static_cast<double>(now_ns - received_ns) * 1e-9);
    sum += seconds;
    const size_t bucket =
        std::lower_bound(bounds.begin(), bounds.end(), seconds) -
        bounds.begin();
    increments[bucket] += 1;
  }
  impl_->delivery_latency.ObserveMultiple(increments, sum);
}

void Metrics::ObserveSubscriberLag(uint64_t lag) {
  impl_->lag.Observe(static_cast<double>(lag));
}

void Metrics::RecordCatchupRead() { impl_->catchup_reads.Increment(); }

void Metrics::RecordRetentionDeleted(uint64_t updates) {
  impl_->retention_deleted.Increment(static_cast<double>(updates));
}

void Metrics::SetStore(const StoreState& store) {
  impl_->store_head.Set(static_cast<double>(store.head));
  impl_->store_oldest.Set(static_cast<double>(store.oldest));
  impl_->store_updates.Set(static_cast<double>(store.updates));
  impl_->store_size.Set(static_cast<double>(store.size_bytes));
  impl_->store_serving.Set(store.serving ? 1 : 0);
  impl_->store_wal_bytes.Set(static_cast<double>(store.wal_bytes));
  absl::MutexLock lock(&impl_->scrape_mu);
  static constexpr const char* kModes[] = {"passive", "restart", "writer"};
  for (int mode = 0; mode < 3; ++mode) {
    if (store.wal_checkpoints[mode] > impl_->wal_checkpoints_counted[mode]) {
      impl_->wal_checkpoints.Add({{"mode", kModes[mode]}})
          .Increment(static_cast<double>(store.wal_checkpoints[mode] -
                                         impl_->wal_checkpoints_counted[mode]));
      impl_->wal_checkpoints_counted[mode] = store.wal_checkpoints[mode];
    }
    if (store.wal_checkpoint_time[mode] > impl_->wal_time_counted[mode]) {
      impl_->wal_checkpoint_seconds.Add({{"mode", kModes[mode]}})
          .Increment(absl::ToDoubleSeconds(store.wal_checkpoint_time[mode] -
                                           impl_->wal_time_counted[mode]));
      impl_->wal_time_counted[mode] = store.wal_checkpoint_time[mode];
    }
  }
  if (store.writer_wal_wait > impl_->writer_wal_wait_counted) {
    impl_->writer_wal_wait.Increment(absl::ToDoubleSeconds(
        store.writer_wal_wait - impl_->writer_wal_wait_counted));
    impl_->writer_wal_wait_counted = store.writer_wal_wait;
  }
}

void Metrics::SetSubscribers(const SubscriberCounts& by_missions,
                             uint64_t max_lag) {
  for (int i = 0; i < kMissionsFollowedCount; ++i) {
    impl_->subscriber_series[i]->Set(static_cast<double>(by_missions[i]));
  }
  impl_->lag_max.Set(static_cast<double>(max_lag));
}

void Metrics::SetSupportRequests(const SupportRequestGauges& gauges) {
  for (int from = 1; from <= 3; ++from) {
    for (int to = from + 1; to <= 3; ++to) {
      for (int acknowledged = 0; acknowledged < 2; ++acknowledged) {
        impl_->support_request_series[from][to][acknowledged]->Set(
            static_cast<double>(gauges.count[from][to][acknowledged]));
      }
    }
  }
  for (int to = 2; to <= 3; ++to) {
    impl_->support_wait_series[to]->Set(
        absl::ToDoubleSeconds(gauges.oldest_wait[to]));
  }
}

void Metrics::RecordChainException(int mission) {
  const int slot = MissionSlot(mission);
  if (impl_->chain_exception_series[slot] != nullptr) {
    impl_->chain_exception_series[slot]->Increment();
  }
}

void Metrics::SetOpenIncidents(const std::vector<IncidentCount>& counts) {
  absl::MutexLock lock(&impl_->scrape_mu);
  for (auto& [key, gauge] : impl_->incident_series) gauge->Set(0);
  for (const IncidentCount& count : counts) {
    const std::tuple<int, int, int> key{MissionSlot(count.mission),
                                        RoleSlot(count.tier),
                                        SeveritySlot(count.severity)};
    Gauge*& gauge = impl_->incident_series[key];
    if (gauge == nullptr) {
      gauge = &impl_->open_incidents.Add(
          {{"mission", std::string(MissionLabel(std::get<0>(key)))},
           {"tier", std::string(RoleLabel(std::get<1>(key)))},
           {"severity",
            std::string(SeverityLabel(SeverityOfSlot(std::get<2>(key))))}});
    }
    gauge->Increment(static_cast<double>(count.count));
  }
}

void Metrics::SetLastUpdateAge(int mission, absl::Duration age) {
  const int m = MissionSlot(mission);
  impl_->last_update_age_series[m]
      .Get([&]() -> Gauge& {
        return impl_->last_update_age.Add(
            {{"mission", std::string(MissionLabel(m))}});
      })
      .Set(std::max(0.0, absl::ToDoubleSeconds(age)));
}

void Metrics::SetWebhookSinks(const std::vector<WebhookSinkStatus>& sinks) {
  absl::MutexLock lock(&impl_->scrape_mu);
  for (const WebhookSinkStatus& sink : sinks) {
    Gauge*& lag = impl_->webhook_lag_series[sink.name];
    if (lag == nullptr) lag = &impl_->webhook_lag.Add({{"sink", sink.name}});
    lag->Set(static_cast<double>(sink.lag_updates));
    for (const auto& [result, total] :
         {std::pair<const char*, uint64_t>{"ok", sink.deliveries_ok},
          {"failed", sink.deliveries_failed},
          {"rejected", sink.deliveries_rejected}}) {
      Impl::CountedSeries& series =
          impl_->webhook_delivery_series[{sink.name, result}];
      if (series.counter == nullptr) {
        series.counter = &impl_->webhook_deliveries.Add(
            {{"sink", sink.name}, {"result", result}});
      }
      if (total > series.counted) {
        series.counter->Increment(static_cast<double>(total - series.counted));
        series.counted = total;
      }
    }
  }
}

void Metrics::SetRefresh(std::function<void(Metrics&)> refresh) {
  absl::MutexLock lock(&impl_->scrape_mu);
  impl_->refresh = std::move(refresh);
}

void Metrics::SetExtraExposition(std::function<std::string()> extra) {
  absl::MutexLock lock(&impl_->scrape_mu);
  impl_->extra = std::move(extra);
}

std::string Metrics::Scrape() {
  std::function<void(Metrics&)> refresh;
  std::function<std::string()> extra;
  {
    absl::MutexLock lock(&impl_->scrape_mu);
    refresh = impl_->refresh;
    extra = impl_->extra;
  }
  // Outside scrape_mu: the refresh calls SetOpenIncidents, which takes it.
  if (refresh) refresh(*this);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  if (extra) out << extra();
  return out.str();
}

}  // namespace sitrep
