#ifndef SITREP_SERVER_AUTH_PRINCIPAL_H_
#define SITREP_SERVER_AUTH_PRINCIPAL_H_

#include <cstdint>
#include <string>

namespace sitrep {

// Bit (1 << Mission) for each mission; all bits: every mission, including
// ones a newer proto adds.
inline constexpr uint32_t kAllMissions = ~uint32_t{0};

inline bool MissionInMask(uint32_t mask, int mission) {
  const auto m = static_cast<uint32_t>(mission);
  return m < 32 ? ((mask >> m) & 1u) != 0 : mask == kAllMissions;
}

// Who is calling, and what they may do: from a bearer token or a verified
// client certificate mapped by the access policy (access_policy.h), or the
// anonymous development principal when sitrepd runs without a policy on
// loopback.
struct Principal {
  std::string name;
  // Missions the principal may publish as / read (kAllMissions: all).
  uint32_t publish_missions = 0;
  uint32_t read_missions = 0;
  // Missions as which it may publish an update with a chain exception
  // (a subset of publish_missions).
  uint32_t chain_exception_missions = 0;
  // Reserved for administrative calls; implies no other right.
  bool admin = false;

  bool MayPublish(int mission) const {
    return MissionInMask(publish_missions, mission);
  }
  bool MayRead(int mission) const {
    return MissionInMask(read_missions, mission);
  }
  bool MayInvokeChainException(int mission) const {
    return MissionInMask(chain_exception_missions, mission);
  }
};

// The principal of every call in development mode (no access policy, which
// sitrepd only allows on a loopback address).
inline Principal AnonymousPrincipal() {
  return Principal{"anonymous", kAllMissions, kAllMissions, kAllMissions,
                   false};
}

// The principal the server itself publishes as (EXPIRED updates). No access
// policy may name a principal so.
inline constexpr char kSystemPublisher[] = "sitrep";

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_PRINCIPAL_H_
