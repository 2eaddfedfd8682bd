#ifndef SITREP_SERVER_AUTH_PRINCIPAL_H_
#define SITREP_SERVER_AUTH_PRINCIPAL_H_

#include <string>

namespace sitrep {

// Who is calling. Until authentication lands (issue: security), every call
// is the anonymous development principal, which may publish and read as
// every mission; sitrepd then only listens on loopback by default.
struct Principal {
  std::string name;
  // Bit (1 << Mission) for each mission the principal may publish as / read.
  uint32_t publish_missions = 0;
  uint32_t read_missions = 0;
  bool admin = false;

  bool MayPublish(int mission) const {
    return mission >= 0 && mission < 32 && (publish_missions >> mission) & 1u;
  }
};

// The principal of unauthenticated calls in development mode.
inline Principal AnonymousPrincipal() {
  return Principal{"anonymous", ~0u, ~0u, false};
}

// The principal the server itself publishes as (EXPIRED updates).
inline constexpr char kSystemPublisher[] = "sitrep";

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_PRINCIPAL_H_
