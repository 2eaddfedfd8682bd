#include "server/incident/tiers.h"

#include "absl/strings/str_cat.h"

namespace sitrep {

bool IsResponderRole(v1::Role role) { return TierRank(role) != 0; }

v1::Role TierOfMission(v1::Mission mission) {
  switch (mission) {
    case v1::MISSION_KOSOVO_POLICE:
      return v1::ROLE_FIRST_RESPONDER;
    case v1::MISSION_EULEX:
      return v1::ROLE_SECOND_RESPONDER;
    case v1::MISSION_KFOR:
      return v1::ROLE_THIRD_RESPONDER;
    default:
      return v1::ROLE_UNSPECIFIED;
  }
}

v1::Mission MissionOfTier(v1::Role tier) {
  switch (tier) {
    case v1::ROLE_FIRST_RESPONDER:
      return v1::MISSION_KOSOVO_POLICE;
    case v1::ROLE_SECOND_RESPONDER:
      return v1::MISSION_EULEX;
    case v1::ROLE_THIRD_RESPONDER:
      return v1::MISSION_KFOR;
    default:
      return v1::MISSION_UNSPECIFIED;
  }
}

int TierRank(v1::Role role) {
  switch (role) {
    case v1::ROLE_FIRST_RESPONDER:
      return 1;
    case v1::ROLE_SECOND_RESPONDER:
      return 2;
    case v1::ROLE_THIRD_RESPONDER:
      return 3;
    default:
      return 0;
  }
}

v1::Role TierOfRank(int rank) {
  switch (rank) {
    case 1:
      return v1::ROLE_FIRST_RESPONDER;
    case 2:
      return v1::ROLE_SECOND_RESPONDER;
    case 3:
      return v1::ROLE_THIRD_RESPONDER;
    default:
      return v1::ROLE_UNSPECIFIED;
  }
}

std::string MissionDisplayName(v1::Mission mission) {
  switch (mission) {
    case v1::MISSION_KOSOVO_POLICE:
      return "Kosovo Police";
    case v1::MISSION_EULEX:
      return "EULEX";
    case v1::MISSION_KFOR:
      return "KFOR";
    default:
      return v1::Mission_Name(mission);
  }
}

std::string TierDisplayName(v1::Role tier) {
  static constexpr const char* kOrdinal[] = {"", "first", "second", "third"};
  const int rank = TierRank(tier);
  if (rank == 0) return v1::Role_Name(tier);
  return absl::StrCat(MissionDisplayName(MissionOfTier(tier)), " (",
                      kOrdinal[rank], " tier)");
}

}  // namespace sitrep
