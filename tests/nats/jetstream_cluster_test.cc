// The JetStream log on a 3-node JetStream cluster (three nats-server -js
// processes with routes on loopback) and an R3 stream: two logs (replicas)
// share it; when the NATS node both are connected to dies, they reconnect
// to another, and appending and tailing go on without gap or repeat.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nats/nats.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::NatsServer;
using ::testing::ElementsAreArray;

AppendRequest Report(const std::string& event_id) {
  AppendRequest request;
  request.update = testing::PatrolUpdate(v1::MISSION_EULEX, event_id);
  request.update.set_publisher("eulex-ops");
  request.update.set_event_id(event_id);
  return request;
}

// Appends, retrying while the cluster elects new leaders, for up to 60 s:
// an attempt may wait for JetStream's answer up to the request timeout, or
// fail at once ("no responders") while the stream has no leader, which on
// a loaded machine lasted over 6 s - longer than 30 quick attempts. A retry
// of an update stored by an attempt whose ack was lost is a duplicate: its
// sequence is the one returned.
uint64_t AppendThroughElections(EventLog* log, const std::string& event_id) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  absl::StatusOr<AppendResult> result;
  for (int attempt = 0; attempt < 10000 && absl::Now() < deadline; ++attempt) {
    result = AppendOneAndWait(log, Report(event_id));
    if (!absl::IsUnavailable(result.status())) break;
  }
  EXPECT_THAT(result, IsOk()) << event_id;
  return result.ok() ? result->entry->sequence() : 0;
}

TEST(JetStreamClusterTest, R3StreamGoesOnWhenTheConnectedNodeDies) {
  if (testing::FindNatsServer().empty()) {
    SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
  }
  absl::StatusOr<std::vector<std::unique_ptr<NatsServer>>> cluster =
      NatsServer::StartCluster(3);
  ASSERT_THAT(cluster, IsOk());
  std::vector<std::string> urls;
  for (const auto& server : *cluster) urls.push_back(server->url());

  RecordingAppendListener on_a, on_b;
  auto open = [&urls](RecordingAppendListener* observer) {
    JetStreamOptions options;
    options.nats_url = absl::StrJoin(urls, ",");
    options.stream = "CLUSTER";
    options.subject_prefix = "cluster";
    options.replicas = 3;
    // Both on the first node, which the test then kills.
    options.randomize_servers = false;
    options.request_timeout = absl::Seconds(2);
    options.tail_heartbeat = absl::Milliseconds(250);
    options.on_connection_change = [observer](bool connected) {
      observer->OnConnection(connected);
    };
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  };
  std::unique_ptr<EventLog> a = open(&on_a);
  std::unique_ptr<EventLog> b = open(&on_b);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->SetAppendListener(&on_a);
  b->SetAppendListener(&on_b);

  // The stream is replicated on all three nodes.
  {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    jsStreamInfo* info = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&nc, urls[1].c_str()), NATS_OK);
    ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
    ASSERT_EQ(js_GetStreamInfo(&info, js, "CLUSTER", nullptr, nullptr),
              NATS_OK);
    EXPECT_EQ(info->Config->Replicas, 3);
    jsStreamInfo_Destroy(info);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }

  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(AppendThroughElections(a.get(), absl::StrCat("before", i)),
              static_cast<uint64_t>(i + 1));
  }
  ASSERT_TRUE(on_b.WaitForSequence(10));

  // Kill the node both logs use: they move to another, and go on.
  (*cluster)[0]->Kill();
  ASSERT_TRUE(on_a.WaitForConnectionEvents(2));
  ASSERT_TRUE(on_b.WaitForConnectionEvents(2));
  EXPECT_THAT(on_a.connection_events(), ElementsAreArray({false, true}));
  EXPECT_THAT(on_b.connection_events(), ElementsAreArray({false, true}));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(AppendThroughElections(a.get(), absl::StrCat("after", i)),
              static_cast<uint64_t>(11 + i));
  }
  EXPECT_EQ(AppendThroughElections(b.get(), "from-b"), 21u);
  ASSERT_TRUE(on_a.WaitForSequence(21));
  ASSERT_TRUE(on_b.WaitForSequence(21));
  // Every update once, in order, on both replicas.
  EXPECT_THAT(on_a.sequences(), ElementsAreArray(testing::SequenceRange(1, 21)));
  EXPECT_THAT(on_b.sequences(), ElementsAreArray(testing::SequenceRange(1, 21)));
  a->SetAppendListener(nullptr);
  b->SetAppendListener(nullptr);
}

}  // namespace
}  // namespace sitrep
