// The security chain's rules and the incident fold, one test per rule: each
// fails if its rule is dropped from CheckChainRules or FoldIntoIncident.

#include "server/incident/chain_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/incident/incident_fold.h"
#include "server/incident/tiers.h"
#include "server/log/incident_thread.h"
#include "server/log/log_entry.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::HasSubstr;
using State = v1::SupportRequest::State;

constexpr v1::Mission KP = v1::MISSION_KOSOVO_POLICE;
constexpr v1::Mission EULEX = v1::MISSION_EULEX;
constexpr v1::Mission KFOR = v1::MISSION_KFOR;

// An incident thread folded update by update, as the log does.
class Thread {
 public:
  // The update `mission` would publish as its own tier.
  static v1::SituationUpdate Make(v1::Mission mission, v1::Kind kind,
                                  const std::string& extra = "") {
    v1::SituationUpdate update;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(extra, &update))
        << extra;
    update.set_incident_id("kp-2024-0117");
    update.set_mission(mission);
    if (update.role() == v1::ROLE_UNSPECIFIED) {
      update.set_role(TierOfMission(mission));
    }
    update.set_kind(kind);
    if (update.severity() == v1::SEVERITY_UNSPECIFIED) {
      update.set_severity(v1::SEVERITY_MODERATE);
    }
    update.set_category(v1::CATEGORY_PUBLIC_ORDER);
    update.set_publisher(absl::StrCat(v1::Mission_Name(mission), "-desk"));
    return update;
  }

  // The log's gate for the update (thread rules, then chain rules).
  absl::Status Check(const v1::SituationUpdate& update) const {
    return CheckIncidentTransition(record_.version == 0 ? nullptr : &record_,
                                   update, std::nullopt);
  }

  // Appends it when the gate lets it through; returns the gate's answer.
  absl::Status Publish(v1::SituationUpdate update) {
    absl::Status status = Check(update);
    if (!status.ok()) return status;
    update.set_incident_version(record_.version + 1);
    update.set_sequence(100 + record_.version + 1);
    update.mutable_received_at()->set_seconds(1700000000 + 60 * record_.version);
    ApplyToIncident(MakeLogEntry(std::move(update)), &record_);
    return absl::OkStatus();
  }
  absl::Status Publish(v1::Mission mission, v1::Kind kind,
                       const std::string& extra = "") {
    return Publish(Make(mission, kind, extra));
  }

  const v1::Incident& state() const { return record_.state; }
  v1::Role lead() const { return record_.state.lead().tier(); }

 private:
  IncidentRecord record_;
};

// KP opens, asks EULEX, EULEX acknowledges and takes the lead.
Thread LedByEulex() {
  Thread thread;
  EXPECT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ESCALATE), IsOk());
  return thread;
}

::testing::Matcher<absl::Status> Refused(const std::string& rule) {
  return StatusIs(absl::StatusCode::kFailedPrecondition,
                  absl::StrCat("chain rule '", rule, "'"));
}

TEST(ChainRulesTest, TheWholeChainUpAndDownIsAccepted) {
  Thread thread = LedByEulex();
  EXPECT_EQ(thread.lead(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(thread.state().lead().mission(), EULEX);
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_REQUEST_SUPPORT), IsOk());
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_ACKNOWLEDGE), IsOk());
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_ESCALATE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_DEESCALATE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_SECOND_RESPONDER) << "back to who asked";
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_DEESCALATE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_THAT(thread.Publish(KP, v1::KIND_RESOLVE), IsOk());
  EXPECT_TRUE(thread.state().exceptions().empty());
  for (const v1::SupportRequest& request : thread.state().support_requests()) {
    EXPECT_EQ(request.state(), v1::SupportRequest::STATE_CLOSED);
  }
}

// The seven out-of-turn actions of issue 16, one by one.
TEST(ChainRulesTest, EulexCannotEscalateWithoutARequest) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ESCALATE),
              Refused("escalate-after-acknowledge"));
  EXPECT_EQ(thread.lead(), v1::ROLE_FIRST_RESPONDER);
}

