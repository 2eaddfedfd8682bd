// What the JetStream log does beyond the conformance suite: the stream is
// the truth, so a reopened log (a restarted sitrepd) and a second log on the
// same stream (another replica) agree with the first; the stream's
// duplicate window makes a publish idempotent; a stream sitrep cannot use
// is refused with a message that says what to do.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "server/incident/tiers.h"
#include "nats/nats.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "server/runtime/clock.h"
#include "server/situation/situation_index.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;
using ::sitrep::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

AppendRequest Report(const std::string& event_id) {
  return PatrolReport("kfor-ops", event_id);
}

AppendRequest IncidentUpdate(const std::string& event_id,
                             const std::string& incident_id, v1::Kind kind,
                             std::optional<uint64_t> expected = std::nullopt) {
  AppendRequest request;
  request.update = testing::NewIncident(incident_id);
  request.update.set_publisher("kp-north");
  request.update.set_event_id(event_id);
  request.update.set_kind(kind);
  request.expected_incident_version = expected;
  return request;
}

// A plain libnats connection with a JetStream context, for what the tests
// do to the stream behind the log's back.
class RawJetStream {
 public:
  explicit RawJetStream(const std::string& url) {
    EXPECT_EQ(natsConnection_ConnectTo(&nc_, url.c_str()), NATS_OK);
    EXPECT_EQ(natsConnection_JetStream(&js_, nc_, nullptr), NATS_OK);
  }
  ~RawJetStream() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }
  jsCtx* js() { return js_; }

  uint64_t LastSequence(const std::string& stream) {
    jsStreamInfo* info = nullptr;
    EXPECT_EQ(js_GetStreamInfo(&info, js_, stream.c_str(), nullptr, nullptr),
              NATS_OK);
    const uint64_t last = info != nullptr ? info->State.LastSeq : 0;
    jsStreamInfo_Destroy(info);
    return last;
  }

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

class JetStreamLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    const JetStreamOptions own = testing::StreamOfItsOwn("replicas");
    stream_ = own.stream;
    prefix_ = own.subject_prefix;
  }

  JetStreamOptions Options() {
    JetStreamOptions options;
    options.nats_url = SharedNatsServer()->url();
    options.stream = stream_;
    options.subject_prefix = prefix_;
    options.clock = &clock_;
    return options;
  }

  std::unique_ptr<EventLog> Open(JetStreamOptions options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }
  std::unique_ptr<EventLog> Open() { return Open(Options()); }

  uint64_t AppendOk(EventLog* log, AppendRequest request) {
    absl::StatusOr<AppendResult> result =
        AppendOneAndWait(log, std::move(request));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->entry->sequence() : 0;
  }

  FakeClock clock_;
  std::string stream_;
  std::string prefix_;
};

