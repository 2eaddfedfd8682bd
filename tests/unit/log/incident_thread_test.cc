#include "server/log/incident_thread.h"

#include "server/incident/tiers.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

v1::SituationUpdate Update(const std::string& text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &update))
      << text;
  return update;
}

// Folds `text` into `record` as the thread's next stored update.
void Fold(IncidentRecord* record, const std::string& text) {
  v1::SituationUpdate update = Update(text);
  update.set_incident_id("KP-1");
  update.set_incident_version(NextIncidentVersion(record->version == 0
                                                      ? nullptr
                                                      : record));
  update.set_sequence(100 + update.incident_version());
  ApplyToIncident(MakeLogEntry(std::move(update)), record);
}

IncidentRecord OpenThread() {
  IncidentRecord record;
  Fold(&record, R"pb(kind: KIND_NEW mission: MISSION_KOSOVO_POLICE
                     role: ROLE_FIRST_RESPONDER severity: SEVERITY_MODERATE
                     occurred_at { seconds: 1700000000 })pb");
  return record;
}

const v1::SituationUpdate kNew =
    Update("incident_id: 'KP-1' kind: KIND_NEW mission: MISSION_KOSOVO_POLICE "
           "role: ROLE_FIRST_RESPONDER");
const v1::SituationUpdate kUpdate =
    Update("incident_id: 'KP-1' kind: KIND_UPDATE mission: "
           "MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER");

TEST(IncidentThreadTest, NewOnUnusedIdIsAllowed) {
  EXPECT_THAT(CheckIncidentTransition(nullptr, kNew, std::nullopt), IsOk());
  EXPECT_EQ(NextIncidentVersion(nullptr), 1u);
}

TEST(IncidentThreadTest, NewOnUsedIdIsRejectedEvenWhenClosed) {
  IncidentRecord record = OpenThread();
  EXPECT_THAT(CheckIncidentTransition(&record, kNew, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "update.kind: incident 'KP-1' already exists"));
  Fold(&record, "kind: KIND_RESOLVE");
  EXPECT_THAT(CheckIncidentTransition(&record, kNew, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition, ", closed)"));
}

TEST(IncidentThreadTest, UpdateOnUnknownIdIsRejected) {
  EXPECT_THAT(CheckIncidentTransition(nullptr, kUpdate, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "incident 'KP-1' does not exist; open it with KIND_NEW"));
}

TEST(IncidentThreadTest, UpdateOnClosedIncidentIsRejected) {
  for (const char* closing : {"KIND_RESOLVE", "KIND_CANCEL", "KIND_EXPIRED"}) {
    IncidentRecord record = OpenThread();
    Fold(&record, std::string("kind: ") + closing);
    EXPECT_THAT(CheckIncidentTransition(&record, kUpdate, std::nullopt),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         std::string("is closed (") + closing))
        << closing;
  }
}

TEST(IncidentThreadTest, UpdateOnOpenIncidentIsAllowed) {
  const IncidentRecord record = OpenThread();
  EXPECT_THAT(CheckIncidentTransition(&record, kUpdate, std::nullopt), IsOk());
  EXPECT_EQ(NextIncidentVersion(&record), 2u);
}

TEST(IncidentThreadTest, StaleExpectedVersionIsRejected) {
  IncidentRecord record = OpenThread();
  Fold(&record, "kind: KIND_UPDATE");
  EXPECT_THAT(CheckIncidentTransition(&record, kUpdate, 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "expected_incident_version: incident 'KP-1' is at "
                       "version 2, not 1"));
  EXPECT_THAT(CheckIncidentTransition(&record, kUpdate, 2), IsOk());
}

TEST(IncidentThreadTest, ExpectedVersionZeroMeansTheIdIsUnused) {
  EXPECT_THAT(CheckIncidentTransition(nullptr, kNew, 0), IsOk());
  const IncidentRecord record = OpenThread();
  EXPECT_THAT(CheckIncidentTransition(&record, kNew, 0),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "expected_incident_version"));
}