TEST(ChainRulesTest, KforCannotTakeOverStraightFromTheKosovoPolice) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());  // EULEX
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_ESCALATE),
              Refused("escalate-after-acknowledge"));
}

TEST(ChainRulesTest, NobodyAcknowledgesARequestNobodyMade) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE),
              Refused("acknowledge-open-request"));
}

TEST(ChainRulesTest, TheRequesterCannotAcknowledgeItsOwnRequest) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  EXPECT_THAT(thread.Publish(KP, v1::KIND_ACKNOWLEDGE),
              Refused("acknowledge-open-request"));
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE),
              Refused("acknowledge-open-request"))
      << "twice";
}

TEST(ChainRulesTest, EscalateToTheSameTierIsRefused) {
  Thread thread = LedByEulex();
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_ESCALATE),
              Refused("escalate-upward"));
  Thread opened;
  ASSERT_THAT(opened.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(opened.Publish(KP, v1::KIND_ESCALATE), Refused("escalate-upward"));
}

TEST(ChainRulesTest, DeescalateGoesDownOnly) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(KP, v1::KIND_DEESCALATE,
                             "target_tier: ROLE_THIRD_RESPONDER"),
              Refused("deescalate-downward"));
  EXPECT_THAT(thread.Publish(KP, v1::KIND_DEESCALATE),
              Refused("deescalate-downward"))
      << "nothing below the first tier";
}

TEST(ChainRulesTest, OnlyTheFirstResponderOpensAnIncident) {
  for (v1::Mission mission : {EULEX, KFOR}) {
    Thread thread;
    EXPECT_THAT(thread.Publish(mission, v1::KIND_NEW),
                Refused("open-by-first-responder"))
        << v1::Mission_Name(mission);
  }
}

TEST(ChainRulesTest, OnlyTheTierInChargeAsksForSupport) {
  Thread thread = LedByEulex();
  EXPECT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT,
                             "target_tier: ROLE_THIRD_RESPONDER"),
              Refused("request-from-lead"));
}

TEST(ChainRulesTest, ARequestAsksATierAboveAndNotTwice) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT,
                             "target_tier: ROLE_FIRST_RESPONDER"),
              Refused("request-upward"));
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  EXPECT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT),
              Refused("request-not-repeated"));
  // Asking KFOR directly is the tier in charge's call.
  EXPECT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT,
                             "target_tier: ROLE_THIRD_RESPONDER"),
              IsOk());
  EXPECT_EQ(thread.state().support_requests(1).to_tier(),
            v1::ROLE_THIRD_RESPONDER);
}

TEST(ChainRulesTest, KforHasNobodyAboveToAsk) {
  Thread thread = LedByEulex();
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_REQUEST_SUPPORT), IsOk());
  ASSERT_THAT(thread.Publish(KFOR, v1::KIND_ACKNOWLEDGE), IsOk());
  ASSERT_THAT(thread.Publish(KFOR, v1::KIND_ESCALATE), IsOk());
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_REQUEST_SUPPORT),
              Refused("request-upward"));
}

TEST(ChainRulesTest, OnlyEngagedTiersUpdateAsResponders) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_UPDATE),
              Refused("engaged-tiers-only"));
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_UPDATE, "role: ROLE_LIAISON"),
              IsOk())
      << "a liaison note never engages";
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_UPDATE),
              Refused("engaged-tiers-only"))
      << "asked is not engaged before it acknowledges";
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE), IsOk());
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_UPDATE), IsOk());
}

TEST(ChainRulesTest, OnlyTheTierInChargeClosesTheIncident) {
  Thread thread = LedByEulex();
  EXPECT_THAT(thread.Publish(KP, v1::KIND_RESOLVE), Refused("close-by-lead"));
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_CANCEL), Refused("close-by-lead"));
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_RESOLVE), IsOk());
}

