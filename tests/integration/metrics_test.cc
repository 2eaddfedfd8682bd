// sitrepd's metrics endpoint against a real in-process server: a scripted
// workload (publishes stored, duplicated, invalid, denied and
// unauthenticated; a subscriber; a ListUpdates), then one scrape of
// /metrics whose counters and histogram counts must match the workload
// exactly. Also /healthz, /readyz and the endpoint's refusals, catch-up
// reads and the request limits' reasons.
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kKpToken[] = "sitrep_kp-ops-token-0123456789";

// One principal: publishes as the Kosovo Police, reads everything.
std::string WritePolicy(const std::string& dir) {
  return AccessPolicyBuilder()
      .Principal("kp-ops").Token(kKpToken).Publish({"KOSOVO_POLICE"}).Read({"*"})
      .WriteTo(dir + "/policy.json");
}

std::map<std::string, double> Scrape(Server& server) {
  absl::StatusOr<HttpGetResult> got = HttpGet(server.metrics_port(), "/metrics");
  EXPECT_TRUE(got.ok()) << got.status();
  if (!got.ok()) return {};
  EXPECT_EQ(got->status, 200);
  EXPECT_THAT(got->headers, HasSubstr("text/plain; version=0.0.4"));
  absl::StatusOr<std::map<std::string, double>> samples =
      ParseMetricsText(got->body);
  EXPECT_TRUE(samples.ok()) << samples.status();
  return samples.ok() ? *samples : std::map<std::string, double>{};
}

std::string Published(absl::string_view mission, absl::string_view role,
                      absl::string_view severity, absl::string_view result) {
  return absl::StrCat("sitrep_updates_published_total{mission=\"", mission,
                      "\",result=\"", result, "\",role=\"", role,
                      "\",severity=\"", severity, "\"}");
}

std::string Handled(absl::string_view method, absl::string_view code) {
  return absl::StrCat("sitrep_grpc_server_handled_total{code=\"", code,
                      "\",method=\"", method, "\"}");
}

std::string Rejected(absl::string_view reason) {
  return absl::StrCat("sitrep_requests_rejected_total{reason=\"", reason,
                      "\"}");
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest()
      : policy_(WritePolicy(dir_.path())),
        server_([this](ServerConfig& c) { c.auth_file = policy_; }) {}

  std::unique_ptr<v1::SituationFeed::Stub> StubWith(
      const std::string& token) const {
    return NewTokenStub(server_.address(), token);
  }

  TempDir dir_;
  const std::string policy_;
  TestServer server_;
};