TEST_F(JetStreamLogTest, ReopenKeepsSequencesLogIdIncidentsAndDedupe) {
  std::string log_id;
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    log_id = log->log_id();
    AppendOk(log.get(), Report("r1"));
    AppendOk(log.get(), IncidentUpdate("i1", "INC-1", v1::KIND_NEW));
    AppendOk(log.get(), IncidentUpdate("i2", "INC-1", v1::KIND_UPDATE));
    AppendOk(log.get(), IncidentUpdate("j1", "INC-2", v1::KIND_NEW));
    AppendOk(log.get(), IncidentUpdate("j2", "INC-2", v1::KIND_RESOLVE));
    RetentionPolicy policy;
    policy.max_updates = 3;
    ASSERT_THAT(log->ApplyRetention(policy, clock_.Now()), IsOk());
    ASSERT_EQ(log->Oldest(), 3u);
    log->Close();
  }
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_id(), log_id);
  EXPECT_EQ(log->Head(), 5u);
  EXPECT_EQ(log->Oldest(), 3u);
  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  EXPECT_EQ(open->head, 5u);
  ASSERT_EQ(open->incidents.size(), 1u);
  EXPECT_EQ(open->incidents[0]->incident_id, "INC-1");
  EXPECT_EQ(open->incidents[0]->version, 2u);
  // From the snapshot taken before retention removed the NEW update.
  EXPECT_EQ(open->incidents[0]->state.opened_sequence(), 2u);
  EXPECT_EQ(open->incidents[0]->state.lead().tier(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(open->incidents[0]->latest->sequence(), 3u);

  // A retained event is still a duplicate; the incident rules go on.
  absl::StatusOr<AppendResult> again =
      AppendOneAndWait(log.get(), IncidentUpdate("i2", "INC-1", v1::KIND_UPDATE));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 3u);
  absl::StatusOr<AppendResult> next = AppendOneAndWait(
      log.get(), IncidentUpdate("i3", "INC-1", v1::KIND_UPDATE, 2));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->entry->sequence(), 6u);
  EXPECT_EQ(next->entry->update.incident_version(), 3u);
  EXPECT_THAT(AppendOneAndWait(log.get(),
                               IncidentUpdate("j3", "INC-2", v1::KIND_UPDATE)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is closed"));
}

TEST_F(JetStreamLogTest, IncidentsWhoseUpdatesAreAllRemovedSurviveReopen) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    AppendOk(log.get(), IncidentUpdate("a1", "INC-A", v1::KIND_NEW));
    AppendOk(log.get(), IncidentUpdate("a2", "INC-A", v1::KIND_REQUEST_SUPPORT));
    AppendOk(log.get(), IncidentUpdate("b1", "INC-B", v1::KIND_NEW));
    AppendOk(log.get(), IncidentUpdate("b2", "INC-B", v1::KIND_CANCEL));
    RetentionPolicy everything;
    everything.max_age = absl::ZeroDuration();
    clock_.Advance(absl::Seconds(1));
    ASSERT_THAT(log->ApplyRetention(everything, clock_.Now()), IsOk());
    ASSERT_EQ(log->Oldest(), 5u);
    // Snapshots are written again only for records that changed since.
    AppendRequest acknowledge =
        IncidentUpdate("a3", "INC-A", v1::KIND_ACKNOWLEDGE);
    acknowledge.update.set_mission(v1::MISSION_EULEX);
    acknowledge.update.set_role(v1::ROLE_SECOND_RESPONDER);
    AppendOk(log.get(), std::move(acknowledge));
    clock_.Advance(absl::Seconds(1));
    ASSERT_THAT(log->ApplyRetention(everything, clock_.Now()), IsOk());
    ASSERT_EQ(log->Oldest(), 6u);
  }
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Head(), 5u);
  EXPECT_EQ(log->Oldest(), 6u);
  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 1u);
  const IncidentRecord& a = *open->incidents[0];
  EXPECT_EQ(a.incident_id, "INC-A");
  EXPECT_EQ(a.version, 3u);
  EXPECT_EQ(a.latest->sequence(), 5u);
  EXPECT_EQ(a.state.opened_sequence(), 1u);
  ASSERT_EQ(a.state.support_requests_size(), 1);
  EXPECT_EQ(a.state.support_requests(0).state(),
            v1::SupportRequest::STATE_ACKNOWLEDGED);
  EXPECT_EQ(a.state.location().municipality(), "Mitrovicë");
  ASSERT_NE(a.latest->previous, nullptr);
  EXPECT_EQ(a.latest->previous->sequence(), 2u);
  // The closed incident is still known: its id cannot be opened again.
  EXPECT_THAT(AppendOneAndWait(log.get(),
                               IncidentUpdate("b3", "INC-B", v1::KIND_NEW)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
  absl::StatusOr<AppendResult> next = AppendOneAndWait(
      log.get(), IncidentUpdate("a4", "INC-A", v1::KIND_UPDATE, 3));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->entry->update.incident_version(), 4u);
}

TEST_F(JetStreamLogTest, LosingNatsFailsAppendsAndTheTailResumesByItself) {
  // A server of its own, to kill and restart.
  absl::StatusOr<std::unique_ptr<testing::NatsServer>> nats =
      testing::NatsServer::Start();
  ASSERT_THAT(nats, IsOk());
  RecordingAppendListener listener;
  JetStreamOptions options = Options();
  options.nats_url = (*nats)->url();
  options.request_timeout = absl::Seconds(1);
  options.tail_heartbeat = absl::Milliseconds(250);
  options.on_connection_change = [&listener](bool connected) {
    listener.OnConnection(connected);
  };
  std::unique_ptr<EventLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  log->SetAppendListener(&listener);
  ASSERT_EQ(AppendOk(log.get(), Report("before")), 1u);

  (*nats)->Kill();
  ASSERT_TRUE(listener.WaitForConnectionEvents(1));
  EXPECT_THAT(listener.connection_events(), ElementsAreArray({false}));
  EXPECT_THAT(AppendOneAndWait(log.get(), Report("during")),
              StatusIs(absl::StatusCode::kUnavailable, "NATS"));
  EXPECT_EQ(log->Head(), 1u);

  ASSERT_THAT((*nats)->Restart(), IsOk());
  ASSERT_TRUE(listener.WaitForConnectionEvents(2));
  EXPECT_THAT(listener.connection_events(), ElementsAreArray({false, true}));
  // The append completes only once the tail applied it: the tail is back.
  EXPECT_EQ(AppendOk(log.get(), Report("after")), 2u);
  EXPECT_THAT(listener.sequences(), ElementsAreArray({1u, 2u}));
  // The update refused during the outage may be sent again.
  EXPECT_EQ(AppendOk(log.get(), Report("during")), 3u);
  log->SetAppendListener(nullptr);
}