TEST(ChainRulesTest, DeescalateComesFromTheLeadToATierOfTheThread) {
  Thread thread = LedByEulex();
  EXPECT_THAT(thread.Publish(KP, v1::KIND_DEESCALATE),
              Refused("deescalate-from-lead"));
  Thread direct;
  ASSERT_THAT(direct.Publish(KP, v1::KIND_NEW), IsOk());
  ASSERT_THAT(direct.Publish(KP, v1::KIND_REQUEST_SUPPORT,
                             "target_tier: ROLE_THIRD_RESPONDER"),
              IsOk());
  ASSERT_THAT(direct.Publish(KFOR, v1::KIND_ACKNOWLEDGE), IsOk());
  ASSERT_THAT(direct.Publish(KFOR, v1::KIND_ESCALATE), IsOk());
  EXPECT_THAT(direct.Publish(KFOR, v1::KIND_DEESCALATE,
                             "target_tier: ROLE_SECOND_RESPONDER"),
              Refused("deescalate-to-thread-tier"))
      << "EULEX never took part";
  EXPECT_THAT(direct.Publish(KFOR, v1::KIND_DEESCALATE), IsOk());
  EXPECT_EQ(direct.lead(), v1::ROLE_FIRST_RESPONDER);
}

TEST(ChainRulesTest, ASupportingTierWithdrawsWithoutMovingTheLead) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE), IsOk());
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_DEESCALATE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(thread.state().support_requests(0).state(),
            v1::SupportRequest::STATE_CLOSED);
  EXPECT_THAT(thread.Publish(EULEX, v1::KIND_UPDATE),
              Refused("engaged-tiers-only"));
}

// current_tier followed any responder update before.
TEST(ChainFoldTest, OnlyEscalateAndDeescalateMoveTheLead) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_REQUEST_SUPPORT), IsOk());
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_FIRST_RESPONDER)
      << "an acknowledge does not take the lead";
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_ESCALATE), IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_UPDATE), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_SECOND_RESPONDER)
      << "a routine Kosovo Police update leaves EULEX in charge";
  ASSERT_THAT(thread.Publish(KFOR, v1::KIND_UPDATE, "role: ROLE_LIAISON"),
              IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(thread.state().lead().since_sequence(), 104u);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(thread.state().current_tier(), v1::ROLE_SECOND_RESPONDER);
#pragma GCC diagnostic pop
}

TEST(ChainFoldTest, RequestsKeepWhoAskedWhomAndWhen) {
  Thread thread = LedByEulex();
  ASSERT_EQ(thread.state().support_requests_size(), 1);
  const v1::SupportRequest& request = thread.state().support_requests(0);
  EXPECT_EQ(request.from_tier(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(request.from_mission(), KP);
  EXPECT_EQ(request.to_tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(request.to_mission(), EULEX);
  EXPECT_EQ(request.state(), v1::SupportRequest::STATE_ACKNOWLEDGED);
  EXPECT_EQ(request.requested_sequence(), 102u);
  EXPECT_EQ(request.requested_by(), "MISSION_KOSOVO_POLICE-desk");
  EXPECT_EQ(request.acknowledged_sequence(), 103u);
  EXPECT_EQ(request.acknowledged_at().seconds() - request.requested_at().seconds(),
            60);
}

// "support state is one flag that stays acknowledged after a hand-back".
TEST(ChainFoldTest, AHandBackClosesTheRequest) {
  Thread thread = LedByEulex();
  ASSERT_THAT(thread.Publish(EULEX, v1::KIND_DEESCALATE), IsOk());
  const v1::SupportRequest& request = thread.state().support_requests(0);
  EXPECT_EQ(request.state(), v1::SupportRequest::STATE_CLOSED);
  EXPECT_EQ(request.closed_by_kind(), v1::KIND_DEESCALATE);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_FALSE(thread.state().support_requested());
  EXPECT_FALSE(thread.state().support_acknowledged());
#pragma GCC diagnostic pop
}

TEST(ChainFoldTest, TheLocationIsCarriedUntilAnUpdateMovesIt) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW,
                             "location { municipality: 'zvecan' place: 'bridge' }"),
              IsOk());
  ASSERT_THAT(thread.Publish(KP, v1::KIND_UPDATE), IsOk());
  EXPECT_EQ(thread.state().location().municipality(), "zvecan");
  EXPECT_EQ(thread.state().location().place(), "bridge");
  ASSERT_THAT(thread.Publish(KP, v1::KIND_UPDATE,
                             "location { municipality: 'zubin-potok' }"),
              IsOk());
  EXPECT_EQ(thread.state().location().municipality(), "zubin-potok");
  EXPECT_EQ(thread.state().location().place(), "") << "a move replaces it";
}

