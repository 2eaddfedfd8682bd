#include "server/incident/chain_rules.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/incident/tiers.h"

namespace sitrep {
namespace {

using State = v1::SupportRequest::State;

ChainVerdict Refuse(const v1::SituationUpdate& update, const char* rule,
                    absl::string_view problem, absl::string_view remedy) {
  return ChainVerdict{
      absl::FailedPreconditionError(absl::StrCat(
          "update.kind: chain rule '", rule, "': ", problem, " (incident '",
          update.incident_id(), "'); ", remedy,
          ". An out-of-turn engagement needs chain_exception.reason and the "
          "chain_exception right")),
      rule};
}

std::string LeadText(const v1::Incident& state) {
  if (TierRank(state.lead().tier()) == 0) return "no tier";
  return TierDisplayName(state.lead().tier());
}

// "EULEX (second tier) does not lead; Kosovo Police (first tier) does".
std::string DoesNotLead(const v1::Incident& state, v1::Role tier) {
  return absl::StrCat(TierDisplayName(tier), " does not lead; ",
                      LeadText(state), " does");
}

// True when `tier` asked, was asked, or led at the incident's opening.
bool WasInThread(const v1::Incident& state, v1::Role tier) {
  if (state.lead().tier() == tier) return true;
  if (TierOfMission(state.opened_by()) == tier) return true;
  for (const v1::SupportRequest& request : state.support_requests()) {
    if (request.from_tier() == tier || request.to_tier() == tier) return true;
  }
  return false;
}

// One check per kind, each the rows of the table in docs/design.md ("The
// security chain as rules") for that kind. `tier` is the update's acting
// tier (ActingTier), `lead` the incident's.

ChainVerdict CheckOpen(const v1::SituationUpdate& update, v1::Role tier) {
  if (tier == v1::ROLE_FIRST_RESPONDER) return {};
  return Refuse(update, "open-by-first-responder",
                absl::StrCat("an incident is opened by the first "
                             "responder, the Kosovo Police, not by ",
                             TierDisplayName(TierOfMission(update.mission()))),
                "EULEX and KFOR engage when the tier in charge asks "
                "them (KIND_REQUEST_SUPPORT)");
}

ChainVerdict CheckUpdate(const v1::Incident& state,
                         const v1::SituationUpdate& update, v1::Role tier) {
  if (tier == v1::ROLE_UNSPECIFIED || IsEngaged(state, tier)) return {};
  return Refuse(update, "engaged-tiers-only",
                absl::StrCat(TierDisplayName(tier),
                             " is not engaged; the incident is led by ",
                             LeadText(state)),
                "a tier joins when the tier in charge asks it and it "
                "acknowledges; a note without engaging takes role "
                "ROLE_LIAISON or ROLE_SUPPORT");
}

ChainVerdict CheckRequestSupport(const v1::Incident& state,
                                 const v1::SituationUpdate& update,
                                 v1::Role tier) {
  if (tier != state.lead().tier()) {
    return Refuse(update, "request-from-lead",
                  DoesNotLead(state, tier),
                  "the tier in charge asks for support");
  }
  const v1::Role target = RequestTarget(update, tier);
  if (TierRank(target) == 0) {
    return Refuse(update, "request-upward",
                  absl::StrCat(TierDisplayName(tier),
                               " is the last tier: no tier above it to ask"),
                  "coordinate with role ROLE_LIAISON instead");
  }
  if (TierRank(target) <= TierRank(tier)) {
    return Refuse(update, "request-upward",
                  absl::StrCat("the request asks ", TierDisplayName(target),
                               ", which is not above ",
                               TierDisplayName(tier)),
                  "name a tier above the tier in charge in target_tier");
  }
  for (const State state_of_request :
       {v1::SupportRequest::STATE_OPEN,
        v1::SupportRequest::STATE_ACKNOWLEDGED}) {
    const int index = FindRequestTo(state, target, state_of_request);
    if (index < 0) continue;
    const v1::SupportRequest& open = state.support_requests(index);
    return Refuse(update, "request-not-repeated",
                  absl::StrCat("a request to ", TierDisplayName(target),
                               " is already ",
                               state_of_request ==
                                       v1::SupportRequest::STATE_OPEN
                                   ? "waiting"
                                   : "acknowledged",
                               " (sequence ", open.requested_sequence(), ")"),
                  "publish KIND_UPDATE to remind it");
  }
  return {};
}

ChainVerdict CheckAcknowledge(const v1::Incident& state,
                              const v1::SituationUpdate& update,
                              v1::Role tier) {
  if (FindRequestTo(state, tier, v1::SupportRequest::STATE_OPEN) >= 0) {
    return {};
  }
  if (const int index = FindRequestTo(
          state, tier, v1::SupportRequest::STATE_ACKNOWLEDGED);
      index >= 0) {
    return Refuse(
        update, "acknowledge-open-request",
        absl::StrCat(TierDisplayName(tier), " acknowledged its request already (sequence ",
                     state.support_requests(index).acknowledged_sequence(), ")"),
        "publish KIND_UPDATE, or KIND_ESCALATE to take the lead");
  }
  return Refuse(update, "acknowledge-open-request",
                absl::StrCat("no open support request asks ",
                             TierDisplayName(tier)),
                absl::StrCat("a tier acknowledges after the tier in charge (",
                             LeadText(state),
                             ") asked it with KIND_REQUEST_SUPPORT"));
}

ChainVerdict CheckEscalate(const v1::Incident& state,
                           const v1::SituationUpdate& update, v1::Role tier) {
  const v1::Role lead = state.lead().tier();
  if (tier == lead) {
    return Refuse(update, "escalate-upward",
                  absl::StrCat(TierDisplayName(tier), " leads already"),
                  "publish KIND_UPDATE");
  }
  if (TierRank(tier) < TierRank(lead)) {
    return Refuse(update, "escalate-upward",
                  absl::StrCat(TierDisplayName(tier),
                               " is below the tier in charge, ",
                               LeadText(state)),
                  "the lead comes back down by a KIND_DEESCALATE of the "
                  "tier in charge");
  }
  if (FindRequestTo(state, tier, v1::SupportRequest::STATE_ACKNOWLEDGED) < 0) {
    return Refuse(update, "escalate-after-acknowledge",
                  absl::StrCat(TierDisplayName(tier),
                               " has no acknowledged support request"),
                  "the tier in charge asks it (KIND_REQUEST_SUPPORT), it "
                  "acknowledges (KIND_ACKNOWLEDGE), then it takes the "
                  "lead (KIND_ESCALATE)");
  }
  return {};
}

ChainVerdict CheckDeescalate(const v1::Incident& state,
                             const v1::SituationUpdate& update,
                             v1::Role tier) {
  const v1::Role lead = state.lead().tier();
  if (tier == lead) {
    const v1::Role target = DeescalateTarget(state, update, tier);
    if (TierRank(target) == 0 || TierRank(target) >= TierRank(tier)) {
      return Refuse(update, "deescalate-downward",
                    absl::StrCat(TierDisplayName(tier), " would hand the lead to ",
                                 TierRank(target) == 0 ? "no tier"
                                                       : TierDisplayName(target),
                                 ", which is not below it"),
                    "name a lower tier that took part in the incident in "
                    "target_tier");
    }
    if (!WasInThread(state, target)) {
      return Refuse(update, "deescalate-to-thread-tier",
                    absl::StrCat(TierDisplayName(target),
                                 " has not taken part in the incident"),
                    "hand the lead back to a tier that opened, asked or led it");
    }
    return {};
  }
  // A tier above the lead that supports it may withdraw: its request closes,
  // the lead stays.
  const bool withdraws =
      TierRank(tier) > TierRank(lead) &&
      FindRequestTo(state, tier, v1::SupportRequest::STATE_ACKNOWLEDGED) >= 0 &&
      (update.target_tier() == v1::ROLE_UNSPECIFIED ||
       update.target_tier() == lead);
  if (withdraws) return {};
  return Refuse(update, "deescalate-from-lead",
                DoesNotLead(state, tier),
                "the tier in charge hands the lead back down (a supporting "
                "tier above it may withdraw its support the same way)");
}

// KIND_RESOLVE and KIND_CANCEL.
ChainVerdict CheckClose(const v1::Incident& state,
                        const v1::SituationUpdate& update, v1::Role tier) {
  if (tier == state.lead().tier()) return {};
  return Refuse(update, "close-by-lead",
                DoesNotLead(state, tier),
                "the tier in charge resolves or cancels the incident");
}

}  // namespace

v1::Role ActingTier(const v1::SituationUpdate& update) {
  return IsResponderRole(update.role()) ? update.role() : v1::ROLE_UNSPECIFIED;
}

int FindRequestTo(const v1::Incident& state, v1::Role tier, State wanted) {
  for (int i = state.support_requests_size() - 1; i >= 0; --i) {
    const v1::SupportRequest& request = state.support_requests(i);
    if (request.to_tier() == tier && request.state() == wanted) return i;
  }
  return -1;
}

bool IsEngaged(const v1::Incident& state, v1::Role tier) {
  if (TierRank(tier) == 0) return false;
  if (state.lead().tier() == tier) return true;
  for (const v1::SupportRequest& request : state.support_requests()) {
    if (request.state() == v1::SupportRequest::STATE_CLOSED) continue;
    if (request.from_tier() == tier) return true;
    if (request.to_tier() == tier &&
        request.state() == v1::SupportRequest::STATE_ACKNOWLEDGED) {
      return true;
    }
  }
  return false;
}

v1::Role RequestTarget(const v1::SituationUpdate& update, v1::Role from) {
  if (update.target_tier() != v1::ROLE_UNSPECIFIED) return update.target_tier();
  return TierOfRank(TierRank(from) + 1);
}

v1::Role DeescalateTarget(const v1::Incident& state,
                          const v1::SituationUpdate& update, v1::Role from) {
  if (update.target_tier() != v1::ROLE_UNSPECIFIED) return update.target_tier();
  if (from != state.lead().tier()) return from;
  // The request that brought the lead here: the latest one to `from` that
  // is not closed.
  int index = FindRequestTo(state, from, v1::SupportRequest::STATE_ACKNOWLEDGED);
  if (index < 0) index = FindRequestTo(state, from, v1::SupportRequest::STATE_OPEN);
  if (index >= 0) return state.support_requests(index).from_tier();
  return TierOfRank(TierRank(from) - 1);
}

ChainVerdict CheckChainRules(const v1::Incident& state,
                             const v1::SituationUpdate& update) {
  if (update.incident_id().empty()) return {};
  const v1::Role tier = ActingTier(update);
  switch (update.kind()) {
    case v1::KIND_NEW:
      return CheckOpen(update, tier);
    case v1::KIND_UPDATE:
      return CheckUpdate(state, update, tier);
    case v1::KIND_REQUEST_SUPPORT:
      return CheckRequestSupport(state, update, tier);
    case v1::KIND_ACKNOWLEDGE:
      return CheckAcknowledge(state, update, tier);
    case v1::KIND_ESCALATE:
      return CheckEscalate(state, update, tier);
    case v1::KIND_DEESCALATE:
      return CheckDeescalate(state, update, tier);
    case v1::KIND_RESOLVE:
    case v1::KIND_CANCEL:
      return CheckClose(state, update, tier);
    default:
      return {};
  }
}

}  // namespace sitrep
