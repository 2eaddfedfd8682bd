#include "server/metrics/metrics_impl.h"

#include <string>

#include "server/metrics/metric_labels.h"

#ifndef SITREP_VERSION
#define SITREP_VERSION "dev"
#endif

namespace sitrep {
namespace metrics_internal {

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

}  // namespace metrics_internal

using metrics_internal::DeliveryBuckets;
using metrics_internal::LagBuckets;
using metrics_internal::PublishBuckets;

// A flat table, one entry per family with its name and help, in the order
// of the members (metrics_impl.h): it reads best in one piece.
Metrics::Impl::Impl()
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

}  // namespace sitrep
