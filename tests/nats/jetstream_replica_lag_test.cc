// Issue 20, operations: the replica count and each replica's lag behind the
// JetStream stream, end to end with real processes only: one nats-server
// -js, two sitrepd replicas A and B (--store=jetstream, 200 ms heartbeats),
// their /metrics, and the real `sitrep check --metrics`.
//   - Both replicas count 2 replicas and report each other caught up.
//   - A is stopped (SIGSTOP: its tail stops with the rest of it) and
//     updates are published on B: B reports A behind by those updates and
//     stalled, and `sitrep check` against B's metrics is CRITICAL naming A.
//   - A continues (SIGCONT): it catches up, B reports it at lag 0 and the
//     check is OK again.

#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/cli/publishing.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/http_get.h"
#include "tests/support/metrics_text.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::NatsServer;
using ::sitrep::testing::PublishRetrying;
using ::sitrep::testing::SampleOr;
using ::testing::HasSubstr;

constexpr absl::Duration kWait = absl::Seconds(60);

class ReplicaLagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FindNatsServer().empty()) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    absl::StatusOr<std::unique_ptr<NatsServer>> nats = NatsServer::Start();
    ASSERT_THAT(nats, IsOk());
    nats_ = *std::move(nats);
    auto flags = [&](const char* name) {
      return std::vector<std::string>{
          "--store=jetstream", "--nats_url=" + nats_->url(), "--stream=LAG",
          "--nats_subject_prefix=lag", absl::StrCat("--replica_name=", name),
          "--replica_heartbeat_interval=200ms"};
    };
    ASSERT_NO_FATAL_FAILURE(a_.Start(0, flags("a")));
    ASSERT_NO_FATAL_FAILURE(b_.Start(0, flags("b")));
    stub_b_ = v1::SituationFeed::NewStub(
        grpc::CreateChannel(b_.address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (stopped_) kill(a_.pid(), SIGCONT);  // else its Stop() would hang
  }

  // B's metrics, parsed; empty on failure.
  std::map<std::string, double> MetricsOfB() {
    absl::StatusOr<testing::HttpGetResult> got = testing::HttpGet(b_.metrics_port(), "/metrics");
    if (!got.ok() || got->status != 200) return {};
    absl::StatusOr<std::map<std::string, double>> samples = testing::ParseMetricsText(got->body);
    return samples.ok() ? *samples : std::map<std::string, double>{};
  }

  // Scrapes B until `pred(samples)` holds or kWait passed (the heartbeats
  // are another process's: there is nothing to wait on but the scrape).
  template <typename Pred>
  bool WaitForMetricsOfB(Pred pred, std::map<std::string, double>* last) {
    const absl::Time deadline = absl::Now() + kWait;
    for (int round = 0; round < 1200 && absl::Now() < deadline; ++round) {
      *last = MetricsOfB();
      if (pred(*last)) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  testing::RunResult Check() {
    return testing::Run({SITREP_BIN, "check", "--server", b_.address(), "--metrics",
                             absl::StrCat("127.0.0.1:", b_.metrics_port()),
                             "--replica-lag-critical", "0", "--replica-stalled-warning", "1s"});
  }

  std::string Logs() const {
    return absl::StrCat("--- replica A:\n", a_.Log(), "--- replica B:\n", b_.Log());
  }

  // Destroyed last: the replicas stop while NATS still runs.
  std::unique_ptr<NatsServer> nats_;
  testing::TempDir dirs_[4];
  cli_testing::Sitrepd a_{SITREPD_PATH, dirs_[0].path(), dirs_[1].path()};
  cli_testing::Sitrepd b_{SITREPD_PATH, dirs_[2].path(), dirs_[3].path()};
  std::unique_ptr<v1::SituationFeed::Stub> stub_b_;
  bool stopped_ = false;
};

TEST_F(ReplicaLagTest, AStoppedReplicaIsReportedBehindByTheOtherAndTheCheckFailsThenPasses) {
  ASSERT_EQ(PublishRetrying(*stub_b_, "lag-1"), 1u) << Logs();
  std::map<std::string, double> m;
  ASSERT_TRUE(WaitForMetricsOfB(
      [](const std::map<std::string, double>& s) {
        return SampleOr(s, "sitrep_replicas") == 2 &&
               SampleOr(s, "sitrep_replica_applied_sequence{replica=\"a\"}") == 1 &&
               SampleOr(s, "sitrep_replica_lag_updates{replica=\"a\"}") == 0;
      },
      &m))
      << "replicas " << SampleOr(m, "sitrep_replicas") << "\n" << Logs();
  EXPECT_EQ(SampleOr(m, "sitrep_replica_probe_up"), 1);
  EXPECT_EQ(SampleOr(m, "sitrep_stream_last_sequence"), 1);
  testing::RunResult ok = Check();
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  // (Not the count: on a loaded machine a heartbeat may come late, and the
  // count above already waited for it.)
  EXPECT_THAT(ok.out, HasSubstr("largest lag 0 updates"));

  // A stops; five more updates go into the stream through B.
  ASSERT_EQ(kill(a_.pid(), SIGSTOP), 0);
  stopped_ = true;
  for (int i = 2; i <= 6; ++i) {
    ASSERT_EQ(PublishRetrying(*stub_b_, absl::StrCat("lag-", i)), static_cast<uint64_t>(i));
  }
  ASSERT_TRUE(WaitForMetricsOfB(
      [](const std::map<std::string, double>& s) {
        return SampleOr(s, "sitrep_replica_lag_updates{replica=\"a\"}") == 5 &&
               SampleOr(s, "sitrep_replica_stalled_seconds{replica=\"a\"}") > 1 &&
               SampleOr(s, "sitrep_replicas") == 1;
      },
      &m))
      << "lag of a " << SampleOr(m, "sitrep_replica_lag_updates{replica=\"a\"}") << "\n"
      << Logs();
  EXPECT_EQ(SampleOr(m, "sitrep_replica_lag_updates{replica=\"b\"}"), 0);
  testing::RunResult critical = Check();
  EXPECT_EQ(critical.exit_code, 2) << critical.out << critical.err;
  EXPECT_THAT(critical.out, HasSubstr("replica a: 5 updates behind the stream (> 0)"));

  // A goes on, catches up and heartbeats again.
  ASSERT_EQ(kill(a_.pid(), SIGCONT), 0);
  stopped_ = false;
  ASSERT_TRUE(WaitForMetricsOfB(
      [](const std::map<std::string, double>& s) {
        return SampleOr(s, "sitrep_replica_lag_updates{replica=\"a\"}") == 0 &&
               SampleOr(s, "sitrep_replica_applied_sequence{replica=\"a\"}") == 6 &&
               SampleOr(s, "sitrep_replica_stalled_seconds{replica=\"a\"}") == 0 &&
               SampleOr(s, "sitrep_replicas") == 2;
      },
      &m))
      << Logs();
  testing::RunResult again = Check();
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(ReplicaLagTest, AReplicaThatStopsCleanlyLeavesTheCount) {
  std::map<std::string, double> m;
  ASSERT_TRUE(WaitForMetricsOfB(
      [](const std::map<std::string, double>& s) { return SampleOr(s, "sitrep_replicas") == 2; },
      &m))
      << Logs();
  a_.Stop();
  ASSERT_TRUE(WaitForMetricsOfB(
      [](const std::map<std::string, double>& s) {
        return SampleOr(s, "sitrep_replicas") == 1 &&
               SampleOr(s, "sitrep_replica_lag_updates{replica=\"a\"}") == -1;
      },
      &m))
      << Logs();
}

}  // namespace
}  // namespace sitrep
