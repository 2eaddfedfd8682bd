// Scaling out, end to end with real processes only: a 3-node NATS
// JetStream cluster (nats-server with routes on free loopback ports), an R3
// stream, two sitrepd replicas A and B on --store=jetstream, and the real
// `sitrep tail` as the subscriber, given both replicas as one gRPC target
// (ipv4:B,A: it uses B while B is up, A once B is gone).
//   - Updates published on A reach the subscriber on B once each, in order.
//   - Killing the NATS node that leads the stream: publishing on A and
//     streaming from B go on (R3), still once each, in order.
//   - kill -9 of B in the middle of a publish burst on A: the subscriber
//     reconnects to A with its cursor and misses nothing, repeats nothing.
//   - kill -9 of A in the middle of a publish burst: every acknowledged
//     update is in the stream at its sequence, read back through B.

#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nats/nats.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/cli/publishing.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::ExitStatus;
using ::sitrep::testing::IsOk;
using ::sitrep::testing::NatsServer;
using ::sitrep::testing::PublishBurst;
using ::sitrep::testing::PublishRetrying;
using ::sitrep::testing::SequenceRange;
using ::sitrep::testing::Sequences;
using ::sitrep::testing::Subprocess;
using ::testing::ElementsAreArray;

constexpr absl::Duration kWait = absl::Seconds(120);
constexpr char kStream[] = "SCALEOUT";

std::vector<v1::SituationUpdate> ParseUpdates(const std::string& jsonl) {
  std::vector<v1::SituationUpdate> updates;
  for (const std::string& line : testing::Lines(jsonl)) {
    v1::SituationUpdate update;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &update).ok())
        << line;
    updates.push_back(std::move(update));
  }
  return updates;
}

// Waits until the subscriber printed `count` complete lines.
bool WaitForLines(Subprocess& tail, size_t count) {
  return tail.WaitForStdout(
      [count](const std::string& out) {
        return static_cast<size_t>(std::count(out.begin(), out.end(), '\n')) >= count;
      },
      kWait);
}

// The server name (n1, n2, n3) of the stream's current leader; "" if none.
std::string StreamLeader(const std::string& urls) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  std::string leader;
  if (natsConnection_ConnectTo(&nc, urls.c_str()) == NATS_OK &&
      natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
      js_GetStreamInfo(&info, js, kStream, nullptr, nullptr) == NATS_OK) {
    EXPECT_EQ(info->Config->Replicas, 3);
    if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) {
      leader = info->Cluster->Leader;
    }
  }
  if (info != nullptr) jsStreamInfo_Destroy(info);
  if (js != nullptr) jsCtx_Destroy(js);
  if (nc != nullptr) natsConnection_Destroy(nc);
  return leader;
}

class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::FindNatsServer().empty()) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>> cluster =
        NatsServer::StartCluster(3);
    ASSERT_THAT(cluster, IsOk());
    cluster_ = *std::move(cluster);
    std::vector<std::string> urls;
    for (const auto& server : cluster_) urls.push_back(server->url());
    nats_url_ = absl::StrJoin(urls, ",");
    const std::vector<std::string> flags = {
        "--store=jetstream", "--nats_url=" + nats_url_, "--replicas=3",
        absl::StrCat("--stream=", kStream), "--nats_subject_prefix=scaleout"};
    ASSERT_NO_FATAL_FAILURE(a_.Start(0, flags));
    ASSERT_NO_FATAL_FAILURE(b_.Start(0, flags));
    stub_a_ = Stub(a_);
  }

  static std::unique_ptr<v1::SituationFeed::Stub> Stub(const cli_testing::Sitrepd& replica) {
    return v1::SituationFeed::NewStub(
        grpc::CreateChannel(replica.address(), grpc::InsecureChannelCredentials()));
  }

  // `sitrep tail --from-beginning -o jsonl` against `target`.
  static std::unique_ptr<Subprocess> Tail(const std::string& target) {
    return std::make_unique<Subprocess>(std::vector<std::string>{
        SITREP_BIN, "tail", "--server", target, "--from-beginning", "-o", "jsonl"});
  }

  std::string Logs() const {
    return absl::StrCat("--- replica A:\n", a_.Log(), "--- replica B:\n", b_.Log());
  }

  // Destroyed last: the replicas stop while NATS still runs.
  std::vector<std::unique_ptr<NatsServer>> cluster_;
  std::string nats_url_;
  testing::TempDir dirs_[4];
  cli_testing::Sitrepd a_{SITREPD_PATH, dirs_[0].path(), dirs_[1].path()};
  cli_testing::Sitrepd b_{SITREPD_PATH, dirs_[2].path(), dirs_[3].path()};
  std::unique_ptr<v1::SituationFeed::Stub> stub_a_;
};