TEST_F(JetStreamLogTest, StreamDuplicateWindowMakesAResentPublishIdempotent) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  absl::StatusOr<AppendResult> stored =
      AppendOneAndWait(log.get(), Report("once"));
  ASSERT_THAT(stored, IsOk());
  // The same publish sent again (a writer whose ack got lost): JetStream
  // answers with the original. Its Nats-Msg-Id starts with JetStreamMsgId.
  RawJetStream raw(SharedNatsServer()->url());
  natsMsg* stored_msg = nullptr;
  ASSERT_EQ(js_GetMsg(&stored_msg, raw.js(), stream_.c_str(), 1, nullptr,
                      nullptr),
            NATS_OK);
  const char* header = nullptr;
  ASSERT_EQ(natsMsgHeader_Get(stored_msg, "Nats-Msg-Id", &header), NATS_OK);
  const std::string msg_id = header;
  natsMsg_Destroy(stored_msg);
  EXPECT_EQ(msg_id.substr(0, 32),
            JetStreamMsgId(stored->entry->update).substr(0, 32));
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = msg_id.c_str();
  jsPubAck* ack = nullptr;
  const std::string subject = absl::StrCat(prefix_, ".kfor.x.y");
  ASSERT_EQ(js_Publish(&ack, raw.js(), subject.c_str(), "again", 5, &options,
                       nullptr),
            NATS_OK);
  EXPECT_TRUE(ack->Duplicate);
  EXPECT_EQ(ack->Sequence, 1u);
  jsPubAck_Destroy(ack);
  EXPECT_EQ(raw.LastSequence(stream_), 1u);
}

TEST_F(JetStreamLogTest, ExpectedLastSequenceZeroIsEnforced) {
  // The log's first append relies on the server refusing
  // Nats-Expected-Last-Sequence: 0 once the stream holds a message.
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  AppendOk(log.get(), Report("first"));
  RawJetStream raw(SharedNatsServer()->url());
  const std::string subject = absl::StrCat(prefix_, ".kfor.x.y");
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsMsg_Create(&msg, subject.c_str(), nullptr, "x", 1), NATS_OK);
  ASSERT_EQ(natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence", "0"), NATS_OK);
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  EXPECT_NE(js_PublishMsg(&ack, raw.js(), msg, nullptr, &code), NATS_OK);
  EXPECT_EQ(code, JSStreamWrongLastSequenceErr);
  jsPubAck_Destroy(ack);
  natsMsg_Destroy(msg);
  EXPECT_EQ(raw.LastSequence(stream_), 1u);
}

TEST_F(JetStreamLogTest, ReadsBeyondTheCacheComeFromTheStream) {
  JetStreamOptions options = Options();
  options.cache_entries = 2;
  std::unique_ptr<EventLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  std::vector<LogEntryPtr> appended;
  for (AppendRequest request :
       {IncidentUpdate("a", "INC-9", v1::KIND_NEW), Report("b"),
        IncidentUpdate("c", "INC-9", v1::KIND_UPDATE), Report("d"),
        Report("e")}) {
    absl::StatusOr<AppendResult> result =
        AppendOneAndWait(log.get(), std::move(request));
    ASSERT_THAT(result, IsOk());
    appended.push_back(result->entry);
  }
  absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read({});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), appended.size());
  for (size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ((*read)[i]->encoded, appended[i]->encoded) << i;
    EXPECT_EQ((*read)[i]->previous == nullptr,
              appended[i]->previous == nullptr)
        << i;
  }
  // The third update's previous is the incident's first, kept by the stream.
  ASSERT_NE((*read)[2]->previous, nullptr);
  EXPECT_EQ((*read)[2]->previous->sequence(), 1u);
  EXPECT_EQ((*read)[2]->previous->kind(), v1::KIND_NEW);
}

TEST_F(JetStreamLogTest, LongReadsBeyondTheCacheComeFromTheStreamInABatch) {
  JetStreamOptions options = Options();
  options.cache_entries = 2;
  std::unique_ptr<EventLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  std::vector<AppendRequest> batch;
  for (int i = 1; i <= 40; ++i) batch.push_back(Report(absl::StrCat("r", i)));
  std::vector<absl::StatusOr<AppendResult>> appended =
      AppendAndWait(log.get(), std::move(batch));
  ASSERT_EQ(appended.size(), 40u);
  auto sequences = [&](const ReadRange& range) {
    std::vector<uint64_t> out;
    absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read(range);
    EXPECT_THAT(read, IsOk());
    if (!read.ok()) return out;
    for (const LogEntryPtr& entry : *read) {
      EXPECT_EQ(entry->encoded, appended[entry->sequence() - 1]->entry->encoded);
      out.push_back(entry->sequence());
    }
    return out;
  };
  auto range = [](uint64_t from, uint64_t to) {
    std::vector<uint64_t> out;
    if (from <= to) {
      for (uint64_t s = from; s <= to; ++s) out.push_back(s);
    } else {
      for (uint64_t s = from; s >= to; --s) out.push_back(s);
    }
    return out;
  };
  EXPECT_EQ(sequences({}), range(1, 40));
  EXPECT_EQ(sequences({5, 100, false, 20}), range(5, 24));
  EXPECT_EQ(sequences({1, 40, true, 30}), range(40, 11));
  EXPECT_EQ(sequences({3, 38, true, 1000}), range(38, 3));
  RetentionPolicy policy;
  policy.max_updates = 25;
  ASSERT_THAT(log->ApplyRetention(policy, clock_.Now()), IsOk());
  EXPECT_EQ(sequences({}), range(16, 40));
  EXPECT_EQ(sequences({1, 40, true, 100}), range(40, 16));
}

