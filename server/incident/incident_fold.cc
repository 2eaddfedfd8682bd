#include "server/incident/incident_fold.h"

#include "server/incident/chain_rules.h"
#include "server/incident/tiers.h"

namespace sitrep {
namespace {

void SetLead(const v1::SituationUpdate& update, v1::Mission mission,
             v1::Role tier, v1::Incident* state) {
  if (TierRank(tier) == 0 || state->lead().tier() == tier) return;
  v1::IncidentLead* lead = state->mutable_lead();
  lead->set_mission(mission);
  lead->set_tier(tier);
  *lead->mutable_since() = update.received_at();
  lead->set_since_sequence(update.sequence());
}

void Close(const v1::SituationUpdate& update, v1::SupportRequest* request) {
  request->set_state(v1::SupportRequest::STATE_CLOSED);
  *request->mutable_closed_at() = update.received_at();
  request->set_closed_by(update.publisher());
  request->set_closed_sequence(update.sequence());
  request->set_closed_by_kind(update.kind());
}

// Closes the requests that are not closed and ask a tier above `rank`.
void CloseRequestsAbove(const v1::SituationUpdate& update, int rank,
                        v1::Incident* state) {
  for (v1::SupportRequest& request : *state->mutable_support_requests()) {
    if (request.state() != v1::SupportRequest::STATE_CLOSED &&
        TierRank(request.to_tier()) > rank) {
      Close(update, &request);
    }
  }
}

// REQUEST_SUPPORT: a new open request from the acting tier.
void OpenRequest(const v1::SituationUpdate& update, v1::Role tier,
                 v1::Incident* state) {
  const v1::Role from =
      tier != v1::ROLE_UNSPECIFIED ? tier : TierOfMission(update.mission());
  const v1::Role to = RequestTarget(update, from);
  if (TierRank(to) == 0) return;
  v1::SupportRequest* request = state->add_support_requests();
  request->set_from_tier(from);
  request->set_from_mission(update.mission());
  request->set_to_tier(to);
  request->set_to_mission(MissionOfTier(to));
  request->set_state(v1::SupportRequest::STATE_OPEN);
  *request->mutable_requested_at() = update.received_at();
  request->set_requested_by(update.publisher());
  request->set_requested_sequence(update.sequence());
}

// ACKNOWLEDGE: the open request to the acting tier.
void Acknowledge(const v1::SituationUpdate& update, v1::Role tier,
                 v1::Incident* state) {
  const int index =
      FindRequestTo(*state, tier, v1::SupportRequest::STATE_OPEN);
  if (index < 0) return;
  v1::SupportRequest* request = state->mutable_support_requests(index);
  request->set_state(v1::SupportRequest::STATE_ACKNOWLEDGED);
  *request->mutable_acknowledged_at() = update.received_at();
  request->set_acknowledged_by(update.publisher());
  request->set_acknowledged_sequence(update.sequence());
}

// DEESCALATE: the lead goes back down, or a supporting tier withdraws.
void Deescalate(const v1::SituationUpdate& update, v1::Role tier,
                v1::Incident* state) {
  const v1::Role lead = state->lead().tier();
  if (tier != lead && TierRank(tier) > TierRank(lead) &&
      (update.target_tier() == v1::ROLE_UNSPECIFIED ||
       update.target_tier() == lead)) {
    // A supporting tier withdraws: its request closes, the lead stays.
    CloseRequestsAbove(update, TierRank(lead), state);
    return;
  }
  const v1::Role target = DeescalateTarget(*state, update, tier);
  if (TierRank(target) == 0) return;
  SetLead(update, MissionOfTier(target), target, state);
  CloseRequestsAbove(update, TierRank(target), state);
}

void ApplyKind(const v1::SituationUpdate& update, v1::Incident* state) {
  const v1::Role tier = ActingTier(update);
  switch (update.kind()) {
    case v1::KIND_NEW:
      SetLead(update, update.mission(),
              tier != v1::ROLE_UNSPECIFIED ? tier
                                           : TierOfMission(update.mission()),
              state);
      break;
    case v1::KIND_REQUEST_SUPPORT:
      OpenRequest(update, tier, state);
      break;
    case v1::KIND_ACKNOWLEDGE:
      Acknowledge(update, tier, state);
      break;
    case v1::KIND_ESCALATE:
      SetLead(update, update.mission(), tier, state);
      break;
    case v1::KIND_DEESCALATE:
      Deescalate(update, tier, state);
      break;
    case v1::KIND_RESOLVE:
    case v1::KIND_CANCEL:
    case v1::KIND_EXPIRED:
      CloseRequestsAbove(update, 0, state);
      state->set_closed(true);
      break;
    default:
      break;
  }
}

// The deprecated summary fields, for clients older than `lead` and
// `support_requests`.
void SetDeprecatedSummary(v1::Incident* state) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  state->set_current_tier(state->lead().tier());
  bool requested = false;
  bool acknowledged = false;
  for (const v1::SupportRequest& request : state->support_requests()) {
    if (request.state() == v1::SupportRequest::STATE_CLOSED) continue;
    requested = true;
    acknowledged = request.state() == v1::SupportRequest::STATE_ACKNOWLEDGED;
  }
  state->set_support_requested(requested);
  state->set_support_acknowledged(acknowledged);
#pragma GCC diagnostic pop
}

// Records `update` under its mission in state->participants.
void NoteParticipant(const v1::SituationUpdate& update, v1::Incident* state) {
  v1::IncidentParticipant* participant = nullptr;
  for (v1::IncidentParticipant& p : *state->mutable_participants()) {
    if (p.mission() == update.mission()) participant = &p;
  }
  if (participant == nullptr) {
    participant = state->add_participants();
    participant->set_mission(update.mission());
  }
  participant->set_last_sequence(update.sequence());
  *participant->mutable_last_update_time() = update.received_at();
  if (update.severity() > participant->peak_severity()) {
    participant->set_peak_severity(update.severity());
  }
  participant->set_updates(participant->updates() + 1);
}

}  // namespace

