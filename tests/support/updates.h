#ifndef SITREP_TESTS_SUPPORT_UPDATES_H_
#define SITREP_TESTS_SUPPORT_UPDATES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep::testing {

// Parses a text-format proto; fails the test on a parse error.
v1::SituationUpdate UpdateFromText(absl::string_view text);
v1::PublishRequest PublishRequestFromText(absl::string_view text);

// A valid update of `mission` with a unique-enough headline: stand-alone
// (no incident), PATROL, MINOR, in Prishtinë.
v1::SituationUpdate PatrolUpdate(v1::Mission mission,
                                 absl::string_view headline = "Patrol");

// A valid KIND_NEW update opening `incident_id`, by `mission` acting as its
// own tier. The chain's rules let only the Kosovo Police open an incident,
// so one opened by another mission carries a chain exception (the
// publisher needs the chainException right for it under an access policy).
v1::SituationUpdate NewIncident(absl::string_view incident_id,
                                v1::Mission mission = v1::MISSION_KOSOVO_POLICE);

// The sequences of `updates`, in their order.
std::vector<uint64_t> Sequences(const std::vector<v1::SituationUpdate>& updates);

// first, first + 1, ..., last (empty when last < first).
std::vector<uint64_t> SequenceRange(uint64_t first, uint64_t last);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_UPDATES_H_