TEST(ChainFoldTest, AnExceptionLetsAnOutOfTurnEngagementThroughAndIsKept) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  const std::string reason =
      "chain_exception { reason: 'shots fired at the bridge: protecting life' }";
  EXPECT_THAT(thread.Publish(KFOR, v1::KIND_ESCALATE, reason), IsOk());
  EXPECT_EQ(thread.lead(), v1::ROLE_THIRD_RESPONDER);
  ASSERT_EQ(thread.state().exceptions_size(), 1);
  const v1::ChainExceptionRecord& record = thread.state().exceptions(0);
  EXPECT_EQ(record.rule(), "escalate-after-acknowledge");
  EXPECT_EQ(record.reason(), "shots fired at the bridge: protecting life");
  EXPECT_EQ(record.mission(), KFOR);
  EXPECT_EQ(record.kind(), v1::KIND_ESCALATE);
  EXPECT_FALSE(record.before_rules());

  Thread opened_by_kfor;
  EXPECT_THAT(opened_by_kfor.Publish(KFOR, v1::KIND_NEW, reason), IsOk());
  EXPECT_EQ(opened_by_kfor.lead(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(opened_by_kfor.state().exceptions(0).rule(),
            "open-by-first-responder");
}

TEST(ChainFoldTest, HistoryThatBrokeTheRulesIsFlaggedNotRewritten) {
  // What the log admitted before the rules: folded as it happened, flagged.
  v1::Incident state;
  int sequence = 0;
  auto fold = [&](v1::SituationUpdate update) {
    update.set_sequence(++sequence);
    update.set_incident_version(sequence);
    FoldIntoIncident(update, &state);
  };
  fold(Thread::Make(KP, v1::KIND_NEW));
  fold(Thread::Make(EULEX, v1::KIND_ACKNOWLEDGE));
  fold(Thread::Make(KFOR, v1::KIND_ESCALATE));
  EXPECT_EQ(state.lead().tier(), v1::ROLE_THIRD_RESPONDER);
  ASSERT_EQ(state.exceptions_size(), 2);
  EXPECT_TRUE(state.exceptions(0).before_rules());
  EXPECT_EQ(state.exceptions(0).rule(), "acknowledge-open-request");
  EXPECT_EQ(state.exceptions(1).rule(), "escalate-after-acknowledge");
  // The old form "KFOR second deescalate": role named the new tier.
  fold(Thread::Make(KFOR, v1::KIND_DEESCALATE, "role: ROLE_SECOND_RESPONDER"));
  EXPECT_EQ(state.lead().tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(state.lead().mission(), EULEX) << "not 'KFOR in charge at tier 2'";
}

TEST(ChainRulesTest, MessagesNameTheRuleAndTheWayOut) {
  Thread thread;
  ASSERT_THAT(thread.Publish(KP, v1::KIND_NEW), IsOk());
  const absl::Status status = thread.Publish(EULEX, v1::KIND_ACKNOWLEDGE);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("no open support request asks EULEX (second tier)"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("KIND_REQUEST_SUPPORT"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("chain_exception.reason"));
}

}  // namespace
}  // namespace sitrep
