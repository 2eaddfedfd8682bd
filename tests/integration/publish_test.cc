// Publish and PublishStream against a real sitrepd: durability, idempotency,
// incident threads, and bad input that stores nothing.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/runtime/proto_time.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

class PublishTest : public ::testing::Test {
 protected:
  grpc::Status Publish(const v1::PublishRequest& request,
                       v1::PublishResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return stub_->Publish(&context, request, response);
  }
  grpc::Status Publish(const v1::SituationUpdate& update,
                       v1::PublishResponse* response) {
    v1::PublishRequest request;
    *request.mutable_update() = update;
    return Publish(request, response);
  }
  uint64_t Head() {
    grpc::ClientContext context;
    v1::ListUpdatesRequest request;
    v1::ListUpdatesResponse response;
    EXPECT_TRUE(stub_->ListUpdates(&context, request, &response).ok());
    return response.head_sequence();
  }

  TestServer server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
};

TEST_F(PublishTest, AssignsDenseSequencesAndServerFields) {
  v1::PublishResponse first, second;
  ASSERT_TRUE(Publish(PatrolUpdate(v1::MISSION_KFOR, "one"), &first).ok());
  ASSERT_TRUE(Publish(PatrolUpdate(v1::MISSION_EULEX, "two"), &second).ok());
  EXPECT_EQ(first.sequence(), 1u);
  EXPECT_EQ(second.sequence(), 2u);
  EXPECT_FALSE(first.duplicate());
  EXPECT_EQ(first.event_id().size(), 26u) << "a ULID is made when absent";
  EXPECT_EQ(first.log_id(), server_.server().log_id());
  EXPECT_TRUE(first.has_received_at());
}

TEST_F(PublishTest, PublisherIsSetByTheServerNotTheRequest) {
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
  update.set_publisher("somebody-else");
  update.set_sequence(999);
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(update, &response).ok());
  EXPECT_EQ(response.sequence(), 1u);
  grpc::ClientContext context;
  v1::ListUpdatesResponse page;
  ASSERT_TRUE(stub_->ListUpdates(&context, v1::ListUpdatesRequest(), &page).ok());
  ASSERT_EQ(page.updates_size(), 1);
  EXPECT_EQ(page.updates(0).publisher(), "anonymous");
  EXPECT_EQ(page.updates(0).sequence(), 1u);
}

TEST_F(PublishTest, SameEventIdAndContentIsADuplicateWithTheOriginalSequence) {
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR);
  update.set_event_id("kfor-patrol-0001");
  v1::PublishResponse first, again;
  ASSERT_TRUE(Publish(update, &first).ok());
  ASSERT_TRUE(Publish(PatrolUpdate(v1::MISSION_EULEX), &again).ok());
  ASSERT_TRUE(Publish(update, &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.sequence(), first.sequence());
  EXPECT_EQ(Head(), 2u) << "the duplicate stored nothing";
}

TEST_F(PublishTest, SameEventIdWithOtherContentIsAlreadyExists) {
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KFOR, "first");
  update.set_event_id("kfor-patrol-0002");
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(update, &response).ok());
  update.set_headline("something else");
  grpc::Status status = Publish(update, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("kfor-patrol-0002"));
  EXPECT_EQ(Head(), 1u);
}

TEST_F(PublishTest, MunicipalityIsNormalisedFromAnySpelling) {
  for (const char* spelling :
       {"Kosovska Mitrovica", "Mitrovicë", "MITROVICA", "Косовска Митровица"}) {
    v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
    update.mutable_location()->set_municipality(spelling);
    v1::PublishResponse response;
    ASSERT_TRUE(Publish(update, &response).ok()) << spelling;
  }
  grpc::ClientContext context;
  v1::ListUpdatesResponse page;
  ASSERT_TRUE(stub_->ListUpdates(&context, v1::ListUpdatesRequest(), &page).ok());
  ASSERT_EQ(page.updates_size(), 4);
  for (const auto& update : page.updates()) {
    EXPECT_EQ(update.location().municipality(), "mitrovice");
  }
}

struct BadInput {
  std::string name;
  std::string update_text;
  grpc::StatusCode code;
  std::string message;
};

class BadInputTest : public PublishTest,
                     public ::testing::WithParamInterface<BadInput> {};

TEST_P(BadInputTest, IsRejectedWithTheRightCodeAndStoresNothing) {
  v1::PublishRequest request = PublishRequestFromText(GetParam().update_text);
  v1::PublishResponse response;
  grpc::Status status = Publish(request, &response);
  EXPECT_EQ(status.error_code(), GetParam().code) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(GetParam().message));
  EXPECT_EQ(Head(), 0u);
}

constexpr char kValid[] =
    "mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER severity: SEVERITY_SEVERE "
    "category: CATEGORY_PUBLIC_ORDER headline: \"Roadblock\" ";

