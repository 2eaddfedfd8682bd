#include "server/ingest/validator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/human_duration.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/util/time_util.h"
#include "server/incident/tiers.h"
#include "server/incident/update_status.h"
#include "server/ingest/municipality.h"
#include "server/ingest/municipality_neighbourhood.h"
#include "server/wire/utf8.h"

namespace sitrep {
namespace {

// Kosovo with a margin; a point outside is almost always a typo or swapped
// coordinates (see GeoPoint in situation_update.proto).
constexpr double kMinLatitude = 41.5;
constexpr double kMaxLatitude = 43.5;
constexpr double kMinLongitude = 19.5;
constexpr double kMaxLongitude = 22.0;

// Copied into constexpr locals: the TimeUtil members are declared but not
// defined out of class, so binding them to a reference would not link.
constexpr int64_t kMinTimestampSeconds =
    google::protobuf::util::TimeUtil::kTimestampMinSeconds;
constexpr int64_t kMaxTimestampSeconds =
    google::protobuf::util::TimeUtil::kTimestampMaxSeconds;

// A longer municipality cannot be a spelling we know; checking first keeps a
// huge string out of the normaliser and out of the error message.
constexpr size_t kMaxMunicipalityBytes = 128;
// Labels keys are quoted in error paths; a hostile key is cut to this.
constexpr size_t kMaxQuotedKeyBytes = 64;

// Builds "<prefix>.<field>: <message>" errors.
class Errors {
 public:
  explicit Errors(absl::string_view prefix) : prefix_(prefix) {}

  std::string Path(absl::string_view field) const {
    return prefix_.empty() ? std::string(field)
                           : absl::StrCat(prefix_, ".", field);
  }

  template <typename... Args>
  absl::Status Invalid(absl::string_view field, const Args&... message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Path(field), ": ", message...));
  }

 private:
  absl::string_view prefix_;
};

// --- Text ------------------------------------------------------------------

struct TextRules {
  size_t max_code_points = SIZE_MAX;
  size_t max_bytes = SIZE_MAX;
  // Line breaks and tabs, for multi-line bodies.
  bool allow_newline_and_tab = false;
  // Added to the control-character message to say where such text belongs.
  absl::string_view control_hint;
};

bool IsControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
// U+2066..U+2069): they make text display in another order than it is
// stored, so a reader could be shown a different place or headline than the
// one published ("Trojan Source"; issue 17, L-6). Refused in every text
// field; the marks (U+200E, U+200F) stay allowed.
bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

absl::Status CheckText(const Errors& errors, absl::string_view field,
                       absl::string_view text, const TextRules& rules) {
  if (text.size() > rules.max_bytes) {
    return errors.Invalid(field, "is ", text.size(), " bytes long; at most ",
                          rules.max_bytes, " bytes are allowed, shorten it");
  }
  size_t code_points = 0;
  for (size_t pos = 0; pos < text.size(); ++code_points) {
    const size_t start = pos;
    char32_t cp = 0;
    if (const char* defect = DecodeUtf8(text, &pos, &cp)) {
      return errors.Invalid(field, "is not valid UTF-8 (", defect,
                            " at byte ", start,
                            "); send the text encoded as UTF-8");
    }
    if (IsBidiControl(cp)) {
      return errors.Invalid(
          field, "contains the bidirectional control ",
          absl::StrFormat("U+%04X", static_cast<uint32_t>(cp)),
          " at character ", code_points + 1,
          "; remove it (it makes the text display in another order than "
          "it is stored)");
    }
    if (!IsControl(cp)) continue;
    // \r too: text from Windows clients ends its lines with \r\n.
    if (rules.allow_newline_and_tab && (cp == '\n' || cp == '\t' || cp == '\r')) {
      continue;
    }
    return errors.Invalid(
        field, "contains the control character ",
        absl::StrFormat("U+%04X", static_cast<uint32_t>(cp)), " at character ",
        code_points + 1, "; remove it",
        rules.allow_newline_and_tab ? " (only line breaks and tabs are allowed)"
                                    : "",
        rules.control_hint);
  }
  if (code_points > rules.max_code_points) {
    return errors.Invalid(field, "is ", code_points,
                          " characters long; at most ", rules.max_code_points,
                          " are allowed, shorten it");
  }
  return absl::OkStatus();
}

// --- Enums -----------------------------------------------------------------

// The names of the values a publisher may send, for "use one of" hints.
template <typename Enum>
std::string AllowedNames(std::vector<int> excluded) {
  excluded.push_back(0);
  const auto* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* value = descriptor->value(i);
    if (std::find(excluded.begin(), excluded.end(), value->number()) ==
        excluded.end()) {
      names.push_back(value->name());
    }
  }
  return absl::StrJoin(names, ", ");
}

