// The JetStream log's memory follows retention (issue 20): the
// (publisher, event_id) dedupe index, the received_at index and the cache of
// recent entries hold only retained updates, so a replica that runs for
// months with retention on does not grow. And the chain that keeps
// pipelined publishes exact: JetStream refuses a publish whose expected
// last message id is not the stream's last.

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nats/nats.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;

AppendRequest Report(const std::string& event_id) {
  return PatrolReport("kfor-ops", event_id);
}

class JetStreamMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
  }
  std::unique_ptr<EventLog> Open(size_t cache_entries) {
    JetStreamOptions options = testing::StreamOfItsOwn("memory");
    options.clock = &clock_;
    options.cache_entries = cache_entries;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }
  FakeClock clock_;
};

TEST_F(JetStreamMemoryTest, DedupeIndexFollowsRetention) {
  std::unique_ptr<EventLog> log = Open(/*cache_entries=*/4);
  ASSERT_NE(log, nullptr);
  std::vector<AppendRequest> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(Report(absl::StrCat("r", i)));
  AppendAndWait(log.get(), std::move(batch));
  ASSERT_EQ(log->Head(), 50u);
  JetStreamIndexSizes sizes = JetStreamIndexSizesOf(*log);
  EXPECT_EQ(sizes.retained, 50u);
  EXPECT_EQ(sizes.event_ids, 50u);
  EXPECT_EQ(sizes.cached_entries, 4u);

  RetentionPolicy policy;
  policy.max_updates = 10;
  ASSERT_THAT(log->ApplyRetention(policy, clock_.Now()), IsOk());
  sizes = JetStreamIndexSizesOf(*log);
  EXPECT_EQ(sizes.retained, 10u);
  EXPECT_EQ(sizes.event_ids, 10u) << "the dedupe index outlived retention";
  EXPECT_EQ(sizes.cached_entries, 4u);

  // A removed id is a new update; a retained one is still a duplicate.
  absl::StatusOr<AppendResult> again = AppendOneAndWait(log.get(), Report("r0"));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 51u);
  absl::StatusOr<AppendResult> kept = AppendOneAndWait(log.get(), Report("r45"));
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(kept->duplicate);
  EXPECT_EQ(JetStreamIndexSizesOf(*log).event_ids, 11u);

  // Everything removed: nothing is indexed.
  policy.max_age = absl::ZeroDuration();
  policy.max_updates = 0;
  clock_.Advance(absl::Seconds(1));
  ASSERT_THAT(log->ApplyRetention(policy, clock_.Now()), IsOk());
  sizes = JetStreamIndexSizesOf(*log);
  EXPECT_EQ(sizes.retained, 0u);
  EXPECT_EQ(sizes.event_ids, 0u);
  EXPECT_EQ(sizes.cached_entries, 0u);
}

TEST_F(JetStreamMemoryTest, ChainedPublishAfterAnotherMessageIsRefused) {
  // The pipelined writer chains a round's publishes with
  // Nats-Expected-Last-Msg-Id; the server must refuse the link when another
  // message came in between, even where the expected sequence matches.
  const JetStreamOptions own = testing::StreamOfItsOwn("chain");
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, SharedNatsServer()->url().c_str()),
            NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  const std::string subject = absl::StrCat(own.subject_prefix, ".kfor.x.y");
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = own.stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_MemoryStorage;
  jsStreamInfo* info = nullptr;
  ASSERT_EQ(js_AddStream(&info, js, &config, nullptr, nullptr), NATS_OK);
  jsStreamInfo_Destroy(info);
  auto publish = [&](const char* id, const char* expected_seq,
                     const char* expected_id, jsErrCode* code) {
    natsMsg* msg = nullptr;
    EXPECT_EQ(natsMsg_Create(&msg, subject.c_str(), nullptr, "x", 1), NATS_OK);
    natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
    natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", expected_seq);
    if (expected_id != nullptr) {
      natsMsgHeader_Set(msg, "Nats-Expected-Last-Msg-Id", expected_id);
    }
    jsPubAck* ack = nullptr;
    natsStatus s = js_PublishMsg(&ack, js, msg, nullptr, code);
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(msg);
    return s;
  };
  jsErrCode code = static_cast<jsErrCode>(0);
  ASSERT_EQ(publish("mine-1", "0", nullptr, &code), NATS_OK);
  ASSERT_EQ(publish("mine-2", "1", "mine-1", &code), NATS_OK);
  // Another replica's message lands at 3 where this one meant "mine-3".
  ASSERT_EQ(publish("theirs-3", "2", nullptr, &code), NATS_OK);
  // "mine-4" expects sequence 3 (true) after "mine-3" (false): refused.
  EXPECT_NE(publish("mine-4", "3", "mine-3", &code), NATS_OK);
  EXPECT_EQ(code, JSStreamWrongLastMsgIDErr);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

}  // namespace
}  // namespace sitrep