TEST_F(JetStreamLogTest, StreamWithOtherSubjectsIsRefused) {
  RawJetStream raw(SharedNatsServer()->url());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream_.c_str();
  const std::string other = absl::StrCat(prefix_, ".orders.>");
  const char* subjects[] = {other.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  ASSERT_EQ(js_AddStream(nullptr, raw.js(), &config, nullptr, nullptr),
            NATS_OK);
  absl::StatusOr<std::unique_ptr<EventLog>> log =
      OpenJetStreamEventLog(Options());
  EXPECT_THAT(log, StatusIs(absl::StatusCode::kFailedPrecondition,
                            absl::StrCat("has subjects [", other,
                                         "]; sitrep needs exactly [", prefix_,
                                         ".*.*.*]")));
  EXPECT_THAT(log.status().message(), HasSubstr("choose another --stream"));
}

TEST_F(JetStreamLogTest, UnreachableNatsNamesTheFlag) {
  const testing::RefusingLoopbackPort port;
  JetStreamOptions options = Options();
  options.nats_url = absl::StrCat("nats://127.0.0.1:", port.port());
  EXPECT_THAT(OpenJetStreamEventLog(options),
              StatusIs(absl::StatusCode::kUnavailable,
                       absl::StrCat("cannot connect to NATS at '",
                                    options.nats_url, "' (--nats_url)")));
}

TEST_F(JetStreamLogTest, AnAppendOnOneReplicaReachesTheOthersListenerInOrder) {
  std::unique_ptr<EventLog> a = Open();
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->log_id(), b->log_id());
  RecordingAppendListener listener;
  b->SetAppendListener(&listener);
  std::vector<uint64_t> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back(AppendOk(a.get(), Report(absl::StrCat("r", i))));
  }
  ASSERT_TRUE(listener.WaitForSequence(20));
  EXPECT_THAT(listener.sequences(), ElementsAreArray(expected));
  EXPECT_EQ(b->Head(), 20u);
  absl::StatusOr<std::vector<LogEntryPtr>> read = b->Read({20, 20});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0]->update.event_id(), "r19");
  // B dedupes what A stored.
  absl::StatusOr<AppendResult> again = AppendOneAndWait(b.get(), Report("r3"));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 4u);
  b->SetAppendListener(nullptr);
}

// A situation index fed by a replica's log, as sitrepd's is; waits are
// bounded.
class IndexingListener : public AppendListener {
 public:
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override {
    index.Apply(entries, incidents);
    absl::MutexLock lock(&mu_);
    seen_ = entries.back()->sequence();
  }
  bool WaitForSequence(uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return seen_ >= sequence;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
  }

  SituationIndex index;

 private:
  absl::Mutex mu_;
  uint64_t seen_ ABSL_GUARDED_BY(mu_) = 0;
};

// One source of incident state on every replica: the index of a replica
// holds the very records its own log's tail folded, for updates appended
// by either replica, and they equal the other replica's records.
TEST_F(JetStreamLogTest, EveryReplicasIndexHoldsTheRecordsItsLogFolded) {
  std::unique_ptr<EventLog> a = Open();
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  IndexingListener on_a, on_b;
  a->SetAppendListener(&on_a);
  b->SetAppendListener(&on_b);
  AppendOk(a.get(), IncidentUpdate("i1", "INC-1", v1::KIND_NEW));
  AppendOk(b.get(), IncidentUpdate("j1", "INC-2", v1::KIND_NEW));
  AppendOk(a.get(), Report("r1"));
  AppendOk(a.get(), IncidentUpdate("i2", "INC-1", v1::KIND_UPDATE));
  const uint64_t opened_on_b =
      AppendOk(b.get(), IncidentUpdate("k1", "INC-3", v1::KIND_NEW));
  // Replica a resolves what b opened once its tail has seen the opening (a
  // replica decides against the stream as far as it has read it).
  ASSERT_TRUE(on_a.WaitForSequence(opened_on_b));
  AppendOk(a.get(), IncidentUpdate("k2", "INC-3", v1::KIND_RESOLVE));
  ASSERT_TRUE(on_b.WaitForSequence(6));

  absl::StatusOr<EventLog::OpenIncidents> open = b->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  const SituationIndex::Snapshot taken = on_b.index.TakeAll();
  ASSERT_EQ(taken.incidents.size(), 2u);
  ASSERT_EQ(open->incidents.size(), 2u);
  for (size_t i = 0; i < taken.incidents.size(); ++i) {
    const IncidentRecordPtr& record = taken.incidents[i].record;
    EXPECT_EQ(record.get(), open->incidents[i].get()) << record->incident_id;
    absl::StatusOr<std::optional<IncidentRecord>> on_a =
        a->LoadIncident(record->incident_id);
    ASSERT_THAT(on_a, IsOk());
    ASSERT_TRUE(on_a->has_value());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        ToIncidentProto(**on_a), ToIncidentProto(*record)))
        << record->incident_id;
  }
  b->SetAppendListener(nullptr);
}

