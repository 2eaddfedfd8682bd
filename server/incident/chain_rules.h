#ifndef SITREP_SERVER_INCIDENT_CHAIN_RULES_H_
#define SITREP_SERVER_INCIDENT_CHAIN_RULES_H_

// The security chain's rules for an update of an incident thread, checked
// against the incident's state before the update. docs/design.md ("The
// security chain as rules") has them as a table; each rule has an id that
// error messages, exceptions (Incident.exceptions.rule) and tests use.
//
//   v1::Incident state = ...;                 // the thread so far
//   ChainVerdict verdict = CheckChainRules(state, update);
//   if (!verdict.ok() && !update.has_chain_exception()) return verdict.status;
//
// The thread rules that no exception lifts (KIND_NEW on a used id, anything
// on a closed one, a stale expected_incident_version) are checked by the log
// (server/log/incident_thread.h) before these.

#include <string>

#include "absl/status/status.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

struct ChainVerdict {
  // OK, or FAILED_PRECONDITION whose message names the rule, what is wrong
  // and what would make the update valid.
  absl::Status status;
  // The id of the rule that refused it ("acknowledge-open-request"); empty
  // when the update follows the chain.
  std::string rule;

  bool ok() const { return status.ok(); }
};

// `state`: the incident before `update` (a default Incident for KIND_NEW).
// `update`: a validated incident update (its role is its mission's tier or a
// non-responder role). Stand-alone reports and KIND_EXPIRED always pass.
ChainVerdict CheckChainRules(const v1::Incident& state,
                             const v1::SituationUpdate& update);

// The tier an update acts as: its role when that is a responder role,
// otherwise ROLE_UNSPECIFIED.
v1::Role ActingTier(const v1::SituationUpdate& update);

// True when `tier` takes part in the incident now: it leads, it asked for
// support that is not closed, or it acknowledged a request to it that is
// not closed.
bool IsEngaged(const v1::Incident& state, v1::Role tier);

// The tier a REQUEST_SUPPORT from `from` asks: `target_tier` when set, else
// the next one up (ROLE_UNSPECIFIED above the third tier).
v1::Role RequestTarget(const v1::SituationUpdate& update, v1::Role from);

// The tier a DEESCALATE from `from` hands the lead to: `target_tier` when
// set; else, from the tier in charge, the tier whose request brought the lead
// to it (or the next one down); else, in history stored before the rules
// (where `role` named the new tier), `from` itself.
v1::Role DeescalateTarget(const v1::Incident& state,
                          const v1::SituationUpdate& update, v1::Role from);

// The index in state.support_requests of the request to `tier` that is not
// closed and is in `wanted` state (-1: none). The latest one if several.
int FindRequestTo(const v1::Incident& state, v1::Role tier,
                  v1::SupportRequest::State wanted);

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_CHAIN_RULES_H_