// Rejects values the schema does not know (a newer client, or garbage).
template <typename Enum>
absl::Status CheckKnown(const Errors& errors, absl::string_view field,
                        int value, std::vector<int> excluded = {}) {
  if (google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value) !=
      nullptr) {
    return absl::OkStatus();
  }
  return errors.Invalid(field, "unknown value ", value, "; use one of ",
                        AllowedNames<Enum>(std::move(excluded)));
}

template <typename Enum>
absl::Status CheckRequired(const Errors& errors, absl::string_view field,
                           int value) {
  if (value == 0) {
    return errors.Invalid(field, "is required; use one of ",
                          AllowedNames<Enum>({}));
  }
  return CheckKnown<Enum>(errors, field, value);
}

// --- Identifiers -----------------------------------------------------------

absl::Status CheckEventId(const Errors& errors, const std::string& id,
                          size_t max_chars) {
  constexpr absl::string_view kRule =
      "; use printable ASCII without spaces (e.g. a UUID), or leave it "
      "empty to let the server make one";
  if (id.size() > max_chars) {
    return errors.Invalid("event_id", "is ", id.size(),
                          " characters long; at most ", max_chars,
                          " are allowed", kRule);
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x21 || c > 0x7E) {
      return errors.Invalid("event_id", "contains the byte ",
                            absl::StrFormat("0x%02X", c), " at position ", i,
                            kRule);
    }
  }
  return absl::OkStatus();
}

bool IsIncidentIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

absl::Status CheckIncidentId(const Errors& errors, const std::string& id,
                             size_t max_chars) {
  constexpr absl::string_view kRule =
      "; use letters, digits and . _ : - only (e.g. \"KP-2024-0815\")";
  if (id.size() > max_chars) {
    return errors.Invalid("incident_id", "is ", id.size(),
                          " characters long; at most ", max_chars,
                          " are allowed", kRule);
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIncidentIdChar(id[i])) {
      return errors.Invalid(
          "incident_id", "contains '",
          absl::CHexEscape(absl::string_view(&id[i], 1)), "' at position ", i,
          kRule);
    }
  }
  return absl::OkStatus();
}

// KIND_EXPIRED is appended by the server when expires_at passes, so that
// every subscriber sees the same moment; publishers close with RESOLVE or
// CANCEL.
absl::Status CheckKind(const Errors& errors, const v1::SituationUpdate& u,
                       bool server_kinds) {
  if (auto status = CheckKnown<v1::Kind>(errors, "kind", u.kind(),
                                         {v1::KIND_EXPIRED});
      !status.ok()) {
    return status;
  }
  if (u.kind() == v1::KIND_EXPIRED && !server_kinds) {
    return errors.Invalid(
        "kind", "KIND_EXPIRED is set by the server only, when expires_at "
                "passes; close the incident with KIND_RESOLVE or KIND_CANCEL");
  }
  if (u.incident_id().empty() && u.kind() != v1::KIND_UNSPECIFIED) {
    return errors.Invalid("kind", "must be unset for a stand-alone report ",
                          "(incident_id is empty); set ",
                          errors.Path("incident_id"), " to publish ",
                          v1::Kind_Name(u.kind()), " into an incident thread");
  }
  if (!u.incident_id().empty() && u.kind() == v1::KIND_UNSPECIFIED) {
    return errors.Invalid(
        "kind", "is required with an incident_id; use KIND_NEW to open "
                "incident '",
        u.incident_id(), "' or KIND_UPDATE (or another kind) to add to it");
  }
  return absl::OkStatus();
}

// --- The security chain ---------------------------------------------------

// The kinds that are actions of a responder tier (KIND_UPDATE may also be a
// SUPPORT or LIAISON note; KIND_EXPIRED is the server's, in the role of the
// update it closes).
bool IsResponderKind(v1::Kind kind) {
  return kind != v1::KIND_UNSPECIFIED && kind != v1::KIND_UPDATE &&
         kind != v1::KIND_EXPIRED;
}