// A clock that tells when it is first read: the JetStream log reads its
// clock only when its writer decides a request (for its received_at).
class FirstReadSignallingClock final : public Clock {
 public:
  absl::Time Now() const override {
    // Read by the log's one writer thread only.
    if (!read_.HasBeenNotified()) read_.Notify();
    return clock_.Now();
  }
  bool WaitForFirstRead() const {
    return read_.WaitForNotificationWithTimeout(absl::Seconds(30));
  }

 private:
  mutable absl::Notification read_;
  FakeClock clock_;
};

// Read-your-writes across replicas: an incident opened through replica a
// can be resolved through replica b at once. b decides against the stream
// as far as its tail has read it; a refusal on "does not exist" (or any
// incident rule) makes it read to the stream's head and decide again.
// b's tail is held (hold_tail_until_listener, no listener yet) until b's
// writer has decided once, so b surely decides before it read the opening.
TEST_F(JetStreamLogTest, AnIncidentOpenedOnOneReplicaCanBeResolvedAtOnceOnAnother) {
  // Declared before b: b's callback may run until b is gone.
  absl::Notification answered;
  absl::StatusOr<AppendResult> resolved = absl::UnknownError("not answered");
  std::unique_ptr<EventLog> a = Open();
  FirstReadSignallingClock b_clock;
  JetStreamOptions b_options = Options();
  b_options.clock = &b_clock;
  b_options.hold_tail_until_listener = true;
  std::unique_ptr<EventLog> b = Open(b_options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const uint64_t opened = AppendOk(a.get(), IncidentUpdate("o1", "INC-RYW", v1::KIND_NEW));
  EXPECT_LT(b->Head(), opened);

  std::vector<AppendRequest> batch;
  batch.push_back(IncidentUpdate("o2", "INC-RYW", v1::KIND_RESOLVE));
  b->Append(std::move(batch),
            [&](std::vector<absl::StatusOr<AppendResult>> results) {
              if (results.size() == 1) resolved = std::move(results[0]);
              answered.Notify();
            });
  ASSERT_TRUE(b_clock.WaitForFirstRead());
  RecordingAppendListener listener;
  b->SetAppendListener(&listener);
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(30)));
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->entry->sequence(), opened + 1);
  EXPECT_EQ(resolved->entry->update.incident_version(), 2u);
  b->SetAppendListener(nullptr);
}

TEST_F(JetStreamLogTest, HeldTailAddsUpWithWhatWasLoadedBeforeTheListener) {
  std::unique_ptr<EventLog> writer = Open();
  ASSERT_NE(writer, nullptr);
  AppendOk(writer.get(), Report("r0"));
  JetStreamOptions options = Options();
  options.hold_tail_until_listener = true;
  std::unique_ptr<EventLog> replica = Open(options);
  ASSERT_NE(replica, nullptr);
  // Open replays what was there, hold or not.
  EXPECT_EQ(replica->Head(), 1u);
  for (int i = 1; i < 4; ++i) AppendOk(writer.get(), Report(absl::StrCat("r", i)));
  // As sitrepd starts: load the situation, then attach the listener. What
  // the load saw and what the listener hears add up to every update once.
  absl::StatusOr<EventLog::OpenIncidents> loaded = replica->LoadOpenIncidents();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->head, 1u);
  RecordingAppendListener listener;
  replica->SetAppendListener(&listener);
  for (int i = 4; i < 6; ++i) AppendOk(writer.get(), Report(absl::StrCat("r", i)));
  ASSERT_TRUE(listener.WaitForSequence(6));
  EXPECT_THAT(listener.sequences(), ElementsAreArray({2u, 3u, 4u, 5u, 6u}));
  replica->SetAppendListener(nullptr);
}

