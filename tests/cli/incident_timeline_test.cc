#include "client/incident_timeline.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/render_testing.h"

namespace sitrep::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// KP leads; EULEX acknowledged KP's request and withdraws: its request
// closes, the lead stays.
TEST(IncidentTimelineTest, ASupportingTierThatWithdrawsIsNotAHandBack) {
  const auto before = Parse<sitrep::v1::Incident>(R"pb(
    lead { mission: MISSION_KOSOVO_POLICE tier: ROLE_FIRST_RESPONDER })pb");
  const auto step = Parse<sitrep::v1::IncidentStep>(R"pb(
    update { sequence: 5 mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
             kind: KIND_DEESCALATE location_carried: true }
    state {
      lead { mission: MISSION_KOSOVO_POLICE tier: ROLE_FIRST_RESPONDER }
      support_requests { from_tier: ROLE_FIRST_RESPONDER to_tier: ROLE_SECOND_RESPONDER
                         state: STATE_CLOSED closed_sequence: 5 }
    })pb");
  EXPECT_THAT(ChainChanges(before, step), ElementsAre("EULEX withdraws its support"));
}

TEST(IncidentTimelineTest, ExceptionsAndHistoryBeforeTheRulesAreNamedWithTheirRule) {
  const auto before = Parse<sitrep::v1::Incident>(R"pb(
    lead { mission: MISSION_KOSOVO_POLICE tier: ROLE_FIRST_RESPONDER })pb");
  const auto exception = Parse<sitrep::v1::IncidentStep>(R"pb(
    update { sequence: 2 mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER kind: KIND_ESCALATE }
    state {
      lead { mission: MISSION_KFOR tier: ROLE_THIRD_RESPONDER }
      exceptions { sequence: 2 rule: "escalate-after-acknowledge" reason: "lives at risk" }
    })pb");
  EXPECT_THAT(ChainChanges(before, exception),
              ElementsAre("KFOR takes the lead",
                          "CHAIN EXCEPTION (escalate-after-acknowledge): lives at risk"));
  const auto legacy = Parse<sitrep::v1::IncidentStep>(R"pb(
    update { sequence: 3 mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER kind: KIND_UPDATE }
    state {
      lead { mission: MISSION_KOSOVO_POLICE tier: ROLE_FIRST_RESPONDER }
      exceptions { sequence: 3 rule: "engaged-tiers-only" before_rules: true }
    })pb");
  EXPECT_THAT(ChainChanges(before, legacy),
              ElementsAre("BEFORE RULES (engaged-tiers-only): stored before the chain's "
                          "rules were enforced"));
}

TEST(IncidentTimelineTest, ATruncatedHistoryFallsBackToTheKindAndSaysSo) {
  const auto thread = Parse<sitrep::v1::IncidentThread>(R"pb(
    incident { incident_id: "kp-9" version: 12 peak_severity: SEVERITY_SEVERE
               category: CATEGORY_CRIME
               lead { mission: MISSION_EULEX tier: ROLE_SECOND_RESPONDER
                      since { seconds: 1700000000 } }
               support_requests { from_tier: ROLE_FIRST_RESPONDER to_tier: ROLE_SECOND_RESPONDER
                                  state: STATE_OPEN requested_at { seconds: 1700000348 } }
               location { municipality: "zvecan" place: "Rudare" } }
    history_truncated: true
    sequence: 40
    steps { update { sequence: 30 mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
                     kind: KIND_ESCALATE headline: "EULEX takes over"
                     occurred_at { seconds: 1700000000 } } })pb");
  const std::string text = IncidentTimeline(thread, Plain(1700000600));
  EXPECT_THAT(text, HasSubstr("Incident kp-9 (open, 12 updates; crime, peak severe)\n"
                              "(retention removed the thread's first updates"));
  EXPECT_THAT(text, HasSubstr("2023-11-14 22:13:20Z     30  EULEX (second)   escalate         "
                              "EULEX takes over                          EULEX takes the lead\n"));
  EXPECT_THAT(text, HasSubstr("Lead:        EULEX (second tier) since 2023-11-14 22:13:20Z "
                              "(10m00s ago)\n"));
  EXPECT_THAT(text, HasSubstr("Requests:    KP → EULEX: OPEN, waiting 4m12s"));
  EXPECT_THAT(text, HasSubstr("Location:    Zveçan / Zvečan, Rudare\n"));
  EXPECT_THAT(text, HasSubstr("As of #40\n"));
}

}  // namespace
}  // namespace sitrep::cli
