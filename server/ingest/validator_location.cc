// Where an update is: its location (point, municipality, place) and its CAP fields (area, language and the rest).
#include "server/ingest/validator_checks.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/incident/update_status.h"
#include "server/ingest/municipality.h"
#include "server/ingest/municipality_neighbourhood.h"

namespace sitrep::validator_internal {
namespace {

// Kosovo with a margin; a point outside is almost always a typo or swapped
// coordinates (see GeoPoint in situation_update.proto).
constexpr double kMinLatitude = 41.5;
constexpr double kMaxLatitude = 43.5;
constexpr double kMinLongitude = 19.5;
constexpr double kMaxLongitude = 22.0;

// A longer municipality cannot be a spelling we know; checking first keeps a
// huge string out of the normaliser and out of the error message.
constexpr size_t kMaxMunicipalityBytes = 128;

bool InKosovo(double latitude, double longitude) {
  return latitude >= kMinLatitude && latitude <= kMaxLatitude &&
         longitude >= kMinLongitude && longitude <= kMaxLongitude;
}

absl::Status CheckPoint(const Errors& errors, const v1::GeoPoint& point) {
  const double lat = point.latitude();
  const double lon = point.longitude();
  constexpr absl::string_view kLat = "location.point.latitude";
  constexpr absl::string_view kLon = "location.point.longitude";
  if (!std::isfinite(lat) || lat < -90 || lat > 90) {
    return errors.Invalid(kLat, lat,
                          " is not a latitude; send WGS84 degrees north "
                          "(-90..90)");
  }
  if (!std::isfinite(lon) || lon < -180 || lon > 180) {
    return errors.Invalid(kLon, lon,
                          " is not a longitude; send WGS84 degrees east "
                          "(-180..180)");
  }
  if (InKosovo(lat, lon)) return absl::OkStatus();
  if (InKosovo(lon, lat)) {
    return errors.Invalid("location.point", "(", lat, ", ", lon,
                          ") is outside Kosovo but (", lon, ", ", lat,
                          ") is inside; latitude and longitude look swapped");
  }
  if (lat < kMinLatitude || lat > kMaxLatitude) {
    return errors.Invalid(kLat, lat, " is outside Kosovo (", kMinLatitude,
                          "..", kMaxLatitude,
                          " N); check the coordinates (WGS84 degrees)");
  }
  return errors.Invalid(kLon, lon, " is outside Kosovo (", kMinLongitude,
                        "..", kMaxLongitude,
                        " E); check the coordinates (WGS84 degrees)");
}

// A point and a municipality that contradict each other would put the
// update on the map in one place and in the municipality filter's answer
// for another: refuse it rather than guess which one is wrong.
// REQUIRES: the point is valid and the municipality, if any, canonical.
absl::Status CheckPointNearMunicipality(const Errors& errors,
                                        const v1::Location& location) {
  if (location.municipality().empty()) return absl::OkStatus();
  const Municipality* municipality =
      FindMunicipalityById(location.municipality());
  if (municipality == nullptr) return absl::OkStatus();
  const v1::GeoPoint& point = location.point();
  const double km = DistanceFromSeatKm(*municipality, point.latitude(),
                                       point.longitude());
  if (km <= kMunicipalityNeighbourhoodKm) return absl::OkStatus();
  return errors.Invalid(
      "location.point", "(", point.latitude(), ", ", point.longitude(),
      ") is ", absl::StrFormat("%.1f", km), " km from ", municipality->seat,
      ", the seat of ", errors.Path("location.municipality"), " ",
      municipality->albanian, "; a point may lie at most ",
      kMunicipalityNeighbourhoodKm,
      " km from its municipality's seat. Check the point or the "
      "municipality, or leave one of them out");
}

// A circle's radius, so that an area stays a place in Kosovo.
constexpr double kMaxRadiusKm = 100;

constexpr int kMaxPolygonPoints = 100;

constexpr size_t kMaxInstructionBytes = 2 * 1024;

constexpr size_t kMaxRestrictionChars = 200;

constexpr size_t kMaxAreaDescriptionChars = 200;

constexpr size_t kMaxLanguageChars = 35;

bool IsAsciiAlpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 5646 section 2.1 `langtag` (plus `privateuse` alone), checked for
// well-formedness, not against the IANA registry: language (2-3 letters with
// up to three 3-letter extlangs, or 4-8 letters), then optionally script (4
// letters), region (2 letters or 3 digits), variants (5-8 alphanumerics, or
// a digit and 3 alphanumerics), extensions (a singleton other than x and
// 2-8 alphanumerics) and a private use part (x and 1-8 alphanumerics).
bool IsLanguageTag(absl::string_view tag) {
  std::vector<absl::string_view> parts = absl::StrSplit(tag, '-');
  for (absl::string_view part : parts) {
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      if (!IsAsciiAlpha(c) && !IsAsciiDigit(c)) return false;
    }
  }
  auto all_alpha = [](absl::string_view p) {
    return std::all_of(p.begin(), p.end(), IsAsciiAlpha);
  };
  auto all_digit = [](absl::string_view p) {
    return std::all_of(p.begin(), p.end(), IsAsciiDigit);
  };
  size_t i = 0;
  auto is_x = [](absl::string_view p) { return p == "x" || p == "X"; };
  auto private_use = [&](size_t from) { return from + 1 < parts.size(); };
  if (is_x(parts[0])) return private_use(0);
  if (!all_alpha(parts[0]) || parts[0].size() < 2) return false;
  const bool short_language = parts[0].size() <= 3;
  ++i;
  for (int extlangs = 0; short_language && extlangs < 3 && i < parts.size() &&
                         parts[i].size() == 3 && all_alpha(parts[i]);
       ++extlangs) {
    ++i;
  }
  if (i < parts.size() && parts[i].size() == 4 && all_alpha(parts[i])) ++i;
  if (i < parts.size() && ((parts[i].size() == 2 && all_alpha(parts[i])) ||
                           (parts[i].size() == 3 && all_digit(parts[i])))) {
    ++i;
  }
  while (i < parts.size() &&
         (parts[i].size() >= 5 ||
          (parts[i].size() == 4 && IsAsciiDigit(parts[i][0])))) {
    ++i;
  }
  while (i < parts.size() && parts[i].size() == 1 && !is_x(parts[i])) {
    size_t j = i + 1;
    while (j < parts.size() && parts[j].size() >= 2) ++j;
    if (j == i + 1) return false;  // a singleton needs a subtag
    i = j;
  }
  if (i < parts.size() && is_x(parts[i])) return private_use(i);
  return i == parts.size();
}

// A point of an area: the same extent and messages as location.point, under
// the area's path.
absl::Status CheckAreaPoint(const Errors& errors, absl::string_view field,
                            const v1::GeoPoint& point) {
  absl::Status s = CheckPoint(errors, point);
  if (s.ok()) return s;
  // CheckPoint names location.point; say which point of the area it was.
  std::string message(s.message());
  absl::StrReplaceAll({{"location.point", field}}, &message);
  return absl::InvalidArgumentError(message);
}

absl::Status CheckCircle(const Errors& errors, const v1::Circle& circle) {
  if (!circle.has_center()) {
    return errors.Invalid("area.circle.center",
                          "is required; give the circle's centre in Kosovo");
  }
  if (auto s = CheckAreaPoint(errors, "area.circle.center", circle.center());
      !s.ok()) {
    return s;
  }
  const double r = circle.radius_km();
  if (!std::isfinite(r) || r <= 0 || r > kMaxRadiusKm) {
    return errors.Invalid("area.circle.radius_km", r,
                          " is not a radius; send kilometres, more than 0 "
                          "and at most ", kMaxRadiusKm);
  }
  // The circle's bounding box must lie in the extent too (1 degree of
  // latitude is ~111 km; a degree of longitude shrinks with cos(latitude)).
  const double lat = circle.center().latitude();
  const double lon = circle.center().longitude();
  const double dlat = r / 111.0;
  const double dlon = r / (111.0 * std::cos(lat * M_PI / 180.0));
  if (!InKosovo(lat - dlat, lon - dlon) || !InKosovo(lat + dlat, lon + dlon)) {
    return errors.Invalid("area.circle", "a circle of ", r, " km around (",
                          lat, ", ", lon, ") reaches outside Kosovo (",
                          kMinLatitude, "..", kMaxLatitude, " N, ",
                          kMinLongitude, "..", kMaxLongitude,
                          " E); use a smaller radius");
  }
  return absl::OkStatus();
}

absl::Status CheckPolygon(const Errors& errors, v1::Polygon& polygon) {
  auto& points = *polygon.mutable_points();
  const auto same = [](const v1::GeoPoint& a, const v1::GeoPoint& b) {
    return a.latitude() == b.latitude() && a.longitude() == b.longitude();
  };
  // A ring sent open is closed here, as CAP wants first == last.
  if (!points.empty() && !same(points[0], points[points.size() - 1])) {
    *points.Add() = points[0];
  }
  if (points.size() < 4 || points.size() > kMaxPolygonPoints) {
    return errors.Invalid("area.polygon.points", "has ", points.size(),
                          " points (closed); a polygon needs 4 to ",
                          kMaxPolygonPoints,
                          " with the first equal to the last (at least 3 "
                          "corners)");
  }
  for (int i = 0; i < points.size(); ++i) {
    if (auto s = CheckAreaPoint(
            errors, absl::StrCat("area.polygon.points[", i, "]"), points[i]);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckArea(const Errors& errors, v1::Area& area) {
  TextRules description;
  description.max_code_points = kMaxAreaDescriptionChars;
  description.control_hint = " (an area description is one line of text)";
  if (auto s = CheckText(errors, "area.description", area.description(),
                         description);
      !s.ok()) {
    return s;
  }
  switch (area.shape_case()) {
    case v1::Area::kCircle:
      return CheckCircle(errors, area.circle());
    case v1::Area::kPolygon:
      return CheckPolygon(errors, *area.mutable_polygon());
    case v1::Area::SHAPE_NOT_SET:
      break;
  }
  return errors.Invalid("area", "has no shape; give a circle or a polygon, "
                                "or leave the area out");
}

}  // namespace

// --- Location --------------------------------------------------------------

absl::Status CheckLocation(const Errors& errors, v1::Location& location,
                           const ValidationLimits& limits) {
  if (!location.municipality().empty()) {
    constexpr absl::string_view kField = "location.municipality";
    if (location.municipality().size() > kMaxMunicipalityBytes) {
      return errors.Invalid(kField, "is ", location.municipality().size(),
                            " bytes long, longer than any municipality "
                            "name; send one of Kosovo's 38 municipalities");
    }
    if (auto s = CheckText(errors, kField, location.municipality(), {});
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::string> id =
        NormalizeMunicipality(location.municipality());
    if (!id.ok()) {
      // After "did you mean X?" the advice is a sentence of its own.
      const bool suggested = absl::EndsWith(id.status().message(), "?");
      return errors.Invalid(
          kField, id.status().message(), suggested ? " Use" : "; use",
          " an Albanian, Serbian or English name of one of the 38 "
          "municipalities (e.g. \"Prishtinë\", \"Mitrovica\"), or leave it "
          "empty");
    }
    location.set_municipality(*std::move(id));
  }
  TextRules place;
  place.max_code_points = limits.max_place_chars;
  place.control_hint = " (a place name is one line of text)";
  if (auto s = CheckText(errors, "location.place", location.place(), place);
      !s.ok()) {
    return s;
  }
  if (!location.has_point()) return absl::OkStatus();
  if (auto s = CheckPoint(errors, location.point()); !s.ok()) return s;
  return CheckPointNearMunicipality(errors, location);
}

// --- CAP fields ------------------------------------------------------------

namespace {

// Known responses, each listed once.
absl::Status CheckResponseTypes(const Errors& errors, const v1::SituationUpdate& u) {
  uint32_t seen = 0;
  for (int i = 0; i < u.response_types_size(); ++i) {
    const std::string field = absl::StrCat("response_types[", i, "]");
    const int v = u.response_types(i);
    if (v == v1::RESPONSE_TYPE_UNSPECIFIED) {
      return errors.Invalid(field, "RESPONSE_TYPE_UNSPECIFIED is not a "
                                   "response; use one of ",
                            AllowedNames<v1::ResponseType>({}));
    }
    if (auto s = CheckKnown<v1::ResponseType>(errors, field, v); !s.ok()) {
      return s;
    }
    if ((seen >> v) & 1u) {
      return errors.Invalid(field, v1::ResponseType_Name(
                                       static_cast<v1::ResponseType>(v)),
                            " is listed twice; list each response once");
    }
    seen |= 1u << v;
  }
  return absl::OkStatus();
}

}  // namespace

// status, urgency, certainty, response_types, instruction, language,
// releasability and area (docs/interop.md). Also maps the deprecated
// CATEGORY_EXERCISE onto the status.
absl::Status CheckCapFields(const Errors& errors, v1::SituationUpdate& u) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (u.category() == v1::CATEGORY_EXERCISE &&
      u.status() != v1::STATUS_UNSPECIFIED &&
      u.status() != v1::STATUS_EXERCISE) {
    return errors.Invalid(
        "category", "CATEGORY_EXERCISE (deprecated) says status "
        "STATUS_EXERCISE, but status is ", v1::Status_Name(u.status()),
        "; send status STATUS_EXERCISE and the category of what is "
        "exercised");
  }
#pragma GCC diagnostic pop
  UpgradeExerciseCategory(&u);
  for (absl::Status s :
       {CheckKnown<v1::Status>(errors, "status", u.status()),
        CheckKnown<v1::Urgency>(errors, "urgency", u.urgency()),
        CheckKnown<v1::Certainty>(errors, "certainty", u.certainty()),
        CheckKnown<v1::Scope>(errors, "releasability.scope",
                              u.releasability().scope())}) {
    if (!s.ok()) return s;
  }
  if (auto s = CheckResponseTypes(errors, u); !s.ok()) return s;
  TextRules instruction;
  instruction.max_bytes = kMaxInstructionBytes;
  instruction.allow_newline_and_tab = true;
  if (auto s = CheckText(errors, "instruction", u.instruction(), instruction);
      !s.ok()) {
    return s;
  }
  if (!u.language().empty() &&
      (u.language().size() > kMaxLanguageChars || !IsLanguageTag(u.language()))) {
    return errors.Invalid(
        "language", "'", absl::CHexEscape(u.language().substr(0, 64)),
        "' is not a BCP 47 language tag; send e.g. \"sq\", \"sr-Latn\", "
        "\"en-GB\" (RFC 5646, at most ", kMaxLanguageChars,
        " characters), or leave it empty");
  }
  if (!u.releasability().restriction().empty()) {
    if (u.releasability().scope() != v1::SCOPE_RESTRICTED) {
      return errors.Invalid("releasability.restriction",
                            "is only for SCOPE_RESTRICTED; set "
                            "releasability.scope to SCOPE_RESTRICTED or "
                            "leave the restriction out");
    }
    TextRules restriction;
    restriction.max_code_points = kMaxRestrictionChars;
    restriction.control_hint = " (a restriction is one line of text)";
    if (auto s = CheckText(errors, "releasability.restriction",
                           u.releasability().restriction(), restriction);
        !s.ok()) {
      return s;
    }
  }
  if (u.has_area()) return CheckArea(errors, *u.mutable_area());
  return absl::OkStatus();
}

}  // namespace sitrep::validator_internal