TEST_F(JetStreamLogTest, ConcurrentAppendsOnTwoReplicasKeepIncidentsDense) {
  std::unique_ptr<EventLog> a = Open();
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RecordingAppendListener listener_a, listener_b;
  a->SetAppendListener(&listener_a);
  b->SetAppendListener(&listener_b);
  ASSERT_EQ(AppendOk(a.get(), IncidentUpdate("open", "INC-C", v1::KIND_NEW)),
            1u);
  ASSERT_TRUE(listener_b.WaitForSequence(1));

  // Both replicas append to the same incident at once, without expected
  // versions: every update is stored once, the versions stay dense.
  constexpr int kEach = 25;
  auto writer = [](EventLog* log, const std::string& name) {
    for (int i = 0; i < kEach; ++i) {
      absl::StatusOr<AppendResult> result = AppendOneAndWait(
          log, IncidentUpdate(absl::StrCat(name, i), "INC-C", v1::KIND_UPDATE));
      EXPECT_THAT(result, IsOk()) << name << i;
    }
  };
  std::thread on_a(writer, a.get(), "a");
  std::thread on_b(writer, b.get(), "b");
  on_a.join();
  on_b.join();

  // Both replicas converge on one history (each tail may still be applying
  // the other's last appends).
  ASSERT_TRUE(listener_a.WaitForSequence(1 + 2 * kEach));
  ASSERT_TRUE(listener_b.WaitForSequence(1 + 2 * kEach));
  for (EventLog* log : {a.get(), b.get()}) {
    EXPECT_EQ(log->Head(), 1u + 2 * kEach);
    absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read({});
    ASSERT_THAT(read, IsOk());
    ASSERT_EQ(read->size(), 1u + 2 * kEach);
    for (size_t i = 0; i < read->size(); ++i) {
      EXPECT_EQ((*read)[i]->sequence(), i + 1);
      EXPECT_EQ((*read)[i]->update.incident_version(), i + 1);
    }
    absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
    ASSERT_THAT(open, IsOk());
    ASSERT_EQ(open->incidents.size(), 1u);
    EXPECT_EQ(open->incidents[0]->version, 1u + 2 * kEach);
  }

  // The same expected version on both replicas at once: exactly one wins.
  const uint64_t version = 1 + 2 * kEach;
  absl::StatusOr<AppendResult> result_a, result_b;
  std::thread close_a([&] {
    result_a = AppendOneAndWait(
        a.get(), IncidentUpdate("close-a", "INC-C", v1::KIND_RESOLVE, version));
  });
  std::thread close_b([&] {
    result_b = AppendOneAndWait(
        b.get(), IncidentUpdate("close-b", "INC-C", v1::KIND_RESOLVE, version));
  });
  close_a.join();
  close_b.join();
  EXPECT_NE(result_a.ok(), result_b.ok())
      << result_a.status() << " / " << result_b.status();
  const absl::Status& loser = result_a.ok() ? result_b.status() : result_a.status();
  EXPECT_THAT(loser, StatusIs(absl::StatusCode::kFailedPrecondition, ""));
  a->SetAppendListener(nullptr);
  b->SetAppendListener(nullptr);
}

// An incident snapshot as the JetStream log wrote it before the chain's
// rules (format 1): format, version, closed, support_requested,
// support_acknowledged, current_tier, peak_severity, latest, latest's
// previous, opening.
std::string LegacySnapshot(const IncidentRecord& record, v1::Role tier) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream s(&raw);
    auto put = [&s](const std::string& bytes) {
      s.WriteVarint32(static_cast<uint32_t>(bytes.size()));
      s.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
    };
    s.WriteVarint32(1);
    s.WriteVarint64(record.version);
    s.WriteVarint32(record.closed ? 1 : 0);
    s.WriteVarint32(1);
    s.WriteVarint32(1);
    s.WriteVarint32(static_cast<uint32_t>(tier));
    s.WriteVarint32(static_cast<uint32_t>(v1::SEVERITY_SEVERE));
    put(record.latest->update.SerializeAsString());
    put(std::string());
    v1::SituationUpdate opening;
    opening.set_mission(v1::MISSION_KOSOVO_POLICE);
    opening.set_kind(v1::KIND_NEW);
    put(opening.SerializeAsString());
  }
  return out;
}

