#ifndef SITREP_SERVER_INTEROP_CAP_IMPORT_H_
#define SITREP_SERVER_INTEROP_CAP_IMPORT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

struct CapImportOptions {
  // The mission to publish as when the alert names none (no sitrep:mission
  // parameter): `sitrep import --mission`, `POST /v1/cap?mission=`.
  v1::Mission mission = v1::MISSION_UNSPECIFIED;
};

// Reads one CAP 1.2 <alert> document (libxml2, no network, no DTD) into the
// publish it maps to (docs/interop.md, "CAP 1.2 in"): the reverse of
// RenderCapAlert for sitrep's own alerts (their sitrep: parameters), and
// the documented mapping for other systems' alerts. The update is then
// validated by the publisher like any other.
//
// INVALID_ARGUMENT naming the element ("alert.status: 'Draft' cannot be
// mapped: ...") for a document that is no CAP 1.2 alert or holds what
// sitrep cannot carry: status System or Draft, msgType Ack or Error, scope
// Private, an Update or Cancel that names no incident (no <incidents>, no
// <references>), no <info>, more than one area shape, no mission.
absl::StatusOr<v1::PublishRequest> ParseCapAlert(absl::string_view xml,
                                                 const CapImportOptions& options);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CAP_IMPORT_H_
