// Issue 22 on JetStream: a stream is not rewritten when CATEGORY_EXERCISE
// became status EXERCISE; its old rows are upgraded as they are read
// (DecodeLogEntry). Rows are published here exactly as an older sitrepd
// wrote them (the update's encoding as the body, Nats-Msg-Id, the expected
// last sequence, Sitrep-Previous), then read back by the log and by a
// sitrepd replica on a real nats-server.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nats/nats.h"
#include "server/log/append_rules.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/log_entry.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;

// The rows of a stream written before the status existed: an exercise
// (category CATEGORY_EXERCISE, no status) opened and followed up, and a
// real incident in between.
class JetStreamExerciseUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    stream_ = StreamOfItsOwn("exercise");
    // The log creates the stream (its subjects, its log id); the rows go in
    // behind its back once it is closed.
    ASSERT_THAT(OpenJetStreamEventLog(stream_), IsOk());
    ASSERT_EQ(natsConnection_ConnectTo(&nc_, stream_.nats_url.c_str()), NATS_OK);
    ASSERT_EQ(natsConnection_JetStream(&js_, nc_, nullptr), NATS_OK);
  }
  void TearDown() override {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }

  // `update` as stored at `sequence` (version `incident_version`) by an
  // older sitrepd.
  static v1::SituationUpdate Old(v1::SituationUpdate update,
                                 const std::string& event_id, bool exercise,
                                 uint64_t sequence, uint64_t incident_version) {
    update.set_publisher("kp-north");
    update.set_event_id(event_id);
    update.mutable_location()->set_municipality("mitrovice");
    if (exercise) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      update.set_category(v1::CATEGORY_EXERCISE);
#pragma GCC diagnostic pop
    }
    SetServerFields(sequence, absl::Now(), incident_version, &update);
    return update;
  }

  // Publishes `update` as JetStreamEventLog::Publish did before issue 22.
  void PublishRow(const v1::SituationUpdate& update,
                  const v1::SituationUpdate* previous = nullptr) {
    const std::string subject =
        absl::StrCat(stream_.subject_prefix, ".kosovo_police.first_responder.moderate");
    const std::string body = update.SerializeAsString();
    natsMsg* msg = nullptr;
    ASSERT_EQ(natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(),
                             static_cast<int>(body.size())),
              NATS_OK);
    const std::string msg_id = JetStreamMsgId(update);
    const std::string expected = absl::StrCat(update.sequence() - 1);
    EXPECT_EQ(natsMsgHeader_Set(msg, "Nats-Msg-Id", msg_id.c_str()), NATS_OK);
    EXPECT_EQ(natsMsgHeader_Set(msg, "Nats-Expected-Last-Sequence",
                                expected.c_str()),
              NATS_OK);
    if (previous != nullptr) {
      const std::string encoded =
          absl::Base64Escape(FilterView(*previous)->SerializeAsString());
      EXPECT_EQ(natsMsgHeader_Set(msg, "Sitrep-Previous", encoded.c_str()),
                NATS_OK);
    }
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    EXPECT_EQ(js_PublishMsg(&ack, js_, msg, nullptr, &code), NATS_OK) << code;
    if (ack != nullptr) {
      EXPECT_EQ(ack->Sequence, update.sequence());
    }
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(msg);
  }

  // EX-1 opened (1), REAL-1 opened (2), EX-1 followed up (3).
  void PublishOldRows() {
    const v1::SituationUpdate opened =
        Old(NewIncident("EX-1"), "ex-open", true, 1, 1);
    PublishRow(opened);
    PublishRow(Old(NewIncident("REAL-1"), "real-open", false, 2, 1));
    v1::SituationUpdate follow_up = NewIncident("EX-1");
    follow_up.set_kind(v1::KIND_UPDATE);
    follow_up.set_headline("Exercise: crowd dispersing");
    PublishRow(Old(follow_up, "ex-update", true, 3, 2), &opened);
  }

  JetStreamOptions stream_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

std::vector<std::string> IncidentIds(const v1::Situation& situation) {
  std::vector<std::string> ids;
  for (const v1::Incident& incident : situation.incidents()) {
    ids.push_back(incident.incident_id());
  }
  return ids;
}

TEST_F(JetStreamExerciseUpgradeTest, OldExerciseRowsReadAsStatusExercise) {
  ASSERT_NO_FATAL_FAILURE(PublishOldRows());
  absl::StatusOr<std::unique_ptr<EventLog>> log = OpenJetStreamEventLog(stream_);
  ASSERT_THAT(log, IsOk());

  // Read: each row as upgraded, the previous update in the header too.
  absl::StatusOr<std::vector<LogEntryPtr>> read = (*log)->Read({});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), 3u);
  std::vector<v1::Status> statuses;
  std::vector<v1::Category> categories;
  for (const LogEntryPtr& entry : *read) {
    statuses.push_back(entry->update.status());
    categories.push_back(entry->update.category());
  }
  EXPECT_THAT(statuses, ElementsAre(v1::STATUS_EXERCISE, v1::STATUS_UNSPECIFIED,
                                    v1::STATUS_EXERCISE));
  EXPECT_THAT(categories,
              ElementsAre(v1::CATEGORY_OTHER, v1::CATEGORY_CIVIL_DISTURBANCE,
                          v1::CATEGORY_OTHER));
  ASSERT_NE((*read)[2]->previous, nullptr);
  EXPECT_EQ((*read)[2]->previous->status(), v1::STATUS_EXERCISE);
  // What subscribers are sent is the upgraded update, not the stored bytes.
  v1::SituationUpdate sent;
  ASSERT_TRUE(sent.ParseFromString((*read)[0]->encoded));
  EXPECT_EQ(sent.status(), v1::STATUS_EXERCISE);

  // The incidents replayed from the stream.
  absl::StatusOr<EventLog::OpenIncidents> open = (*log)->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 2u);
  for (const IncidentRecordPtr& shared : open->incidents) {
    const IncidentRecord& record = *shared;
    const bool exercise = record.incident_id == "EX-1";
    EXPECT_EQ(record.latest->update.status(),
              exercise ? v1::STATUS_EXERCISE : v1::STATUS_UNSPECIFIED)
        << record.incident_id;
    EXPECT_EQ(record.state.category(), exercise ? v1::CATEGORY_OTHER
                                                : v1::CATEGORY_CIVIL_DISTURBANCE)
        << record.incident_id;
  }
  (*log)->Close();

  // A sitrepd replica on the stream: the default situation holds real
  // incidents only; the exercise is there for a filter on its status.
  TestServer server([this](ServerConfig& config) {
    config.store = StoreKind::kJetStream;
    config.jetstream = stream_;
  });
  std::unique_ptr<v1::SituationFeed::Stub> stub = server.NewStub();
  auto situation = [&stub](const v1::Filter& filter) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    v1::GetSituationRequest request;
    *request.mutable_filter() = filter;
    v1::Situation answer;
    const grpc::Status status = stub->GetSituation(&context, request, &answer);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return answer;
  };
  EXPECT_THAT(IncidentIds(situation({})), ElementsAre("REAL-1"));
  v1::Filter exercises;
  exercises.add_statuses(v1::STATUS_EXERCISE);
  const v1::Situation drills = situation(exercises);
  EXPECT_THAT(IncidentIds(drills), ElementsAre("EX-1"));
  if (drills.incidents_size() == 1) {
    EXPECT_EQ(drills.incidents(0).latest().status(), v1::STATUS_EXERCISE);
    EXPECT_EQ(drills.incidents(0).latest().sequence(), 3u);
  }
}

}  // namespace
}  // namespace sitrep::testing