TEST_F(MetricsTest, CountersMatchAScriptedWorkload) {
  auto stub = StubWith(kKpToken);
  v1::SubscribeRequest from_now;
  from_now.set_from_now(true);
  StreamReader subscriber(*stub, from_now);
  ASSERT_TRUE(subscriber.ReadUntil(IsCaughtUp));

  // Three stored: two patrols (support, minor) and an incident (first
  // responder, moderate); the first patrol again as a duplicate.
  v1::SituationUpdate patrol = PatrolUpdate(v1::MISSION_KOSOVO_POLICE, "P1");
  patrol.set_event_id("patrol-1");
  MustPublish(*stub, patrol);
  MustPublish(*stub, PatrolUpdate(v1::MISSION_KOSOVO_POLICE, "P2"));
  MustPublish(*stub, NewIncident("bridge-1"));
  absl::StatusOr<v1::PublishResponse> again = Publish(*stub, patrol);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate());
  // Refused: no headline; a mission kp-ops may not publish as; no token.
  v1::SituationUpdate no_headline = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
  no_headline.clear_headline();
  EXPECT_THAT(Publish(*stub, no_headline).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(Publish(*stub, PatrolUpdate(v1::MISSION_EULEX)).status(),
              StatusIs(absl::StatusCode::kPermissionDenied, ""));
  EXPECT_THAT(Publish(*StubWith(""), NewIncident("x", v1::MISSION_KFOR))
                  .status(),
              StatusIs(absl::StatusCode::kUnauthenticated, ""));

  ASSERT_EQ(subscriber.ReadUpdates(3).size(), 3u);
  ASSERT_TRUE(ListUpdates(*stub, v1::ListUpdatesRequest()).ok());

  const std::map<std::string, double> m = Scrape(server_.server());
  EXPECT_EQ(SampleOr(m, Published("kosovo_police", "support", "minor",
                                  "stored")),
            2);
  EXPECT_EQ(SampleOr(m, Published("kosovo_police", "first_responder",
                                  "moderate", "stored")),
            1);
  EXPECT_EQ(SampleOr(m, Published("kosovo_police", "support", "minor",
                                  "duplicate")),
            1);
  EXPECT_EQ(SampleOr(m, Published("kosovo_police", "support", "minor",
                                  "rejected")),
            1);
  EXPECT_EQ(SampleOr(m, Published("eulex", "support", "minor", "rejected")),
            1);
  EXPECT_EQ(SampleOr(m, Published("kfor", "third_responder", "moderate",
                                  "rejected")),
            1);
  EXPECT_EQ(SampleOr(m, "sitrep_publish_duration_seconds_count"), 4);

  EXPECT_EQ(SampleOr(m, Rejected("invalid_argument")), 1);
  EXPECT_EQ(SampleOr(m, Rejected("permission_denied")), 1);
  EXPECT_EQ(SampleOr(m, Rejected("unauthenticated")), 1);
  EXPECT_EQ(SampleOr(m, Rejected("rate_limited")), 0);
  EXPECT_EQ(SampleOr(m, Rejected("stream_quota")), 0);
  EXPECT_EQ(SampleOr(m, Rejected("other")), 0);

  EXPECT_EQ(SampleOr(m, Handled("Publish", "OK")), 4);
  EXPECT_EQ(SampleOr(m, Handled("Publish", "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Publish", "PERMISSION_DENIED")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Publish", "UNAUTHENTICATED")), 1);
  EXPECT_EQ(SampleOr(m, Handled("ListUpdates", "OK")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Subscribe", "OK")), -1) << "still open";

  EXPECT_EQ(SampleOr(m, "sitrep_deliveries_total"), 3);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_count"), 3);
  const double batches = SampleOr(m, "sitrep_subscriber_lag_updates_count");
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, 3);
  EXPECT_EQ(SampleOr(m, "sitrep_catchup_reads_total"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_subscribers{missions=\"all\"}"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_subscribers{missions=\"kfor\"}"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_subscriber_lag_max_updates"), 0);

  EXPECT_EQ(SampleOr(m, "sitrep_store_head_sequence"), 3);
  EXPECT_EQ(SampleOr(m, "sitrep_store_oldest_sequence"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_store_updates"), 3);
  EXPECT_GT(SampleOr(m, "sitrep_store_size_bytes"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_store_serving"), 1);
  // Three small commits are in the WAL; no checkpoint was due yet.
  EXPECT_GT(SampleOr(m, "sitrep_store_wal_bytes"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_store_writer_wal_wait_seconds_total"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_store_wal_checkpoints_total{mode=\"restart\"}"),
            -1);
  EXPECT_EQ(SampleOr(m, "sitrep_retention_deleted_total"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_open_incidents{mission=\"kosovo_police\","
                        "severity=\"moderate\",tier=\"first_responder\"}"),
            1);
  EXPECT_GE(SampleOr(m, "sitrep_last_update_age_seconds{mission=\"kosovo_"
                        "police\"}"),
            0);
  EXPECT_EQ(SampleOr(m, "sitrep_last_update_age_seconds{mission=\"kfor\"}"),
            -1)
      << "no KFOR update was stored";
  EXPECT_EQ(SampleOr(m, "sitrep_build_info{version=\"0.1.0\"}"), 1);

  // The stream's end is counted with the status the server sent.
  subscriber.Cancel();
  subscriber.Finish();
  server_.Stop();
}

// Subscribe is not intercepted (call_metrics_interceptor.h): its reactor
// counts the status it finishes with, whether it refuses the request or
// ends a live stream. Each is counted before the client can see it.
TEST_F(MetricsTest, SubscribeCountsTheStatusItFinishesWith) {
  auto stub = StubWith(kKpToken);
  v1::SubscribeRequest bad;
  bad.mutable_heartbeat_interval()->set_seconds(-1);
  StreamReader refused(*stub, bad);
  EXPECT_EQ(refused.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  StreamReader live(*stub, v1::SubscribeRequest());
  ASSERT_TRUE(live.ReadUntil(IsCaughtUp).has_value());
  // The token rotated: the server ends the open stream.
  AccessPolicyBuilder()
      .Principal("kp-ops").Token("sitrep_kp-ops-rotated-0123456789")
      .Publish({"KOSOVO_POLICE"}).Read({"*"})
      .WriteTo(policy_);
  SITREP_ASSERT_OK(server_.server().ReloadAccessPolicy());
  EXPECT_FALSE(live.ReadUntil(IsNotHeartbeat).has_value());
  EXPECT_EQ(live.Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  const std::map<std::string, double> m = Scrape(server_.server());
  EXPECT_EQ(SampleOr(m, Handled("Subscribe", "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Subscribe", "UNAUTHENTICATED")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Subscribe", "OK")), -1);
}

TEST(MetricsGaugesTest, ClosedIncidentsAndRetentionShowInTheGauges) {
  TestServer server([](ServerConfig& c) {
    c.retention_max_updates = 1;
    c.retention_interval = absl::Hours(1);  // Only when the test says.
  });
  auto stub = server.NewStub();
  MustPublish(*stub, NewIncident("road-1"));
  const std::string open =
      "sitrep_open_incidents{mission=\"kosovo_police\","
      "severity=\"moderate\",tier=\"first_responder\"}";
  EXPECT_EQ(SampleOr(Scrape(server.server()), open), 1);
  v1::SituationUpdate resolve = NewIncident("road-1");
  resolve.set_kind(v1::KIND_RESOLVE);
  MustPublish(*stub, resolve);
  absl::StatusOr<uint64_t> removed = server.server().RunRetentionNow();
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1u);

  const std::map<std::string, double> m = Scrape(server.server());
  // The series stays, at 0, once its last incident closed.
  EXPECT_EQ(SampleOr(m, open), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_retention_deleted_total"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_store_head_sequence"), 2);
  EXPECT_EQ(SampleOr(m, "sitrep_store_oldest_sequence"), 2);
  EXPECT_EQ(SampleOr(m, "sitrep_store_updates"), 1);
}

TEST(MetricsEndpointTest, HealthzAndReadyzAnswer) {
  TestServer server;
  const int port = server.server().metrics_port();
  ASSERT_GT(port, 0);
  absl::StatusOr<HttpGetResult> healthz = HttpGet(port, "/healthz");
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(healthz->body, "ok\n");
  absl::StatusOr<HttpGetResult> readyz = HttpGet(port, "/readyz");
  ASSERT_TRUE(readyz.ok()) << readyz.status();
  EXPECT_EQ(readyz->status, 200);
  EXPECT_EQ(readyz->body, "ready\n");
  absl::StatusOr<HttpGetResult> other = HttpGet(port, "/nothing-here");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status, 404);
  // A query string does not change the page.
  absl::StatusOr<HttpGetResult> query = HttpGet(port, "/healthz?verbose=1");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->status, 200);
}

TEST(MetricsEndpointTest, EmptyAddressServesNoEndpoint) {
  TestServer server([](ServerConfig& c) { c.metrics_address = ""; });
  EXPECT_EQ(server.server().metrics_port(), 0);
}

TEST(MetricsEndpointTest, AnAddressInUseStopsTheStartNamingTheFlag) {
  TestServer first;
  ServerConfig config = first.config();
  TempDir dir;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir.path() + "/data";
  config.metrics_address =
      absl::StrCat("127.0.0.1:", first.server().metrics_port());
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(config);
  EXPECT_THAT(second.status(), StatusIs(absl::StatusCode::kUnavailable,
                                        "--metrics_address"));
}

TEST(MetricsEndpointTest, TheMetricsPortFileTellsThePort) {
  TempDir dir;
  const std::string port_file = dir.path() + "/metrics.port";
  TestServer server([&](ServerConfig& c) { c.metrics_port_file = port_file; });
  std::ifstream in(port_file);
  int port = 0;
  in >> port;
  EXPECT_EQ(port, server.server().metrics_port());
}

// A subscriber far behind a small ring reads the store; replayed history
// is delivered but is not delivery latency.
TEST(MetricsCatchUpTest, StoreReadsAreCountedAndHistoryIsNotLatency) {
  TestServer server([](ServerConfig& c) { c.ring_capacity = 16; });
  auto stub = server.NewStub();
  for (int i = 0; i < 40; ++i) {
    MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("P", i)));
  }
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  StreamReader reader(*stub, request);
  ASSERT_EQ(reader.ReadUpdates(40).size(), 40u);
  const std::map<std::string, double> m = Scrape(server.server());
  EXPECT_GE(SampleOr(m, "sitrep_catchup_reads_total"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_deliveries_total"), 40);
  EXPECT_EQ(SampleOr(m, "sitrep_delivery_latency_seconds_count"), 0);
  EXPECT_EQ(SampleOr(m, "sitrep_subscribers{missions=\"kfor\"}"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_subscribers{missions=\"all\"}"), 0);
}

// The limits' refusals carry their own reasons.
TEST(MetricsLimitsTest, RateLimitAndStreamQuotaAreTheirReasons) {
  TestServer server([](ServerConfig& c) {
    c.publish_rate = 0.001;  // One publish, then none for a long time.
    c.publish_burst = 1;
    c.max_streams_per_principal = 1;
  });
  auto stub = server.NewStub();
  MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR));
  EXPECT_THAT(Publish(*stub, PatrolUpdate(v1::MISSION_KFOR)).status(),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
  StreamReader first(*stub, v1::SubscribeRequest());
  ASSERT_TRUE(first.ReadUntil(IsCaughtUp));
  StreamReader second(*stub, v1::SubscribeRequest());
  EXPECT_EQ(second.Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  const std::map<std::string, double> m = Scrape(server.server());
  EXPECT_EQ(SampleOr(m, Rejected("rate_limited")), 1);
  EXPECT_EQ(SampleOr(m, Rejected("stream_quota")), 1);
  EXPECT_EQ(SampleOr(m, Published("kfor", "support", "minor", "rejected")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Publish", "RESOURCE_EXHAUSTED")), 1);
  EXPECT_EQ(SampleOr(m, Handled("Subscribe", "RESOURCE_EXHAUSTED")), 1);
}

}  // namespace
}  // namespace sitrep::testing