bool IsClosingKind(v1::Kind kind) {
  return kind == v1::KIND_RESOLVE || kind == v1::KIND_CANCEL ||
         kind == v1::KIND_EXPIRED;
}

bool IsEmptyLocation(const v1::Location& location) {
  return location.municipality().empty() && location.place().empty() &&
         !location.has_point();
}

bool LeavesLocationOut(const v1::SituationUpdate& update) {
  return IsEmptyLocation(update.location());
}

void FoldIntoIncident(const v1::SituationUpdate& update, v1::Incident* state) {
  if (state->opened_sequence() == 0) {
    state->set_opened_sequence(update.sequence());
    state->set_opened_by(update.mission());
    state->set_opened_by_publisher(update.publisher());
    *state->mutable_opened_at() =
        update.has_occurred_at() ? update.occurred_at() : update.received_at();
  }
  if (update.kind() != v1::KIND_EXPIRED) {
    const ChainVerdict verdict = CheckChainRules(*state, update);
    if (!verdict.ok() || update.has_chain_exception()) {
      v1::ChainExceptionRecord* record = state->add_exceptions();
      record->set_sequence(update.sequence());
      record->set_mission(update.mission());
      record->set_role(update.role());
      record->set_kind(update.kind());
      record->set_reason(update.chain_exception().reason());
      *record->mutable_at() = update.received_at();
      record->set_publisher(update.publisher());
      record->set_rule(verdict.rule);
      record->set_before_rules(!update.has_chain_exception());
    }
  }
  ApplyKind(update, state);
  if (!LeavesLocationOut(update) || !state->has_location()) {
    *state->mutable_location() = update.location();
  }
  state->set_category(update.category());
  if (update.severity() > state->peak_severity()) {
    state->set_peak_severity(update.severity());
  }
  NoteParticipant(update, state);
  SetDeprecatedSummary(state);
}

}  // namespace sitrep
