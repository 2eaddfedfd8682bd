#include "server/metrics/metrics.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/text_serializer.h"
#include "server/metrics/metrics_impl.h"

namespace sitrep {
namespace {

using metrics_internal::Counter;
using metrics_internal::Gauge;
using metrics_internal::Histogram;
using metrics_internal::kCodeSlots;
using metrics_internal::MissionSlot;
using metrics_internal::RoleSlot;
using metrics_internal::SeverityOfSlot;
using metrics_internal::SeveritySlot;

}  // namespace

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
  impl_->deliveries_tally.Add(updates.size());
  if (!live) return;
  // Plain arithmetic on the Timestamp's fields: a batch to a thousand
  // subscribers is a million of these a second, and absl::Duration's
  // division showed in profiles.
  const int64_t now_ns = absl::ToUnixNanos(now);
  auto latency = [now_ns](const LogEntryPtr& entry) {
    const google::protobuf::Timestamp& received = entry->update.received_at();
    const int64_t received_ns = received.seconds() * 1'000'000'000 +
                                received.nanos();
    return std::max(0.0, static_cast<double>(now_ns - received_ns) * 1e-9);
  };
  ShardedHistogram& histogram = impl_->delivery_latency_tally;
  // A live stream at a low rate: one update per batch.
  if (updates.size() == 1) {
    histogram.Observe(latency(updates.front()));
    return;
  }
  // A batch of hundreds under load: counted here, added once.
  absl::InlinedVector<uint64_t, 16> counts(histogram.bounds().size() + 1, 0);
  double sum = 0;
  for (const LogEntryPtr& entry : updates) {
    const double seconds = latency(entry);
    sum += seconds;
    ++counts[histogram.BucketOf(seconds)];
  }
  histogram.AddCounts(counts.data(), sum);
}

void Metrics::ObserveSubscriberLag(uint64_t lag) {
  impl_->lag_tally.Observe(static_cast<double>(lag));
}

// The deliveries' tallies since the last scrape, into their series.
void Metrics::Impl::FoldTallies() {
  if (const uint64_t n = deliveries_tally.Take(); n > 0) {
    deliveries.Increment(static_cast<double>(n));
  }
  for (auto [tally, series] :
       {std::pair{&delivery_latency_tally, &delivery_latency},
        std::pair{&lag_tally, &lag}}) {
    ShardedHistogram::Taken taken = tally->Take();
    if (taken.total > 0) series->ObserveMultiple(taken.counts, taken.sum);
  }
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
  impl_->FoldTallies();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  if (extra) out << extra();
  return out.str();
}

}  // namespace sitrep