// A mission acts as its own tier or in a non-responder role; the chain's
// rules that depend on the incident are the log's (chain_rules.h).
absl::Status CheckChainFields(const Errors& errors, const v1::SituationUpdate& u) {
  const v1::Role own = TierOfMission(u.mission());
  if (IsResponderRole(u.role()) && u.role() != own) {
    return errors.Invalid(
        "role", v1::Role_Name(u.role()), " is not ",
        MissionDisplayName(u.mission()), "'s tier: a mission acts as its own "
        "tier (Kosovo Police ROLE_FIRST_RESPONDER, EULEX "
        "ROLE_SECOND_RESPONDER, KFOR ROLE_THIRD_RESPONDER) or as ROLE_SUPPORT "
        "or ROLE_LIAISON; use ", v1::Role_Name(own),
        ". Which tier leads an incident moves with KIND_ESCALATE and "
        "KIND_DEESCALATE");
  }
  if (IsResponderKind(u.kind()) && !IsResponderRole(u.role())) {
    return errors.Invalid(
        "role", v1::Kind_Name(u.kind()), " is an action of a responder tier; "
        "publish it as ", v1::Role_Name(own),
        ", or use KIND_UPDATE for a ", v1::Role_Name(u.role()), " note");
  }
  if (auto status = CheckKnown<v1::Role>(errors, "target_tier", u.target_tier());
      !status.ok()) {
    return status;
  }
  if (u.target_tier() != v1::ROLE_UNSPECIFIED) {
    if (u.kind() != v1::KIND_REQUEST_SUPPORT && u.kind() != v1::KIND_DEESCALATE) {
      return errors.Invalid("target_tier", "only KIND_REQUEST_SUPPORT (the tier "
                            "asked) and KIND_DEESCALATE (the tier the lead "
                            "goes to) take a target tier; leave it unset");
    }
    if (!IsResponderRole(u.target_tier())) {
      return errors.Invalid("target_tier", "must be a responder tier: "
                            "ROLE_FIRST_RESPONDER, ROLE_SECOND_RESPONDER or "
                            "ROLE_THIRD_RESPONDER");
    }
  }
  if (!u.has_chain_exception()) return absl::OkStatus();
  if (u.incident_id().empty()) {
    return errors.Invalid("chain_exception", "only an incident update can "
                          "engage out of turn; set incident_id or drop it");
  }
  if (u.chain_exception().reason().find_first_not_of(' ') == std::string::npos) {
    return errors.Invalid("chain_exception.reason",
                          "is required: say why the update engages out of "
                          "turn (e.g. to protect life under the mandate)");
  }
  TextRules reason;
  reason.max_code_points = 500;
  return CheckText(errors, "chain_exception.reason", u.chain_exception().reason(),
                   reason);
}

// --- Time ------------------------------------------------------------------

