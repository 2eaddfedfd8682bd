#ifndef SITREP_SERVER_INTEROP_CAP_AREA_IMPORT_H_
#define SITREP_SERVER_INTEROP_CAP_AREA_IMPORT_H_

// The <area> of a CAP alert's <info> read into an update's area and
// location (docs/interop.md, "CAP 1.2 in"): the reverse of the <area>
// RenderCapAlert writes. Part of ParseCapAlert (cap_import.h).

#include <libxml/tree.h>

#include <string>

#include "absl/status/status.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// Reads the one <area> of `info` (none: nothing to do) into `update`: its
// polygon or circle into update.area, a circle of radius 0 into
// location.point, the sitrep:municipality geocode into location.
// `place_given`: the alert carried a sitrep:place parameter (another
// system's areaDesc then does not become the place). `own`: the alert is
// sitrep's own (it carries sitrep:sequence). `own_description`: for
// sitrep's own alerts, the sitrep:area_description parameter (areaDesc may
// be a fallback); null when absent.
// INVALID_ARGUMENT naming the element for several areas, several shapes,
// or coordinates that are no WGS 84 "lat,lon" (CAP 1.2 section 3.2.4).
absl::Status ReadCapArea(const xmlNode* info, v1::SituationUpdate* update,
                         bool place_given, const std::string* own_description,
                         bool own);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CAP_AREA_IMPORT_H_
