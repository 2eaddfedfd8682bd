// What a reader of some missions may see of an incident (issue 17, M-1,
// M-2, I-1): the fold keeps each mission's part, ThreadMissions says who
// took part, RedactForReader cuts the rest.

#include "server/incident/incident_readers.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/incident/incident_fold.h"

namespace sitrep {
namespace {

constexpr MissionSet Only(v1::Mission mission) { return MissionSet::Of(mission); }

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

// KP opens at MODERATE, asks EULEX; EULEX acknowledges and escalates to
// itself at HIGH; KP updates at EXTREME.
v1::Incident FoldedChain() {
  const char* const thread[] = {
      R"pb(sequence: 1 mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
           kind: KIND_NEW severity: SEVERITY_MODERATE publisher: "kp-desk"
           received_at { seconds: 100 } location { municipality: "zvecan" })pb",
      R"pb(sequence: 2 mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
           kind: KIND_REQUEST_SUPPORT severity: SEVERITY_MODERATE
           publisher: "kp-desk" received_at { seconds: 200 })pb",
      R"pb(sequence: 3 mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
           kind: KIND_ACKNOWLEDGE severity: SEVERITY_SEVERE publisher: "eulex-desk"
           received_at { seconds: 300 })pb",
      R"pb(sequence: 4 mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
           kind: KIND_ESCALATE severity: SEVERITY_SEVERE publisher: "eulex-desk"
           received_at { seconds: 400 } location { municipality: "leposaviq" })pb",
      R"pb(sequence: 5 mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
           kind: KIND_UPDATE severity: SEVERITY_EXTREME publisher: "kp-desk"
           received_at { seconds: 500 } location { municipality: "zubin-potok" })pb",
  };
  v1::Incident state;
  for (const char* text : thread) {
    FoldIntoIncident(Parse<v1::SituationUpdate>(text), &state);
  }
  return state;
}

TEST(IncidentReadersTest, TheFoldKeepsEachMissionsPart) {
  const v1::Incident state = FoldedChain();
  ASSERT_EQ(state.participants_size(), 2);
  const v1::IncidentParticipant& kp = state.participants(0);
  const v1::IncidentParticipant& eulex = state.participants(1);
  EXPECT_EQ(kp.mission(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(kp.last_sequence(), 5u);
  EXPECT_EQ(kp.last_update_time().seconds(), 500);
  EXPECT_EQ(kp.peak_severity(), v1::SEVERITY_EXTREME);
  EXPECT_EQ(kp.updates(), 3u);
  EXPECT_EQ(eulex.mission(), v1::MISSION_EULEX);
  EXPECT_EQ(eulex.last_sequence(), 4u);
  EXPECT_EQ(eulex.peak_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(eulex.updates(), 2u);
}

TEST(IncidentReadersTest, OnlyMissionsOfTheThreadMaySeeIt) {
  const v1::Incident state = FoldedChain();
  EXPECT_EQ(ThreadMissions(state, v1::MISSION_KOSOVO_POLICE),
            Only(v1::MISSION_KOSOVO_POLICE) | Only(v1::MISSION_EULEX));
  EXPECT_TRUE(ReaderMaySee(state, v1::MISSION_KOSOVO_POLICE,
                           Only(v1::MISSION_EULEX)));
  EXPECT_FALSE(ReaderMaySee(state, v1::MISSION_KOSOVO_POLICE,
                            Only(v1::MISSION_KFOR)));
  EXPECT_TRUE(ReaderMaySee(state, v1::MISSION_KOSOVO_POLICE, MissionSet::All()));
}

TEST(IncidentReadersTest, AStateWithoutParticipantsIsJudgedByItsChainFacts) {
  v1::Incident state = FoldedChain();
  state.clear_participants();
  EXPECT_EQ(ThreadMissions(state, v1::MISSION_KOSOVO_POLICE),
            Only(v1::MISSION_KOSOVO_POLICE) | Only(v1::MISSION_EULEX));
  EXPECT_FALSE(ReaderMaySee(state, v1::MISSION_KOSOVO_POLICE,
                            Only(v1::MISSION_KFOR)));
  // The latest update's mission counts even when no chain fact names it.
  EXPECT_TRUE(ReaderMaySee(state, v1::MISSION_KFOR, Only(v1::MISSION_KFOR)));
}

TEST(IncidentReadersTest, AReaderSeesTheChainButOnlyItsOwnMissionsContent) {
  v1::Incident incident = FoldedChain();
  *incident.mutable_latest() = Parse<v1::SituationUpdate>(
      R"pb(sequence: 4 mission: MISSION_EULEX kind: KIND_ESCALATE
           severity: SEVERITY_SEVERE category: CATEGORY_PUBLIC_ORDER
           location { municipality: "leposaviq" })pb");
  RedactForReader(Only(v1::MISSION_EULEX), /*latest_replaced=*/true,
                  &incident);
  EXPECT_EQ(incident.location().municipality(), "leposaviq");
  EXPECT_EQ(incident.category(), v1::CATEGORY_PUBLIC_ORDER);
  EXPECT_EQ(incident.peak_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(incident.opened_by(), v1::MISSION_KOSOVO_POLICE);  // A chain fact.
  EXPECT_FALSE(incident.has_opened_at());
  EXPECT_EQ(incident.opened_by_publisher(), "");
  EXPECT_EQ(incident.opened_sequence(), 0u);
  ASSERT_EQ(incident.participants_size(), 1);
  EXPECT_EQ(incident.participants(0).mission(), v1::MISSION_EULEX);
  EXPECT_EQ(incident.lead().mission(), v1::MISSION_EULEX);
  ASSERT_EQ(incident.support_requests_size(), 1);
  EXPECT_EQ(incident.support_requests(0).requested_by(), "");
  EXPECT_EQ(incident.support_requests(0).acknowledged_by(), "eulex-desk");
}

TEST(IncidentReadersTest, AReaderOfEveryMissionSeesEverything) {
  const v1::Incident full = FoldedChain();
  v1::Incident incident = full;
  RedactForReader(MissionSet::All(), false, &incident);
  EXPECT_EQ(incident.SerializeAsString(), full.SerializeAsString());
  // Rights naming every mission bit by bit cut nothing either.
  RedactForReader(Only(v1::MISSION_KOSOVO_POLICE) | Only(v1::MISSION_EULEX) |
                      Only(v1::MISSION_KFOR),
                  false, &incident);
  EXPECT_EQ(incident.SerializeAsString(), full.SerializeAsString());
}

TEST(IncidentReadersTest, ExceptionsOfUnreadableMissionsLoseReasonAndName) {
  v1::Incident incident = FoldedChain();
  *incident.add_exceptions() = Parse<v1::ChainExceptionRecord>(
      R"pb(mission: MISSION_KFOR reason: "mandate" publisher: "kfor-ops"
           rule: "engaged-tiers-only")pb");
  RedactForReader(Only(v1::MISSION_EULEX), false, &incident);
  ASSERT_EQ(incident.exceptions_size(), 1);
  EXPECT_EQ(incident.exceptions(0).reason(), "");
  EXPECT_EQ(incident.exceptions(0).publisher(), "");
  EXPECT_EQ(incident.exceptions(0).rule(), "engaged-tiers-only");
}

}  // namespace
}  // namespace sitrep