INSTANTIATE_TEST_SUITE_P(
    Publish, BadInputTest,
    ::testing::Values(
        BadInput{"NoUpdate", "", grpc::StatusCode::INVALID_ARGUMENT, "update"},
        BadInput{"NoMission",
                 "update { role: ROLE_THIRD_RESPONDER severity: SEVERITY_SEVERE "
                 "category: CATEGORY_PUBLIC_ORDER headline: \"x\" }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.mission"},
        BadInput{"UnknownMission",
                 "update { mission: 17 role: ROLE_THIRD_RESPONDER severity: "
                 "SEVERITY_SEVERE category: CATEGORY_PUBLIC_ORDER headline: "
                 "\"x\" }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.mission"},
        BadInput{"NoHeadline",
                 "update { mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER "
                 "severity: SEVERITY_SEVERE category: CATEGORY_PUBLIC_ORDER }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.headline"},
        BadInput{"UnknownMunicipality",
                 std::string("update { ") + kValid +
                     "location { municipality: \"Atlantis\" } }",
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "update.location.municipality"},
        BadInput{"KindWithoutIncident",
                 std::string("update { ") + kValid + "kind: KIND_UPDATE }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.kind"},
        BadInput{"ServerOnlyKind",
                 std::string("update { ") + kValid +
                     "incident_id: \"i-1\" kind: KIND_EXPIRED }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.kind"},
        BadInput{"UpdateOfUnknownIncident",
                 std::string("update { ") + kValid +
                     "incident_id: \"i-404\" kind: KIND_UPDATE }",
                 grpc::StatusCode::FAILED_PRECONDITION, "i-404"},
        BadInput{"FarFutureOccurredAt",
                 std::string("update { ") + kValid +
                     "occurred_at { seconds: 32503680000 } }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.occurred_at"},
        BadInput{"PointOutsideKosovo",
                 std::string("update { ") + kValid +
                     "location { point { latitude: 20.9 longitude: 42.6 } } }",
                 grpc::StatusCode::INVALID_ARGUMENT, "update.location.point"}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
      return info.param.name;
    });