// A replica that finds snapshots written before the chain's rules re-derives
// the incident from its thread when the stream still has the thread's first
// update, and from the old summary otherwise.
TEST_F(JetStreamLogTest, SnapshotsWrittenBeforeTheChainRulesAreRederived) {
  auto step = [](const std::string& event_id, const std::string& id,
                 v1::Mission mission, v1::Kind kind) {
    AppendRequest request = IncidentUpdate(event_id, id, kind);
    request.update.set_mission(mission);
    request.update.set_role(TierOfMission(mission));
    return request;
  };
  std::optional<IncidentRecord> whole, partial;
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    // OLD-1 loses its first update to retention, OLD-2 keeps its thread.
    AppendOk(log.get(), step("o1", "OLD-1", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW));
    AppendOk(log.get(), step("o2", "OLD-1", v1::MISSION_KOSOVO_POLICE, v1::KIND_UPDATE));
    RetentionPolicy one;
    one.max_updates = 1;
    ASSERT_THAT(log->ApplyRetention(one, clock_.Now()), IsOk());
    ASSERT_EQ(log->Oldest(), 2u);
    AppendOk(log.get(), step("n1", "OLD-2", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW));
    AppendOk(log.get(), step("n2", "OLD-2", v1::MISSION_KOSOVO_POLICE,
                             v1::KIND_REQUEST_SUPPORT));
    AppendOk(log.get(), step("n3", "OLD-2", v1::MISSION_EULEX, v1::KIND_ACKNOWLEDGE));
    AppendOk(log.get(), step("n4", "OLD-2", v1::MISSION_EULEX, v1::KIND_ESCALATE));
    absl::StatusOr<std::optional<IncidentRecord>> record =
        log->LoadIncident("OLD-1");
    ASSERT_THAT(record, IsOk());
    partial = **record;
    record = log->LoadIncident("OLD-2");
    ASSERT_THAT(record, IsOk());
    whole = **record;
  }
  // Write both snapshots in the old format, as the previous sitrepd did.
  RawJetStream raw(SharedNatsServer()->url());
  kvStore* kv = nullptr;
  ASSERT_EQ(js_KeyValue(&kv, raw.js(), absl::StrCat(stream_, "_INCIDENTS").c_str()),
            NATS_OK);
  for (const auto& [record, tier] :
       {std::pair{&*partial, v1::ROLE_SECOND_RESPONDER},
        std::pair{&*whole, v1::ROLE_SECOND_RESPONDER}}) {
    const std::string value = LegacySnapshot(*record, tier);
    uint64_t revision = 0;
    ASSERT_EQ(kvStore_Put(&revision, kv,
                          absl::BytesToHexString(record->incident_id).c_str(),
                          value.data(), static_cast<int>(value.size())),
              NATS_OK);
  }
  kvStore_Destroy(kv);

  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  absl::StatusOr<std::optional<IncidentRecord>> replayed =
      log->LoadIncident("OLD-2");
  ASSERT_THAT(replayed, IsOk());
  ASSERT_TRUE(replayed->has_value());
  EXPECT_FALSE((*replayed)->legacy);
  EXPECT_EQ((*replayed)->state.SerializeAsString(),
            whole->state.SerializeAsString())
      << "replayed from its thread, exactly as folded at append";
  absl::StatusOr<std::optional<IncidentRecord>> summarised =
      log->LoadIncident("OLD-1");
  ASSERT_THAT(summarised, IsOk());
  ASSERT_TRUE(summarised->has_value());
  EXPECT_TRUE((*summarised)->legacy);
  EXPECT_EQ((*summarised)->state.lead().tier(), v1::ROLE_SECOND_RESPONDER)
      << "the old summary's tier: its thread start is gone";
  EXPECT_EQ((*summarised)->version, 2u);
  // The next snapshot round (before retention removes anything) stores
  // both in the current format.
  RetentionPolicy four;
  four.max_updates = 4;
  ASSERT_THAT(log->ApplyRetention(four, clock_.Now()), IsOk());
  ASSERT_EQ(log->Oldest(), 3u);
  log.reset();
  log = Open();
  ASSERT_NE(log, nullptr);
  summarised = log->LoadIncident("OLD-1");
  ASSERT_THAT(summarised, IsOk());
  EXPECT_FALSE((*summarised)->legacy);
  EXPECT_EQ((*summarised)->state.lead().tier(), v1::ROLE_SECOND_RESPONDER);
}

// The chain's rules hold across replicas: EULEX escalating on two replicas
// at once (two operators, no expected version) stores one ESCALATE; the
// other replica re-decides against the new head and refuses its own.
TEST_F(JetStreamLogTest, TwoReplicasRacingToEscalateOneIncidentOneWins) {
  std::unique_ptr<EventLog> a = Open();
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RecordingAppendListener listener_b;
  b->SetAppendListener(&listener_b);
  auto step = [](const std::string& event_id, v1::Mission mission,
                 v1::Kind kind) {
    AppendRequest request = IncidentUpdate(event_id, "INC-E", kind);
    request.update.set_mission(mission);
    request.update.set_role(TierOfMission(mission));
    request.update.set_publisher(absl::StrCat(v1::Mission_Name(mission), "-ops"));
    return request;
  };
  for (int race = 0; race < 5; ++race) {
    const std::string id = absl::StrCat("INC-E", race);
    auto on = [&](const std::string& event_id, v1::Mission mission,
                  v1::Kind kind) {
      AppendRequest request = step(event_id, mission, kind);
      request.update.set_incident_id(id);
      return request;
    };
    AppendOk(a.get(), on(id + "-new", v1::MISSION_KOSOVO_POLICE, v1::KIND_NEW));
    AppendOk(a.get(), on(id + "-ask", v1::MISSION_KOSOVO_POLICE,
                         v1::KIND_REQUEST_SUPPORT));
    const uint64_t acked =
        AppendOk(a.get(), on(id + "-ack", v1::MISSION_EULEX, v1::KIND_ACKNOWLEDGE));
    ASSERT_TRUE(listener_b.WaitForSequence(acked));
    absl::StatusOr<AppendResult> result_a, result_b;
    std::thread escalate_a([&] {
      result_a = AppendOneAndWait(
          a.get(), on(id + "-esc-a", v1::MISSION_EULEX, v1::KIND_ESCALATE));
    });
    std::thread escalate_b([&] {
      result_b = AppendOneAndWait(
          b.get(), on(id + "-esc-b", v1::MISSION_EULEX, v1::KIND_ESCALATE));
    });
    escalate_a.join();
    escalate_b.join();
    ASSERT_NE(result_a.ok(), result_b.ok())
        << result_a.status() << " / " << result_b.status();
    const absl::Status& loser =
        result_a.ok() ? result_b.status() : result_a.status();
    EXPECT_THAT(loser, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "chain rule 'escalate-upward'"));
    // b's tail may still be applying a's winning update.
    ASSERT_TRUE(listener_b.WaitForSequence(acked + 1));
    absl::StatusOr<std::optional<IncidentRecord>> on_b = b->LoadIncident(id);
    ASSERT_THAT(on_b, IsOk());
    EXPECT_EQ((*on_b)->version, 4u);
    EXPECT_EQ((*on_b)->state.lead().tier(), v1::ROLE_SECOND_RESPONDER);
  }
  b->SetAppendListener(nullptr);
}

