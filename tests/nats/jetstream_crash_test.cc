// The real sitrepd binary on --store=jetstream: kill -9 in the middle of a
// publish burst loses no acknowledged update (each is in the stream, at the
// sequence the publisher was told), and a sitrepd whose NATS is unreachable
// stops at once with a message naming --nats_url.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/log/jetstream_event_log.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/cli/publishing.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;
using ::sitrep::testing::StreamOfItsOwn;

std::vector<std::string> StoreFlags(const JetStreamOptions& options) {
  return {"--store=jetstream", "--nats_url=" + options.nats_url,
          "--stream=" + options.stream,
          "--nats_subject_prefix=" + options.subject_prefix};
}

class JetStreamCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
  }
  testing::TempDir data_;
  testing::TempDir work_;
};

TEST_F(JetStreamCrashTest, KillDashNineLosesNoAcknowledgedUpdate) {
  const JetStreamOptions stream = StreamOfItsOwn("crash");
  cli_testing::Sitrepd sitrepd(SITREPD_PATH, data_.path(), work_.path());
  sitrepd.Start(0, StoreFlags(stream));
  std::unique_ptr<v1::SituationFeed::Stub> stub = v1::SituationFeed::NewStub(
      grpc::CreateChannel(sitrepd.address(), grpc::InsecureChannelCredentials()));

  // Four publishers until sitrepd dies; each acknowledged event_id and the
  // sequence it was given.
  constexpr size_t kKillAfter = 200;
  testing::PublishBurst burst(stub.get(), 4, "p");
  ASSERT_TRUE(burst.WaitForAcks(kKillAfter)) << sitrepd.Log();
  sitrepd.Kill();
  ASSERT_TRUE(burst.WaitForEnd());
  burst.Stop();
  const std::map<std::string, uint64_t> acked = burst.acked();

  // A fresh replica reads the stream: every acknowledged update is there.
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      OpenJetStreamEventLog(stream);
  ASSERT_THAT(log, IsOk());
  ASSERT_GE(acked.size(), kKillAfter);
  for (const auto& [event_id, sequence] : acked) {
    absl::StatusOr<std::vector<LogEntryPtr>> read =
        (*log)->Read({sequence, sequence});
    ASSERT_THAT(read, IsOk());
    ASSERT_EQ(read->size(), 1u) << event_id << " at " << sequence;
    EXPECT_EQ((*read)[0]->update.event_id(), event_id);
  }
  // And nothing twice: the stream's sequences hold distinct events.
  absl::StatusOr<std::vector<LogEntryPtr>> all =
      (*log)->Read({1, UINT64_MAX, false, 100000});
  ASSERT_THAT(all, IsOk());
  std::map<std::string, int> seen;
  for (const LogEntryPtr& entry : *all) ++seen[entry->update.event_id()];
  for (const auto& [event_id, count] : seen) EXPECT_EQ(count, 1) << event_id;
}

TEST_F(JetStreamCrashTest, UnreachableNatsStopsSitrepdNamingTheFlag) {
  const testing::RefusingLoopbackPort port;
  const std::string url = absl::StrCat("nats://127.0.0.1:", port.port());
  testing::RunResult result = testing::Run(
      {SITREPD_PATH, "--listen=127.0.0.1:0", "--metrics_address=", "--http_address=",
       "--data_dir=" + data_.path(), "--store=jetstream", "--nats_url=" + url});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err,
              ::testing::HasSubstr(absl::StrCat("cannot connect to NATS at '",
                                                url, "' (--nats_url)")));
}

}  // namespace
}  // namespace sitrep
