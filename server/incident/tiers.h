#ifndef SITREP_SERVER_INCIDENT_TIERS_H_
#define SITREP_SERVER_INCIDENT_TIERS_H_

// The three tiers of Kosovo's security chain and the mission that holds each:
// the Kosovo Police first, EULEX second, KFOR third.

#include <string>

#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// True for ROLE_FIRST/SECOND/THIRD_RESPONDER.
bool IsResponderRole(v1::Role role);

// The tier a mission acts as (ROLE_UNSPECIFIED for an unknown mission).
v1::Role TierOfMission(v1::Mission mission);

// The mission that holds a tier (MISSION_UNSPECIFIED for a non-tier role).
v1::Mission MissionOfTier(v1::Role tier);

// 1, 2, 3 for the responder tiers; 0 otherwise.
int TierRank(v1::Role role);

// The tier of rank `rank` (1..3); ROLE_UNSPECIFIED otherwise.
v1::Role TierOfRank(int rank);

// "Kosovo Police", "EULEX", "KFOR".
std::string MissionDisplayName(v1::Mission mission);

// "EULEX (second tier)": how error messages name a tier.
std::string TierDisplayName(v1::Role tier);

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_TIERS_H_