TEST(IncidentThreadTest, FirstUpdateOpensTheRecord) {
  const IncidentRecord record = OpenThread();
  EXPECT_EQ(record.incident_id, "KP-1");
  EXPECT_EQ(record.version, 1u);
  EXPECT_FALSE(record.closed);
  EXPECT_EQ(record.latest->sequence(), 101u);
  EXPECT_EQ(record.state.opened_by(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(record.state.opened_at().seconds(), 1700000000);
  EXPECT_EQ(record.state.opened_sequence(), 101u);
  EXPECT_EQ(record.state.lead().tier(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(record.state.peak_severity(), v1::SEVERITY_MODERATE);
}

// The chain's rules and the lead, requests and location of the state are
// tested in tests/unit/incident/chain_rules_test.cc.
TEST(IncidentThreadTest, ChainRulesComeAfterTheThreadRules) {
  IncidentRecord record = OpenThread();
  v1::SituationUpdate out_of_turn =
      Update("incident_id: 'KP-1' kind: KIND_ESCALATE "
             "mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER");
  EXPECT_THAT(CheckIncidentTransition(&record, out_of_turn, 7),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "expected_incident_version"));
  EXPECT_THAT(CheckIncidentTransition(&record, out_of_turn, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "chain rule 'escalate-after-acknowledge'"));
  out_of_turn.mutable_chain_exception()->set_reason("protecting life");
  EXPECT_THAT(CheckIncidentTransition(&record, out_of_turn, std::nullopt),
              IsOk());
  Fold(&record, "kind: KIND_RESOLVE");
  EXPECT_THAT(CheckIncidentTransition(&record, out_of_turn, std::nullopt),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is closed"))
      << "an exception never reopens a closed incident";
}

TEST(IncidentThreadTest, PeakSeverityNeverDecreases) {
  IncidentRecord record = OpenThread();
  Fold(&record, "kind: KIND_UPDATE severity: SEVERITY_EXTREME");
  Fold(&record, "kind: KIND_UPDATE severity: SEVERITY_MINOR");
  EXPECT_EQ(record.state.peak_severity(), v1::SEVERITY_EXTREME);
  EXPECT_EQ(record.latest->update.severity(), v1::SEVERITY_MINOR);
}

TEST(IncidentThreadTest, ClosingKindsCloseTheThread) {
  EXPECT_TRUE(IsClosingKind(v1::KIND_RESOLVE));
  EXPECT_TRUE(IsClosingKind(v1::KIND_CANCEL));
  EXPECT_TRUE(IsClosingKind(v1::KIND_EXPIRED));
  for (v1::Kind kind : {v1::KIND_UNSPECIFIED, v1::KIND_NEW, v1::KIND_UPDATE,
                        v1::KIND_REQUEST_SUPPORT, v1::KIND_ACKNOWLEDGE,
                        v1::KIND_ESCALATE, v1::KIND_DEESCALATE}) {
    EXPECT_FALSE(IsClosingKind(kind)) << v1::Kind_Name(kind);
  }
  IncidentRecord record = OpenThread();
  Fold(&record, "kind: KIND_CANCEL");
  EXPECT_TRUE(record.closed);
  EXPECT_EQ(record.version, 2u);
}

TEST(IncidentThreadTest, OnlyFirstSecondAndThirdAreResponderRoles) {
  EXPECT_TRUE(IsResponderRole(v1::ROLE_FIRST_RESPONDER));
  EXPECT_TRUE(IsResponderRole(v1::ROLE_SECOND_RESPONDER));
  EXPECT_TRUE(IsResponderRole(v1::ROLE_THIRD_RESPONDER));
  EXPECT_FALSE(IsResponderRole(v1::ROLE_SUPPORT));
  EXPECT_FALSE(IsResponderRole(v1::ROLE_LIAISON));
  EXPECT_FALSE(IsResponderRole(v1::ROLE_UNSPECIFIED));
}

}  // namespace
}  // namespace sitrep
