#ifndef SITREP_SERVER_AUTH_READ_RIGHTS_H_
#define SITREP_SERVER_AUTH_READ_RIGHTS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/auth/principal.h"
#include "sitrep/v1/filter.pb.h"

namespace sitrep {

// Checks a reader's filter against its rights before any read
// (Subscribe, ListUpdates, GetSituation). A filter that names a mission the
// principal may not read is PERMISSION_DENIED ("filter.missions[1]:
// principal 'kfor-watch' may not read MISSION_EULEX"); so is any read by a
// principal that may read no mission. Everything else passes: the filter is
// then compiled with the principal's read_missions, which silently narrows
// what it matches (FilterMatcher::Compile).
absl::Status CheckReadRights(const Principal& principal,
                             const v1::Filter& filter,
                             absl::string_view field_prefix = "filter");

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_READ_RIGHTS_H_