absl::Status CheckTimestamp(const Errors& errors, absl::string_view field,
                            const google::protobuf::Timestamp& t) {
  if (t.seconds() < kMinTimestampSeconds ||
      t.seconds() > kMaxTimestampSeconds) {
    return errors.Invalid(
        absl::StrCat(field, ".seconds"), t.seconds(),
        " is outside the valid range (0001-01-01 to 9999-12-31 UTC, i.e. ",
        kMinTimestampSeconds, "..", kMaxTimestampSeconds,
        " seconds since the Unix epoch)");
  }
  if (t.nanos() < 0 || t.nanos() > 999'999'999) {
    return errors.Invalid(absl::StrCat(field, ".nanos"), t.nanos(),
                          " is outside 0..999999999; carry whole seconds "
                          "into the seconds field");
  }
  return absl::OkStatus();
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::string Rfc3339(absl::Time time) {
  // RFC 3339 in UTC with "Z", as protobuf's JSON mapping writes timestamps.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

absl::Status CheckTimes(const Errors& errors, v1::SituationUpdate& u,
                        absl::Time now, const ValidationLimits& limits) {
  if (u.has_occurred_at()) {
    if (auto s = CheckTimestamp(errors, "occurred_at", u.occurred_at());
        !s.ok()) {
      return s;
    }
    const absl::Time occurred = ToTime(u.occurred_at());
    if (occurred > now + limits.max_clock_skew) {
      return errors.Invalid(
          "occurred_at", Rfc3339(occurred), " is ",
          HumanDuration(occurred - now),
          " ahead of the server's clock (at most ",
          HumanDuration(limits.max_clock_skew),
          " allowed); send the time the event happened, or leave it unset "
          "to use the time of receipt");
    }
  }
  // An unset occurred_at stays unset here: the log sets it to received_at,
  // and a retry of the same request stays recognisable as a duplicate.
  if (!u.has_expires_at()) return absl::OkStatus();
  if (auto s = CheckTimestamp(errors, "expires_at", u.expires_at()); !s.ok()) {
    return s;
  }
  if (u.incident_id().empty()) {
    return errors.Invalid("expires_at",
                          "is only allowed with an incident_id; set ",
                          errors.Path("incident_id"),
                          " or remove expires_at");
  }
  const absl::Time expires = ToTime(u.expires_at());
  const absl::Time occurred =
      u.has_occurred_at() ? ToTime(u.occurred_at()) : now;
  if (expires <= occurred) {
    return errors.Invalid("expires_at", Rfc3339(expires),
                          " is not after occurred_at (", Rfc3339(occurred),
                          "); set a later expiry or remove it");
  }
  return absl::OkStatus();
}

// --- Location --------------------------------------------------------------

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

// --- Labels ----------------------------------------------------------------

bool IsLabelKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
         c == '-';
}

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

// "labels[\"key\"]", escaped so that the path stays one printable line.
std::string LabelField(absl::string_view key) {
  const bool cut = key.size() > kMaxQuotedKeyBytes;
  return absl::StrCat("labels[\"",
                      absl::CHexEscape(key.substr(0, kMaxQuotedKeyBytes)),
                      cut ? "..." : "", "\"]");
}

absl::Status CheckLabels(const Errors& errors, const v1::SituationUpdate& u,
                         const ValidationLimits& limits) {
  if (u.labels_size() > limits.max_labels) {
    return errors.Invalid("labels", "has ", u.labels_size(),
                          " labels; at most ", limits.max_labels,
                          " are allowed, drop or merge some");
  }
  // Sorted so that the first error reported does not depend on map order.
  std::vector<const std::string*> keys;
  keys.reserve(u.labels_size());
  for (const auto& [key, value] : u.labels()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  const std::string rule =
      absl::StrCat("label keys are 1..", limits.max_label_key_chars,
                   " characters of letters, digits and . _ / -, starting "
                   "with a letter or digit");
  for (const std::string* key : keys) {
    const std::string field = LabelField(*key);
    if (key->empty()) return errors.Invalid(field, "empty key; ", rule);
    if (key->size() > limits.max_label_key_chars) {
      return errors.Invalid(field, "key is ", key->size(),
                            " characters long; ", rule);
    }
    if (!IsAlnum((*key)[0])) {
      return errors.Invalid(field, "key must start with a letter or digit; ",
                            rule);
    }
    if (!std::all_of(key->begin(), key->end(), IsLabelKeyChar)) {
      return errors.Invalid(field, "key has a character outside the set; ",
                            rule);
    }
    TextRules value;
    value.max_bytes = limits.max_label_value_bytes;
    value.control_hint = " (a label value is one line of text)";
    if (auto s = CheckText(errors, field, u.labels().at(*key), value);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateIncidentId(absl::string_view id,
                                const ValidationLimits& limits) {
  return CheckIncidentId(Errors(""), std::string(id),
                         limits.max_incident_id_chars);
}

absl::Status ValidateAndNormalizeUpdate(v1::SituationUpdate& update,
                                        absl::Time now,
                                        const ValidationLimits& limits,
                                        absl::string_view field_prefix) {
  const Errors errors(field_prefix);
  // Server-set fields are never taken from a publisher.
  update.clear_sequence();
  update.clear_received_at();
  update.clear_publisher();
  update.clear_incident_version();
  update.clear_location_carried();
  update.clear_status_carried();

  if (auto s = CheckEventId(errors, update.event_id(),
                            limits.max_event_id_chars);
      !s.ok()) {
    return s;
  }
  for (absl::Status s :
       {CheckRequired<v1::Mission>(errors, "mission", update.mission()),
        CheckRequired<v1::Role>(errors, "role", update.role()),
        CheckRequired<v1::Severity>(errors, "severity", update.severity()),
        CheckRequired<v1::Category>(errors, "category", update.category()),
        CheckIncidentId(errors, update.incident_id(),
                        limits.max_incident_id_chars),
        CheckKind(errors, update, limits.server_kinds),
        CheckChainFields(errors, update)}) {
    if (!s.ok()) return s;
  }
  if (auto s = CheckTimes(errors, update, now, limits); !s.ok()) return s;
  if (auto s = CheckCapFields(errors, update); !s.ok()) return s;

  if (update.headline().empty()) {
    return errors.Invalid("headline", "is required; give a short title of "
                                      "at most ",
                          limits.max_headline_chars, " characters");
  }
  TextRules headline;
  headline.max_code_points = limits.max_headline_chars;
  headline.control_hint =
      " (a headline is one line; put details in description)";
  if (auto s = CheckText(errors, "headline", update.headline(), headline);
      !s.ok()) {
    return s;
  }
  if (update.headline().find_first_not_of(' ') == std::string::npos) {
    return errors.Invalid("headline", "is blank; give a short title");
  }
  TextRules description;
  description.max_bytes = limits.max_description_bytes;
  description.allow_newline_and_tab = true;
  if (auto s = CheckText(errors, "description", update.description(),
                         description);
      !s.ok()) {
    return s;
  }
  if (update.has_location()) {
    if (auto s = CheckLocation(errors, *update.mutable_location(), limits);
        !s.ok()) {
      return s;
    }
  }
  return CheckLabels(errors, update, limits);
}

}  // namespace sitrep