TEST_F(ScaleOutTest, SubscriberOnBSurvivesANatsNodeAndBItself) {
  // One target, two replicas: pick_first takes B, and A once B is gone.
  std::unique_ptr<Subprocess> tail =
      Tail(absl::StrCat("ipv4:", b_.address(), ",", a_.address()));
  ASSERT_NE(tail, nullptr);
  std::vector<std::string> published;  // event ids, in publish order

  // Published on A, streamed from B: once each, in order.
  for (uint64_t i = 1; i <= 30; ++i) {
    published.push_back(absl::StrCat("a-", i));
    ASSERT_EQ(PublishRetrying(*stub_a_, published.back()), i) << Logs();
  }
  ASSERT_TRUE(WaitForLines(*tail, 30)) << tail->stderr_text() << Logs();

  // Kill the NATS node that leads the stream: JetStream elects another
  // leader among the two left (R3), and both go on.
  const std::string leader = StreamLeader(nats_url_);
  auto node = std::find_if(cluster_.begin(), cluster_.end(),
                           [&](const auto& server) { return server->name() == leader; });
  ASSERT_NE(node, cluster_.end()) << "stream leader '" << leader << "'";
  (*node)->Kill();
  for (uint64_t i = 31; i <= 60; ++i) {
    published.push_back(absl::StrCat("a-", i));
    ASSERT_EQ(PublishRetrying(*stub_a_, published.back()), i) << Logs();
  }
  ASSERT_TRUE(WaitForLines(*tail, 60)) << tail->stderr_text() << Logs();
  EXPECT_NE(StreamLeader(nats_url_), "");

  // A publish burst on A; kill -9 B while it runs (the subscriber has seen
  // some of the burst, not all), then 50 more publishes.
  absl::Mutex mu;
  uint64_t last = 60;              // guarded by mu
  uint64_t stop_after = UINT64_MAX;  // guarded by mu
  std::vector<std::string> burst_ids;  // burst thread only, read after join
  std::thread burst([&] {
    for (uint64_t i = 61;; ++i) {
      {
        absl::MutexLock lock(&mu);
        if (last >= stop_after) return;
      }
      burst_ids.push_back(absl::StrCat("burst-", i));
      const uint64_t sequence = PublishRetrying(*stub_a_, burst_ids.back());
      if (sequence == 0) return;
      EXPECT_EQ(sequence, i);
      absl::MutexLock lock(&mu);
      last = sequence;
    }
  });
  const bool mid_burst = WaitForLines(*tail, 80);
  b_.Kill();
  {
    absl::MutexLock lock(&mu);
    stop_after = last + 50;
  }
  burst.join();
  ASSERT_TRUE(mid_burst) << tail->stderr_text() << Logs();
  published.insert(published.end(), burst_ids.begin(), burst_ids.end());
  const uint64_t total = published.size();
  ASSERT_GE(total, 130u);

  // The subscriber lost B, resumed on A after its cursor, and got the rest.
  ASSERT_TRUE(tail->WaitForStderr(
      [](const std::string& err) { return absl::StrContains(err, "reconnecting"); }, kWait))
      << tail->stderr_text();
  ASSERT_TRUE(WaitForLines(*tail, total)) << tail->stderr_text() << Logs();
  tail->Signal(SIGTERM);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0)) << tail->stderr_text();
  const std::vector<v1::SituationUpdate> received = ParseUpdates(tail->stdout_text());
  EXPECT_THAT(Sequences(received), ElementsAreArray(SequenceRange(1, total)));
  std::vector<std::string> received_ids;
  for (const auto& update : received) received_ids.push_back(update.event_id());
  EXPECT_THAT(received_ids, ElementsAreArray(published));
}

TEST_F(ScaleOutTest, KillDashNineOfAReplicaLosesNoAcknowledgedUpdate) {
  PublishBurst burst(stub_a_.get(), 4, "p");
  ASSERT_TRUE(burst.WaitForAcks(200)) << Logs();
  a_.Kill();
  ASSERT_TRUE(burst.WaitForEnd());
  burst.Stop();
  const std::map<std::string, uint64_t> acked = burst.acked();
  uint64_t highest = 0;
  for (const auto& [event_id, sequence] : acked) highest = std::max(highest, sequence);

  // Read back through the other replica: its tail has every stored update.
  std::unique_ptr<Subprocess> tail = Tail(b_.address());
  ASSERT_NE(tail, nullptr);
  ASSERT_TRUE(WaitForLines(*tail, highest)) << tail->stderr_text() << Logs();
  tail->Signal(SIGTERM);
  EXPECT_EQ(tail->Wait(kWait), ExitStatus::Exited(0)) << tail->stderr_text();
  const std::vector<v1::SituationUpdate> stored = ParseUpdates(tail->stdout_text());
  ASSERT_GE(stored.size(), highest);
  EXPECT_THAT(Sequences(stored), ElementsAreArray(SequenceRange(1, stored.size())));
  std::map<uint64_t, std::string> at;
  std::set<std::string> seen;
  for (const auto& update : stored) {
    at[update.sequence()] = update.event_id();
    EXPECT_TRUE(seen.insert(update.event_id()).second)
        << update.event_id() << " stored twice";
  }
  for (const auto& [event_id, sequence] : acked) {
    EXPECT_EQ(at[sequence], event_id) << "acknowledged at " << sequence;
  }
}

}  // namespace
}  // namespace sitrep