TEST_F(PublishTest, InvalidArgumentCarriesABadRequestDetail) {
  v1::PublishResponse response;
  grpc::Status status =
      Publish(PublishRequestFromText("update { mission: MISSION_KFOR }"),
              &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // google.rpc.Status bytes with a BadRequest Any naming the field.
  EXPECT_THAT(status.error_details(),
              HasSubstr("type.googleapis.com/google.rpc.BadRequest"));
  EXPECT_THAT(status.error_details(), HasSubstr("update."));
}

TEST_F(PublishTest, IncidentThreadVersionsAndStaleExpectedVersionIsRefused) {
  v1::PublishResponse opened;
  ASSERT_TRUE(Publish(NewIncident("mitrovica-bridge-7"), &opened).ok());
  EXPECT_EQ(opened.incident_version(), 1u);

  // Two operators read version 1; the first one's update wins, the second
  // one is refused instead of silently overwriting it.
  v1::PublishRequest first = PublishRequestFromText(R"pb(
    update {
      mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
      severity: SEVERITY_SEVERE category: CATEGORY_CIVIL_DISTURBANCE
      incident_id: "mitrovica-bridge-7" kind: KIND_REQUEST_SUPPORT
      headline: "Crowd growing, requesting EULEX support"
    }
    expected_incident_version: 1
  )pb");
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(first, &response).ok());
  EXPECT_EQ(response.incident_version(), 2u);

  v1::PublishRequest stale = first;
  stale.mutable_update()->set_kind(v1::KIND_UPDATE);
  stale.mutable_update()->set_headline("Crowd dispersing");
  grpc::Status status = Publish(stale, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("version 2"));
  EXPECT_EQ(Head(), 2u);

  // NEW again on the same id is refused too.
  status = Publish(NewIncident("mitrovica-bridge-7"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PublishTest, PublishStreamAcksInOrderAndABadMessageDoesNotEndIt) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto stream = stub_->PublishStream(&context);
  constexpr int kCount = 500;
  std::thread writer([&] {
    for (int i = 0; i < kCount; ++i) {
      v1::PublishRequest request;
      *request.mutable_update() =
          PatrolUpdate(v1::MISSION_EULEX, absl::StrCat("patrol ", i));
      if (i % 100 == 7) request.mutable_update()->clear_headline();
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  std::vector<v1::PublishAck> acks;
  v1::PublishAck ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  writer.join();
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(acks.size(), static_cast<size_t>(kCount));
  uint64_t expected_sequence = 1;
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(acks[i].index(), static_cast<uint64_t>(i));
    if (i % 100 == 7) {
      EXPECT_EQ(acks[i].error().code(),
                static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      EXPECT_EQ(acks[i].error().field(), "update.headline");
      EXPECT_EQ(acks[i].sequence(), 0u);
    } else {
      EXPECT_FALSE(acks[i].has_error()) << acks[i].error().message();
      EXPECT_EQ(acks[i].sequence(), expected_sequence++);
    }
  }
  EXPECT_EQ(Head(), kCount - 5u);
}

// Batches on the wire: one message of many requests, one answer with
// their acks; indices run on across single and batched messages.
TEST_F(PublishTest, PublishStreamBatchesAreAnsweredWithOneAckMessageEach) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto stream = stub_->PublishStream(&context);
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 50;
  std::thread writer([&] {
    v1::PublishRequest single;
    *single.mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "alone");
    if (!stream->Write(single)) return;
    for (int b = 0; b < kBatches; ++b) {
      v1::PublishRequest message;
      for (int i = 0; i < kPerBatch; ++i) {
        v1::PublishRequest* request = message.add_batch();
        *request->mutable_update() = PatrolUpdate(
            v1::MISSION_EULEX, absl::StrCat("patrol ", b, "/", i));
        if (i == 7) request->mutable_update()->clear_headline();
      }
      if (!stream->Write(message)) return;
    }
    stream->WritesDone();
  });
  std::vector<v1::PublishAck> answers;
  v1::PublishAck ack;
  while (stream->Read(&ack)) answers.push_back(ack);
  writer.join();
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(answers.size(), kBatches + 1u) << "one answer per message";
  EXPECT_EQ(answers[0].batch_size(), 0);
  EXPECT_EQ(answers[0].index(), 0u);
  EXPECT_EQ(answers[0].sequence(), 1u);
  uint64_t index = 1;
  uint64_t sequence = 2;
  for (int b = 0; b < kBatches; ++b) {
    const v1::PublishAck& answer = answers[b + 1];
    EXPECT_EQ(answer.sequence(), 0u) << "a batch's answer is only its acks";
    ASSERT_EQ(answer.batch_size(), kPerBatch);
    for (int i = 0; i < kPerBatch; ++i) {
      const v1::PublishAck& one = answer.batch(i);
      EXPECT_EQ(one.index(), index++);
      if (i == 7) {
        EXPECT_EQ(one.error().field(), "update.headline");
        EXPECT_EQ(one.sequence(), 0u);
      } else {
        EXPECT_FALSE(one.has_error()) << one.error().message();
        EXPECT_EQ(one.sequence(), sequence++);
      }
    }
  }
  EXPECT_EQ(Head(), sequence - 1);
}

TEST_F(PublishTest, AMalformedBatchFailsEachOfItsRequestsAndStoresNothing) {
  v1::PublishRequest both;  // an update next to the batch
  *both.mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "outside");
  *both.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "in");
  *both.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "in 2");
  v1::PublishRequest nested;  // a batch inside a batch
  *nested.add_batch()->add_batch()->mutable_update() =
      PatrolUpdate(v1::MISSION_KFOR, "deep");
  v1::PublishRequest too_big;
  for (int i = 0; i < 1025; ++i) {
    *too_big.add_batch()->mutable_update() =
        PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("many ", i));
  }
  SITREP_ASSERT_OK_AND_ASSIGN(
      std::vector<v1::PublishAck> answers,
      PublishStreamAnswers(*stub_, {both, nested, too_big}));
  ASSERT_EQ(answers.size(), 3u);
  ASSERT_EQ(answers[0].batch_size(), 2);
  ASSERT_EQ(answers[1].batch_size(), 1);
  ASSERT_EQ(answers[2].batch_size(), 1025);
  for (const v1::PublishAck& answer : answers) {
    for (const v1::PublishAck& one : answer.batch()) {
      EXPECT_EQ(one.error().code(),
                static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      EXPECT_THAT(one.error().message(), HasSubstr("batch"));
    }
  }
  EXPECT_EQ(answers[2].batch(1024).index(), 1027u);
  EXPECT_EQ(Head(), 0u);

  // Publish takes no batch at all.
  v1::PublishRequest unary;
  *unary.add_batch()->mutable_update() = PatrolUpdate(v1::MISSION_KFOR, "x");
  v1::PublishResponse response;
  const grpc::Status status = Publish(unary, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("batch"));
}

TEST_F(PublishTest, AcknowledgedUpdatesSurviveARestart) {
  v1::PublishResponse response;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Publish(PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("p", i)),
                        &response)
                    .ok());
  }
  const std::string log_id = server_.server().log_id();
  server_.Restart();
  stub_ = server_.NewStub();
  EXPECT_EQ(server_.server().log_id(), log_id);
  EXPECT_EQ(Head(), 20u);
  ASSERT_TRUE(Publish(PatrolUpdate(v1::MISSION_KFOR, "after"), &response).ok());
  EXPECT_EQ(response.sequence(), 21u) << "sequences continue";
}

}  // namespace
}  // namespace sitrep::testing
