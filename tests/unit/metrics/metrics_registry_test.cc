// Metrics: label values stay within their fixed sets, histograms put
// observations in the right buckets, the refresh runs before each scrape.
#include "server/metrics/metrics.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/runtime/proto_time.h"
#include "tests/support/metrics_text.h"

namespace sitrep {
namespace {

using ::sitrep::testing::ParseMetricsText;
using ::sitrep::testing::SampleOr;

std::map<std::string, double> Samples(Metrics& metrics) {
  absl::StatusOr<std::map<std::string, double>> samples =
      ParseMetricsText(metrics.Scrape());
  EXPECT_TRUE(samples.ok()) << samples.status();
  return samples.ok() ? *samples : std::map<std::string, double>{};
}

LogEntryPtr EntryReceivedAt(absl::Time time) {
  v1::SituationUpdate update;
  update.set_sequence(1);
  *update.mutable_received_at() = ToProtoTime(time);
  return MakeLogEntry(update);
}

TEST(MetricLabelsTest, UnknownAndInvalidValuesShareOneLabel) {
  EXPECT_EQ(MissionLabel(3), "kosovo_police");
  EXPECT_EQ(MissionLabel(0), "unknown");
  EXPECT_EQ(MissionLabel(77), "unknown");
  EXPECT_EQ(RoleLabel(1), "first_responder");
  EXPECT_EQ(RoleLabel(-1), "unknown");
  EXPECT_EQ(SeverityLabel(2), "minor");
  EXPECT_EQ(SeverityLabel(1), "unknown");  // SEVERITY_UNKNOWN
  EXPECT_EQ(SeverityLabel(0), "unknown");
  EXPECT_EQ(GrpcCodeLabel(16), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeLabel(99), "UNKNOWN");
}

TEST(MetricLabelsTest, MissionsFollowedByMask) {
  EXPECT_EQ(MissionsFollowedOfMask(~0u), MissionsFollowed::kAll);
  EXPECT_EQ(MissionsFollowedOfMask(0b1110), MissionsFollowed::kAll);
  EXPECT_EQ(MissionsFollowedOfMask(0b0010), MissionsFollowed::kKfor);
  EXPECT_EQ(MissionsFollowedOfMask(0b0100), MissionsFollowed::kEulex);
  EXPECT_EQ(MissionsFollowedOfMask(0b1000), MissionsFollowed::kKosovoPolice);
  EXPECT_EQ(MissionsFollowedOfMask(0b0110), MissionsFollowed::kSeveral);
}

TEST(MetricLabelsTest, RpcMethodsOfSituationFeedOnly) {
  EXPECT_EQ(RpcMethodOfPath("/sitrep.v1.SituationFeed/Subscribe"),
            RpcMethod::kSubscribe);
  EXPECT_EQ(RpcMethodOfPath("/grpc.health.v1.Health/Check"), std::nullopt);
  EXPECT_EQ(RpcMethodOfPath("/sitrep.v1.SituationFeed/Nope"), std::nullopt);
}

TEST(MetricLabelsTest, RefusalsByCode) {
  EXPECT_EQ(RejectReasonOf(absl::StatusCode::kResourceExhausted,
                           RejectReason::kRateLimited),
            RejectReason::kRateLimited);
  EXPECT_EQ(RejectReasonOf(absl::StatusCode::kAlreadyExists,
                           RejectReason::kRateLimited),
            RejectReason::kOther);
  EXPECT_EQ(RejectReasonOf(absl::StatusCode::kUnavailable,
                           RejectReason::kRateLimited),
            std::nullopt);
  EXPECT_EQ(RejectReasonOf(absl::StatusCode::kOk, RejectReason::kOther),
            std::nullopt);
}

TEST(MetricsTest, PublishesAreCountedByBoundedLabels) {
  Metrics metrics;
  metrics.RecordPublish(1, 3, 4, PublishOutcome::kStored);
  metrics.RecordPublish(1, 3, 4, PublishOutcome::kStored);
  metrics.RecordPublish(42, 42, 42, PublishOutcome::kRejected);
  const auto m = Samples(metrics);
  EXPECT_EQ(SampleOr(m, "sitrep_updates_published_total{mission=\"kfor\","
                        "result=\"stored\",role=\"third_responder\","
                        "severity=\"severe\"}"),
            2);
  EXPECT_EQ(SampleOr(m, "sitrep_updates_published_total{mission=\"unknown\","
                        "result=\"rejected\",role=\"unknown\","
                        "severity=\"unknown\"}"),
            1);
}

TEST(MetricsTest, DeliveryLatencyBucketsPerUpdateButOnlyWhenLive) {
  Metrics metrics;
  const absl::Time now = absl::FromUnixSeconds(1000000);
  metrics.RecordDeliveries({EntryReceivedAt(now - absl::Microseconds(500)),
                            EntryReceivedAt(now - absl::Milliseconds(30)),
                            EntryReceivedAt(now - absl::Seconds(60))},
                           /*live=*/true, now);
  metrics.RecordDeliveries({EntryReceivedAt(now - absl::Hours(5))},
                           /*live=*/false, now);
  const auto m = Samples(metrics);
  EXPECT_EQ(SampleOr(m, "sitrep_deliveries_total"), 4);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_count"), 3);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_bucket{le=\"0.001\"}"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_bucket{le=\"0.025\"}"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_bucket{le=\"0.05\"}"), 2);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_bucket{le=\"10\"}"), 2);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_NEAR(SampleOr(m, "sitrep_delivery_latency_seconds_sum"), 60.0305,
              1e-6);
}

TEST(MetricsTest, TheRefreshRunsBeforeEachScrape) {
  Metrics metrics;
  int scrapes = 0;
  metrics.SetRefresh([&](Metrics& m) {
    ++scrapes;
    Metrics::StoreState store;
    store.head = 10 * scrapes;
    store.serving = scrapes == 1;
    m.SetStore(store);
    m.SetOpenIncidents(scrapes == 1
                           ? std::vector<Metrics::IncidentCount>{{1, 3, 4, 2}}
                           : std::vector<Metrics::IncidentCount>{});
  });
  const std::string open =
      "sitrep_open_incidents{mission=\"kfor\",severity=\"severe\","
      "tier=\"third_responder\"}";
  auto m = Samples(metrics);
  EXPECT_EQ(SampleOr(m, "sitrep_store_head_sequence"), 10);
  EXPECT_EQ(SampleOr(m, "sitrep_store_serving"), 1);
  EXPECT_EQ(SampleOr(m, open), 2);
  m = Samples(metrics);
  EXPECT_EQ(SampleOr(m, "sitrep_store_head_sequence"), 20);
  EXPECT_EQ(SampleOr(m, "sitrep_store_serving"), 0);
  EXPECT_EQ(SampleOr(m, open), 0);
}

TEST(MetricsTest, WebhookTotalsBecomeCounters) {
  Metrics metrics;
  WebhookSinkStatus sink;
  sink.name = "ops";
  sink.lag_updates = 7;
  sink.deliveries_ok = 3;
  sink.deliveries_failed = 1;
  metrics.SetWebhookSinks({sink});
  sink.deliveries_ok = 5;
  sink.lag_updates = 0;
  metrics.SetWebhookSinks({sink});
  const auto m = Samples(metrics);
  EXPECT_EQ(SampleOr(m, "sitrep_webhook_lag_updates{sink=\"ops\"}"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_webhook_deliveries_total{result=\"ok\",sink=\"ops\"}"), 5);
  EXPECT_EQ(SampleOr(m, "sitrep_webhook_deliveries_total{result=\"failed\",sink=\"ops\"}"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_webhook_deliveries_total{result=\"rejected\",sink=\"ops\"}"), 0);
}

}  // namespace
}  // namespace sitrep
