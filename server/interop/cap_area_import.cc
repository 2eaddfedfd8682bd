#include "server/interop/cap_area_import.h"

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cap_xml.h"

namespace sitrep {
namespace {

using cap_xml::Child;
using cap_xml::Children;
using cap_xml::Invalid;
using cap_xml::Text;

absl::StatusOr<v1::GeoPoint> Point(absl::string_view text,
                                   absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  double lat = 0, lon = 0;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lat) ||
      !absl::SimpleAtod(parts[1], &lon)) {
    return Invalid(field, absl::StrCat("'", text,
                                       "' is no WGS 84 pair \"lat,lon\" "
                                       "(CAP 1.2 section 3.2.4)"));
  }
  v1::GeoPoint point;
  point.set_latitude(lat);
  point.set_longitude(lon);
  return point;
}

// The <polygon> and <circle> shapes of one <area> (a circle of radius 0 is
// the update's point, not a shape). Returns how many shapes it read.
absl::StatusOr<int> ReadShapes(const xmlNode* area, v1::SituationUpdate* u) {
  int shapes = 0;
  for (const xmlNode* polygon : Children(area, "polygon")) {
    ++shapes;
    for (absl::string_view pair :
         absl::StrSplit(Text(polygon), ' ', absl::SkipEmpty())) {
      absl::StatusOr<v1::GeoPoint> point = Point(pair, "alert.info.area.polygon");
      if (!point.ok()) return point.status();
      *u->mutable_area()->mutable_polygon()->add_points() = *point;
    }
  }
  for (const xmlNode* circle : Children(area, "circle")) {
    std::vector<std::string> parts =
        absl::StrSplit(Text(circle), ' ', absl::SkipEmpty());
    double radius = 0;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[1], &radius)) {
      return Invalid("alert.info.area.circle",
                     "is no \"lat,lon radius\" (CAP 1.2 section 3.2.4)");
    }
    absl::StatusOr<v1::GeoPoint> center = Point(parts[0], "alert.info.area.circle");
    if (!center.ok()) return center.status();
    if (radius == 0) {
      // A point (sitrep writes location.point this way).
      *u->mutable_location()->mutable_point() = *center;
      continue;
    }
    ++shapes;
    *u->mutable_area()->mutable_circle()->mutable_center() = *center;
    u->mutable_area()->mutable_circle()->set_radius_km(radius);
  }
  return shapes;
}

}  // namespace

absl::Status ReadCapArea(const xmlNode* info, v1::SituationUpdate* u,
                         bool place_given, const std::string* own_description,
                         bool own) {
  std::vector<const xmlNode*> areas = Children(info, "area");
  if (areas.size() > 1) {
    return Invalid("alert.info.area",
                   absl::StrCat("has ", areas.size(),
                                " areas; sitrep keeps one per update (send "
                                "one alert per area)"));
  }
  if (areas.empty()) return absl::OkStatus();
  const xmlNode* area = areas.front();
  const std::string description = Child(area, "areaDesc");
  absl::StatusOr<int> shapes = ReadShapes(area, u);
  if (!shapes.ok()) return shapes.status();
  if (*shapes > 1) {
    return Invalid("alert.info.area",
                   absl::StrCat("has ", *shapes,
                                " polygons and circles; sitrep keeps one "
                                "shape per update"));
  }
  for (const xmlNode* geocode : Children(area, "geocode")) {
    if (Child(geocode, "valueName") ==
        absl::StrCat(kCapParameterPrefix, "municipality")) {
      u->mutable_location()->set_municipality(Child(geocode, "value"));
    }
  }
  // sitrep's own alerts say whether the area had a description of its own;
  // another system's areaDesc describes its shape, or else names the place
  // (unless it is the last resort "Kosovo" or a municipality says more).
  if (own) {
    if (own_description != nullptr) u->mutable_area()->set_description(*own_description);
  } else if (*shapes == 1) {
    u->mutable_area()->set_description(description);
  } else if (!place_given && !description.empty() && description != "Kosovo" &&
             u->location().municipality().empty()) {
    u->mutable_location()->set_place(description);
  }
  return absl::OkStatus();
}

}  // namespace sitrep
