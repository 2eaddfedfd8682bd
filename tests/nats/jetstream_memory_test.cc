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

// A stream of its own on the shared nats-server and publishes to it with
// the chain's headers, each one set or not, as the writer and another
// replica would send them.
class ChainedStream {
 public:
  explicit ChainedStream(const std::string& name)
      : own_(testing::StreamOfItsOwn(name)),
        subject_(absl::StrCat(own_.subject_prefix, ".kfor.x.y")) {
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, SharedNatsServer()->url().c_str()),
              NATS_OK);
    EXPECT_EQ(natsConnection_JetStream(&js_, nc_, nullptr), NATS_OK);
    const char* subjects[] = {subject_.c_str()};
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = own_.stream.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_MemoryStorage;
    jsStreamInfo* info = nullptr;
    EXPECT_EQ(js_AddStream(&info, js_, &config, nullptr, nullptr), NATS_OK);
    jsStreamInfo_Destroy(info);
  }
  ~ChainedStream() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }

  // Publishes with Nats-Msg-Id `id`, Nats-Expected-Last-Sequence and
  // Nats-Expected-Last-Msg-Id (each left out when null); the stored
  // sequence, or 0 with *code set when refused.
  uint64_t Publish(const char* id, const char* expected_seq,
                   const char* expected_id, jsErrCode* code) {
    natsMsg* msg = nullptr;
    EXPECT_EQ(natsMsg_Create(&msg, subject_.c_str(), nullptr, "x", 1), NATS_OK);
    if (id != nullptr) natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
    if (expected_seq != nullptr) {
      natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", expected_seq);
    }
    if (expected_id != nullptr) {
      natsMsgHeader_Set(msg, "Nats-Expected-Last-Msg-Id", expected_id);
    }
    jsPubAck* ack = nullptr;
    *code = static_cast<jsErrCode>(0);
    const natsStatus s = js_PublishMsg(&ack, js_, msg, nullptr, code);
    const uint64_t sequence = s == NATS_OK && ack != nullptr ? ack->Sequence : 0;
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(msg);
    return sequence;
  }

 private:
  const JetStreamOptions own_;
  const std::string subject_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

TEST_F(JetStreamMemoryTest, ChainedPublishAfterAnotherMessageIsRefused) {
  // The pipelined writer chains a round's publishes with
  // Nats-Expected-Last-Msg-Id; the server must refuse the link when another
  // message came in between, even where the expected sequence matches.
  ChainedStream stream("chain");
  jsErrCode code = static_cast<jsErrCode>(0);
  ASSERT_EQ(stream.Publish("mine-1", "0", nullptr, &code), 1u);
  ASSERT_EQ(stream.Publish("mine-2", "1", "mine-1", &code), 2u);
  // Another replica's message lands at 3 where this one meant "mine-3".
  ASSERT_EQ(stream.Publish("theirs-3", "2", nullptr, &code), 3u);
  // "mine-4" expects sequence 3 (true) after "mine-3" (false): refused.
  EXPECT_EQ(stream.Publish("mine-4", "3", "mine-3", &code), 0u);
  EXPECT_EQ(code, JSStreamWrongLastMsgIDErr);
}

TEST_F(JetStreamMemoryTest, ChainedPublishWithoutExpectedSequenceStaysExact) {
  // The writer's chained publishes carry Nats-Expected-Last-Msg-Id without
  // Nats-Expected-Last-Sequence (jetstream_publish_acks.cc): the id alone
  // must store each link right after its predecessor and refuse it when
  // another replica's message, with an id or without one, came in between.
  ChainedStream stream("chain-id-only");
  jsErrCode code = static_cast<jsErrCode>(0);
  ASSERT_EQ(stream.Publish("mine-1", "0", nullptr, &code), 1u);
  ASSERT_EQ(stream.Publish("mine-2", nullptr, "mine-1", &code), 2u);
  ASSERT_EQ(stream.Publish("mine-3", nullptr, "mine-2", &code), 3u);
  // Another replica appends at 4 (its own chain's first publish).
  ASSERT_EQ(stream.Publish("theirs-4", "3", nullptr, &code), 4u);
  // This replica's round went on after "mine-3": refused, and so is the
  // link behind the refused one.
  EXPECT_EQ(stream.Publish("mine-4", nullptr, "mine-3", &code), 0u);
  EXPECT_EQ(code, JSStreamWrongLastMsgIDErr);
  EXPECT_EQ(stream.Publish("mine-5", nullptr, "mine-4", &code), 0u);
  EXPECT_EQ(code, JSStreamWrongLastMsgIDErr);
  // A message without an id at 5: nothing chained to 4 is stored now.
  ASSERT_EQ(stream.Publish(nullptr, nullptr, nullptr, &code), 5u);
  EXPECT_EQ(stream.Publish("theirs-6", nullptr, "theirs-4", &code), 0u);
  EXPECT_EQ(code, JSStreamWrongLastMsgIDErr);
  // A chain started again at the head links on as before.
  ASSERT_EQ(stream.Publish("mine-6", "5", nullptr, &code), 6u);
  EXPECT_EQ(stream.Publish("mine-7", nullptr, "mine-6", &code), 7u);
  // The same publish sent again is a duplicate, not a new last message:
  // the chain still links to 7.
  EXPECT_EQ(stream.Publish("mine-7", nullptr, "mine-6", &code), 7u);
  EXPECT_EQ(stream.Publish("mine-8", nullptr, "mine-7", &code), 8u);
}

}  // namespace
}  // namespace sitrep
