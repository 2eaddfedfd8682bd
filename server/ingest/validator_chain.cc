// The kind of an update and its place in the security chain (the tiers).
#include "server/ingest/validator_checks.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/incident/tiers.h"

namespace sitrep::validator_internal {
namespace {

// The kinds that are actions of a responder tier (KIND_UPDATE may also be a
// SUPPORT or LIAISON note; KIND_EXPIRED is the server's, in the role of the
// update it closes).
bool IsResponderKind(v1::Kind kind) {
  return kind != v1::KIND_UNSPECIFIED && kind != v1::KIND_UPDATE &&
         kind != v1::KIND_EXPIRED;
}

}  // namespace

// KIND_EXPIRED is appended by the server when expires_at passes, so that
// every subscriber sees the same moment; publishers close with RESOLVE or
// CANCEL.
absl::Status CheckKind(const Errors& errors, const v1::SituationUpdate& u,
                       bool server_kinds) {
  if (auto status = CheckKnown<v1::Kind>(errors, "kind", u.kind(),
                                         {v1::KIND_EXPIRED});
      !status.ok()) {
    return status;
  }
  if (u.kind() == v1::KIND_EXPIRED && !server_kinds) {
    return errors.Invalid(
        "kind", "KIND_EXPIRED is set by the server only, when expires_at "
                "passes; close the incident with KIND_RESOLVE or KIND_CANCEL");
  }
  if (u.incident_id().empty() && u.kind() != v1::KIND_UNSPECIFIED) {
    return errors.Invalid("kind", "must be unset for a stand-alone report ",
                          "(incident_id is empty); set ",
                          errors.Path("incident_id"), " to publish ",
                          v1::Kind_Name(u.kind()), " into an incident thread");
  }
  if (!u.incident_id().empty() && u.kind() == v1::KIND_UNSPECIFIED) {
    return errors.Invalid(
        "kind", "is required with an incident_id; use KIND_NEW to open "
                "incident '",
        u.incident_id(), "' or KIND_UPDATE (or another kind) to add to it");
  }
  return absl::OkStatus();
}

// A mission acts as its own tier or in a non-responder role; the chain's
// rules that depend on the incident are the log's (chain_rules.h).
absl::Status CheckChainFields(const Errors& errors, const v1::SituationUpdate& u) {
  const v1::Role own = TierOfMission(u.mission());
  if (IsResponderRole(u.role()) && u.role() != own) {
    return errors.Invalid(
        "role", v1::Role_Name(u.role()), " is not ",
        MissionDisplayName(u.mission()), "'s tier: a mission acts as its own "
        "tier (Kosovo Police ROLE_FIRST_RESPONDER, EULEX "
        "ROLE_SECOND_RESPONDER, KFOR ROLE_THIRD_RESPONDER) or as ROLE_SUPPORT "
        "or ROLE_LIAISON; use ", v1::Role_Name(own),
        ". Which tier leads an incident moves with KIND_ESCALATE and "
        "KIND_DEESCALATE");
  }
  if (IsResponderKind(u.kind()) && !IsResponderRole(u.role())) {
    return errors.Invalid(
        "role", v1::Kind_Name(u.kind()), " is an action of a responder tier; "
        "publish it as ", v1::Role_Name(own),
        ", or use KIND_UPDATE for a ", v1::Role_Name(u.role()), " note");
  }
  if (auto status = CheckKnown<v1::Role>(errors, "target_tier", u.target_tier());
      !status.ok()) {
    return status;
  }
  if (u.target_tier() != v1::ROLE_UNSPECIFIED) {
    if (u.kind() != v1::KIND_REQUEST_SUPPORT && u.kind() != v1::KIND_DEESCALATE) {
      return errors.Invalid("target_tier", "only KIND_REQUEST_SUPPORT (the tier "
                            "asked) and KIND_DEESCALATE (the tier the lead "
                            "goes to) take a target tier; leave it unset");
    }
    if (!IsResponderRole(u.target_tier())) {
      return errors.Invalid("target_tier", "must be a responder tier: "
                            "ROLE_FIRST_RESPONDER, ROLE_SECOND_RESPONDER or "
                            "ROLE_THIRD_RESPONDER");
    }
  }
  if (!u.has_chain_exception()) return absl::OkStatus();
  if (u.incident_id().empty()) {
    return errors.Invalid("chain_exception", "only an incident update can "
                          "engage out of turn; set incident_id or drop it");
  }
  if (u.chain_exception().reason().find_first_not_of(' ') == std::string::npos) {
    return errors.Invalid("chain_exception.reason",
                          "is required: say why the update engages out of "
                          "turn (e.g. to protect life under the mandate)");
  }
  TextRules reason;
  reason.max_code_points = 500;
  return CheckText(errors, "chain_exception.reason", u.chain_exception().reason(),
                   reason);
}

}  // namespace sitrep::validator_internal
