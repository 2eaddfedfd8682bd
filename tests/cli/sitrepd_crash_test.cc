// The default store's durability, for real: a sitrepd process on the SQLite
// store is killed (SIGKILL, no shutdown at all) in the middle of publishing
// through unary Publish, PublishStream and PublishStream batches at once,
// and restarted on the same data directory, again and again. After each
// restart every acknowledged update is at the sequence it was given, with
// its content; the log is dense (1..head) and holds no event id twice.
//
// Runs under --fsync=always (the default, no flag) and --fsync=batch. A
// process crash leaves what SQLite's WAL wrote to the OS, so both keep
// every acknowledged update here; what only `always` survives, a power
// loss, a process test cannot cut (README "Durability").
//
// SITREP_CRASH_CYCLES=<n> runs n kill/restart cycles instead of 20
// (scripts/crash-test.sh runs a longer series).
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/cli/publishing.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::TempDir;
using ::sitrep::testing::PatrolRequest;
using ::sitrep::testing::PublishBurst;
using ::sitrep::testing::PublishMode;

constexpr int kDefaultCycles = 20;
// Two publishers of each kind.
constexpr int kPublishers = 6;
// Acks to wait for before each kill; varied per cycle so that the kill
// lands at different points of a group commit and of a batch.
constexpr size_t kKillAfter = 120;

int Cycles() {
  int cycles = kDefaultCycles;
  const char* text = std::getenv("SITREP_CRASH_CYCLES");
  if (text != nullptr && (!absl::SimpleAtoi(text, &cycles) || cycles < 1)) {
    ADD_FAILURE() << "SITREP_CRASH_CYCLES=" << text << ": give a positive count";
    cycles = 1;
  }
  return cycles;
}

// Every stored update, oldest first, read through ListUpdates pages (at
// most 10,000 pages of 1,000); also the head the last page reported.
std::vector<v1::SituationUpdate> ReadLog(v1::SituationFeed::Stub& stub, uint64_t* head) {
  std::vector<v1::SituationUpdate> updates;
  v1::ListUpdatesRequest request;
  request.set_page_size(1000);
  for (int page = 0; page < 10000; ++page) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::ListUpdatesResponse response;
    grpc::Status status = stub.ListUpdates(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    updates.insert(updates.end(), response.updates().begin(), response.updates().end());
    *head = response.head_sequence();
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return updates;
}

// The log after a restart holds every acknowledged update as acknowledged,
// densely and once.
void ExpectEveryAckStored(v1::SituationFeed::Stub& stub,
                          const std::map<std::string, uint64_t>& acked, int cycle) {
  uint64_t head = 0;
  const std::vector<v1::SituationUpdate> log = ReadLog(stub, &head);
  ASSERT_EQ(log.size(), head) << "cycle " << cycle << ": the log is not 1..head";
  std::set<std::string> event_ids;
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].sequence(), i + 1) << "cycle " << cycle << ": a hole in the log";
    EXPECT_TRUE(event_ids.insert(log[i].event_id()).second)
        << "cycle " << cycle << ": " << log[i].event_id() << " stored twice";
  }
  for (const auto& [event_id, sequence] : acked) {
    ASSERT_GE(sequence, 1u);
    ASSERT_LE(sequence, log.size())
        << "cycle " << cycle << ": acknowledged " << event_id << " at " << sequence
        << " is beyond the head " << head;
    const v1::SituationUpdate& stored = log[sequence - 1];
    const v1::SituationUpdate sent = PatrolRequest(event_id).update();
    EXPECT_EQ(stored.event_id(), event_id) << "cycle " << cycle << " at " << sequence;
    EXPECT_EQ(stored.headline(), sent.headline()) << event_id;
    EXPECT_EQ(stored.description(), sent.description()) << event_id;
    EXPECT_EQ(stored.mission(), sent.mission()) << event_id;
    EXPECT_EQ(stored.category(), sent.category()) << event_id;
    EXPECT_EQ(stored.severity(), sent.severity()) << event_id;
  }
}

class SqliteCrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SqliteCrashTest, KillDashNineLosesNoAcknowledgedUpdate) {
  const std::string fsync = GetParam();
  TempDir data;
  TempDir work;
  Sitrepd sitrepd(SITREPD_PATH, data.path(), work.path());
  // --fsync=always is the default: that run passes no --fsync at all.
  if (fsync == "always") sitrepd.UseDefaultFsync();
  const std::vector<std::string> flags =
      fsync == "always" ? std::vector<std::string>{}
                        : std::vector<std::string>{"--fsync=" + fsync};
  const int cycles = Cycles();
  std::map<std::string, uint64_t> acked;
  for (int cycle = 0; cycle <= cycles; ++cycle) {
    sitrepd.Start(0, flags);
    if (::testing::Test::HasFatalFailure()) break;
    std::unique_ptr<v1::SituationFeed::Stub> stub = v1::SituationFeed::NewStub(
        grpc::CreateChannel(sitrepd.address(), grpc::InsecureChannelCredentials()));
    ExpectEveryAckStored(*stub, acked, cycle);
    if (::testing::Test::HasFatalFailure() || cycle == cycles) break;

    PublishBurst burst(stub.get(), kPublishers, absl::StrCat("c", cycle, "-"),
                       {PublishMode::kUnary, PublishMode::kStream, PublishMode::kStreamBatch});
    ASSERT_TRUE(burst.WaitForAcks(kKillAfter + (cycle * 37) % 100)) << sitrepd.Log();
    sitrepd.Kill();
    ASSERT_TRUE(burst.WaitForEnd());
    burst.Stop();
    for (const auto& [event_id, sequence] : burst.acked()) acked[event_id] = sequence;
  }
  sitrepd.Stop();
  EXPECT_GE(acked.size(), cycles * kKillAfter);
  // Each kind of publisher had its acks checked: event ids are
  // c<cycle>-<thread>-<n>, thread % 3 is its PublishMode.
  int by_mode[3] = {0, 0, 0};
  for (const auto& [event_id, sequence] : acked) {
    const size_t dash = event_id.find('-');
    int thread = 0;
    if (absl::SimpleAtoi(event_id.substr(dash + 1, event_id.find('-', dash + 1) - dash - 1),
                         &thread)) {
      ++by_mode[thread % 3];
    }
  }
  EXPECT_GT(by_mode[0], 0) << "no unary publish acknowledged";
  EXPECT_GT(by_mode[1], 0) << "no stream publish acknowledged";
  EXPECT_GT(by_mode[2], 0) << "no batch publish acknowledged";
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  std::printf(
      "%d kill -9 cycles under --fsync=%s: %zu acknowledged updates (unary %d, "
      "stream %d, batch %d), none lost\n",
      cycles, fsync.c_str(), acked.size(), by_mode[0], by_mode[1], by_mode[2]);
}

INSTANTIATE_TEST_SUITE_P(Fsync, SqliteCrashTest, ::testing::Values("always", "batch"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace sitrep::cli_testing