// Two replicas append batches at once, so that the other's publishes land
// in the middle of a chained round now and then (long batches make it
// likelier): only a round's last publish is answered, and what was stored
// before the refusal is the prefix the tail took back. Every update is stored exactly once, at the sequence its
// result names, and never answered as a duplicate.
TEST_F(JetStreamLogTest, BatchesRacingOnTwoReplicasAreStoredOnceWhereAnswered) {
  std::unique_ptr<EventLog> a = Open();
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kBatches = 4;
  constexpr int kPerBatch = 250;
  std::vector<std::pair<std::string, uint64_t>> stored_a, stored_b;
  auto writer = [](EventLog* log, const std::string& name,
                   std::vector<std::pair<std::string, uint64_t>>* stored) {
    for (int k = 0; k < kBatches; ++k) {
      std::vector<AppendRequest> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        batch.push_back(Report(absl::StrCat(name, "-", k, "-", i)));
      }
      for (absl::StatusOr<AppendResult>& result :
           AppendAndWait(log, std::move(batch))) {
        ASSERT_THAT(result, IsOk());
        EXPECT_FALSE(result->duplicate);
        stored->emplace_back(result->entry->update.event_id(),
                             result->entry->sequence());
      }
    }
  };
  std::thread on_a(writer, a.get(), "a", &stored_a);
  std::thread on_b(writer, b.get(), "b", &stored_b);
  on_a.join();
  on_b.join();
  constexpr uint64_t kAll = 2 * kBatches * kPerBatch;
  std::unique_ptr<EventLog> reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Head(), kAll);
  std::vector<LogEntryPtr> all;
  for (uint64_t first = 1; first <= kAll; first += 500) {
    absl::StatusOr<std::vector<LogEntryPtr>> read =
        reader->Read({first, std::min(first + 499, kAll)});
    ASSERT_THAT(read, IsOk());
    all.insert(all.end(), read->begin(), read->end());
  }
  ASSERT_EQ(all.size(), kAll);
  for (const auto* stored : {&stored_a, &stored_b}) {
    for (const auto& [event_id, sequence] : *stored) {
      ASSERT_GE(sequence, 1u);
      ASSERT_LE(sequence, kAll);
      EXPECT_EQ(all[sequence - 1]->update.event_id(), event_id);
    }
  }
  EXPECT_EQ(stored_a.size() + stored_b.size(), kAll);
}

// The replica that appends keeps the entry its appender got (the tail
// recognises its own publish and does not decode and cache a copy); a
// replica opened after it decodes the same entry from the stream.
TEST_F(JetStreamLogTest, TheAppendingReplicaKeepsItsOwnEntryTheOtherDecodesIt) {
  std::unique_ptr<EventLog> a = Open();
  ASSERT_NE(a, nullptr);
  AppendOk(a.get(), IncidentUpdate("o1", "INC-O", v1::KIND_NEW));
  absl::StatusOr<AppendResult> second =
      AppendOneAndWait(a.get(), IncidentUpdate("o2", "INC-O", v1::KIND_UPDATE));
  ASSERT_THAT(second, IsOk());
  const LogEntryPtr& appended = second->entry;
  ASSERT_NE(appended->previous, nullptr);
  absl::StatusOr<std::vector<LogEntryPtr>> on_a = a->Read({2, 2});
  ASSERT_THAT(on_a, IsOk());
  ASSERT_EQ(on_a->size(), 1u);
  EXPECT_EQ((*on_a)[0].get(), appended.get());
  std::unique_ptr<EventLog> b = Open();
  ASSERT_NE(b, nullptr);
  absl::StatusOr<std::vector<LogEntryPtr>> on_b = b->Read({2, 2});
  ASSERT_THAT(on_b, IsOk());
  ASSERT_EQ(on_b->size(), 1u);
  const LogEntry& decoded = *(*on_b)[0];
  EXPECT_NE(&decoded, appended.get());
  EXPECT_EQ(decoded.encoded, appended->encoded);
  ASSERT_NE(decoded.previous, nullptr);
  EXPECT_EQ(decoded.previous->SerializeAsString(),
            appended->previous->SerializeAsString());
  EXPECT_EQ(decoded.missions, appended->missions);
}

}  // namespace
}  // namespace sitrep
