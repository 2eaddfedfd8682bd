// Metrics::Impl: the prometheus-cpp families and series behind Metrics
// (metrics.h). Internal to server/metrics: metrics.cc records into it,
// metrics_impl.cc registers the families.
#ifndef SITREP_SERVER_METRICS_METRICS_IMPL_H_
#define SITREP_SERVER_METRICS_METRICS_IMPL_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/metrics/metrics.h"
#include "server/metrics/sharded_tally.h"

namespace sitrep {
namespace metrics_internal {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Label values are indexed, not the raw enums, so that every value a
// client may send maps into these small arrays (and "unknown" is one slot).
inline constexpr int kMissionSlots = 4;   // unknown, kfor, eulex, kosovo_police
inline constexpr int kRoleSlots = 6;      // unknown, first .. liaison
inline constexpr int kSeveritySlots = 5;  // unknown, minor .. extreme
inline constexpr int kOutcomeSlots = 3;
inline constexpr int kCodeSlots = 17;

inline int MissionSlot(int mission) { return mission >= 1 && mission <= 3 ? mission : 0; }
inline int RoleSlot(int role) { return role >= 1 && role <= 5 ? role : 0; }
inline int SeveritySlot(int severity) {
  return severity >= 2 && severity <= 5 ? severity - 1 : 0;
}
// The enum value that labels each slot.
inline int SeverityOfSlot(int slot) { return slot == 0 ? 0 : slot + 1; }

// The histograms' buckets (metrics_impl.cc).
const Histogram::BucketBoundaries& PublishBuckets();
const Histogram::BucketBoundaries& DeliveryBuckets();
const Histogram::BucketBoundaries& LagBuckets();

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

}  // namespace metrics_internal

// Thread safety: the families and series are prometheus-cpp's, safe from
// any thread; the state below scrape_mu is the scrape's.
struct Metrics::Impl {
  using Counter = metrics_internal::Counter;
  using Gauge = metrics_internal::Gauge;
  using Histogram = metrics_internal::Histogram;
  template <typename T>
  using Family = metrics_internal::Family<T>;
  template <typename T>
  using LazySeries = metrics_internal::LazySeries<T>;
  static constexpr int kMissionSlots = metrics_internal::kMissionSlots;
  static constexpr int kRoleSlots = metrics_internal::kRoleSlots;
  static constexpr int kSeveritySlots = metrics_internal::kSeveritySlots;
  static constexpr int kOutcomeSlots = metrics_internal::kOutcomeSlots;
  static constexpr int kCodeSlots = metrics_internal::kCodeSlots;

  // Registers every family, and the series every scrape must show.
  Impl();

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
  // What deliveries add to deliveries, delivery_latency and lag, folded
  // into them at each scrape (FoldTallies): the hot path never touches a
  // Prometheus series (sharded_tally.h).
  ShardedCounter deliveries_tally;
  ShardedHistogram delivery_latency_tally{metrics_internal::DeliveryBuckets()};
  ShardedHistogram lag_tally{metrics_internal::LagBuckets()};
  void FoldTallies();
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

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_METRICS_IMPL_H_
