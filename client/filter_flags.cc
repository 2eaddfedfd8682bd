#include "client/filter_flags.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/enum_names.h"
#include "google/protobuf/descriptor.h"

namespace sitrep::cli {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

std::string Short(const EnumDescriptor* type, int number) {
  const EnumValueDescriptor* value = type->FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat(number);
  return ShortEnumName(*value);
}

// Finds the value `text` names: the spellings of common/enum_names.h, which
// JSON input accepts too.
absl::StatusOr<int> ParseEnum(const EnumDescriptor* type, absl::string_view text,
                              absl::string_view flag) {
  const EnumValueDescriptor* value = FindEnumValueByShortName(*type, text);
  if (value != nullptr) return value->number();
  return absl::InvalidArgumentError(absl::StrCat(flag, ": unknown value '", text,
                                                 "' (valid: ", AcceptedShortNames(*type),
                                                 ")", DidYouMeanEnumValue(*type, text)));
}

}  // namespace

absl::StatusOr<sitrep::v1::Mission> ParseMission(absl::string_view text,
                                                 absl::string_view flag) {
  absl::StatusOr<int> v =
      ParseEnum(sitrep::v1::Mission_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<sitrep::v1::Mission>(*v);
}

absl::StatusOr<sitrep::v1::Role> ParseRole(absl::string_view text,
                                           absl::string_view flag) {
  absl::StatusOr<int> v =
      ParseEnum(sitrep::v1::Role_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<sitrep::v1::Role>(*v);
}

absl::StatusOr<sitrep::v1::Role> ParseTier(absl::string_view text, absl::string_view flag) {
  // The mission spellings first: "kp" is no role name, and a tier named by
  // its mission is what a duty officer says ("ask EULEX").
  absl::StatusOr<sitrep::v1::Mission> mission = ParseMission(text, flag);
  if (mission.ok()) {
    switch (*mission) {
      case sitrep::v1::MISSION_KOSOVO_POLICE: return sitrep::v1::ROLE_FIRST_RESPONDER;
      case sitrep::v1::MISSION_EULEX: return sitrep::v1::ROLE_SECOND_RESPONDER;
      case sitrep::v1::MISSION_KFOR: return sitrep::v1::ROLE_THIRD_RESPONDER;
      default: break;
    }
  }
  absl::StatusOr<sitrep::v1::Role> role = ParseRole(text, flag);
  if (role.ok() && (*role == sitrep::v1::ROLE_FIRST_RESPONDER ||
                    *role == sitrep::v1::ROLE_SECOND_RESPONDER ||
                    *role == sitrep::v1::ROLE_THIRD_RESPONDER)) {
    return *role;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": unknown tier '", text,
      "' (valid: first, second, third, or the mission holding it: kp, eulex, kfor)"));
}

absl::StatusOr<sitrep::v1::Severity> ParseSeverity(absl::string_view text,
                                                   absl::string_view flag) {
  absl::StatusOr<int> v =
      ParseEnum(sitrep::v1::Severity_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<sitrep::v1::Severity>(*v);
}

absl::StatusOr<sitrep::v1::Category> ParseCategory(absl::string_view text,
                                                   absl::string_view flag) {
  absl::StatusOr<int> v =
      ParseEnum(sitrep::v1::Category_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<sitrep::v1::Category>(*v);
}

absl::StatusOr<sitrep::v1::Kind> ParseKind(absl::string_view text,
                                           absl::string_view flag) {
  absl::StatusOr<int> v =
      ParseEnum(sitrep::v1::Kind_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  return static_cast<sitrep::v1::Kind>(*v);
}

// Parses a value of one of the CAP enums (the short names of
// common/enum_names.h: "exercise", "likely").
template <typename Enum>
absl::StatusOr<Enum> ParseCapEnum(const EnumDescriptor* type, absl::string_view text,
                                  absl::string_view flag) {
  absl::StatusOr<int> v = ParseEnum(type, text, flag);
  if (!v.ok()) return v.status();
  return static_cast<Enum>(*v);
}

absl::StatusOr<sitrep::v1::Status> ParseStatus(absl::string_view text, absl::string_view flag) {
  return ParseCapEnum<sitrep::v1::Status>(sitrep::v1::Status_descriptor(), text, flag);
}
absl::StatusOr<sitrep::v1::Certainty> ParseCertainty(absl::string_view text,
                                                     absl::string_view flag) {
  return ParseCapEnum<sitrep::v1::Certainty>(sitrep::v1::Certainty_descriptor(), text, flag);
}
absl::StatusOr<sitrep::v1::Urgency> ParseUrgency(absl::string_view text, absl::string_view flag) {
  return ParseCapEnum<sitrep::v1::Urgency>(sitrep::v1::Urgency_descriptor(), text, flag);
}
absl::StatusOr<sitrep::v1::ResponseType> ParseResponseType(absl::string_view text,
                                                           absl::string_view flag) {
  return ParseCapEnum<sitrep::v1::ResponseType>(sitrep::v1::ResponseType_descriptor(), text, flag);
}
absl::StatusOr<sitrep::v1::Scope> ParseScope(absl::string_view text, absl::string_view flag) {
  return ParseCapEnum<sitrep::v1::Scope>(sitrep::v1::Scope_descriptor(), text, flag);
}

std::string ShortName(sitrep::v1::Status value) {
  return Short(sitrep::v1::Status_descriptor(), value);
}
std::string ShortName(sitrep::v1::Certainty value) {
  return Short(sitrep::v1::Certainty_descriptor(), value);
}

std::string ShortName(sitrep::v1::Mission value) {
  return Short(sitrep::v1::Mission_descriptor(), value);
}
std::string ShortName(sitrep::v1::Role value) {
  return Short(sitrep::v1::Role_descriptor(), value);
}
std::string ShortName(sitrep::v1::Severity value) {
  return Short(sitrep::v1::Severity_descriptor(), value);
}
std::string ShortName(sitrep::v1::Category value) {
  return Short(sitrep::v1::Category_descriptor(), value);
}
std::string ShortName(sitrep::v1::Kind value) {
  return Short(sitrep::v1::Kind_descriptor(), value);
}

absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view text,
                                                 absl::string_view flag) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  absl::Duration total = absl::ZeroDuration();
  // absl::ParseDuration knows h/m/s/ms/us/ns; days are added here.
  const size_t d = rest.find('d');
  if (d != absl::string_view::npos && d > 0) {
    int64_t days = 0;
    if (absl::SimpleAtoi(rest.substr(0, d), &days) && days >= 0) {
      total += absl::Hours(24 * days);
      rest.remove_prefix(d + 1);
    }
  }
  const bool had_days = rest.size() != absl::StripAsciiWhitespace(text).size();
  absl::Duration part;
  if ((rest.empty() && !had_days) ||
      (!rest.empty() && !absl::ParseDuration(rest, &part)) ||
      part == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' is not a duration (e.g. 90s, 15m, 2h30m, 1d)"));
  }
  total += part;
  if (total < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": must not be negative"));
  }
  return total;
}

absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view text,
                                         absl::string_view flag, absl::Time now) {
  const std::string trimmed(absl::StripAsciiWhitespace(text));
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, trimmed, &time, &error)) return time;
  absl::StatusOr<absl::Duration> ago = ParseDurationFlag(trimmed, flag);
  if (ago.ok()) return now - *ago;
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": '", text,
      "' is neither a duration ago (2h, 30m, 1d) nor an RFC 3339 time "
      "(2024-05-01T12:00:00Z)"));
}

void AddFilterFlags(CLI::App* app, FilterFlags* flags) {
  app->add_option("--mission", flags->missions,
                  "Only these missions: kfor, eulex, kosovo-police (kp)")
      ->delimiter(',')->group("Filter");
  app->add_option("--role", flags->roles,
                  "Only these roles: first, second, third, support, liaison")
      ->delimiter(',')->group("Filter");
  app->add_option("--min-severity", flags->min_severity,
                  "At least this severe: unknown < minor < moderate < severe < extreme")
      ->group("Filter");
  app->add_option("--category", flags->categories,
                  "Only these categories: public-order, civil-disturbance, "
                  "freedom-of-movement, border-crossing, patrol, crime, "
                  "explosive-hazard, infrastructure, diplomatic, other")
      ->delimiter(',')->group("Filter");
  app->add_option("--status", flags->statuses,
                  "Only these statuses: actual, exercise, test (the situation counts actual "
                  "only unless this says otherwise; streams and history carry all)")
      ->delimiter(',')->group("Filter");
  app->add_option("--certainty", flags->certainties,
                  "Only these certainties: observed, likely, possible, unlikely, unknown")
      ->delimiter(',')->group("Filter");
  // One value per flag: an unquoted `--municipality Zubin Potok` then
  // leaves "Potok" over, and the usage error says to quote it (instead of
  // filtering for two municipalities "Zubin" and "Potok").
  app->add_option("--municipality", flags->municipalities,
                  "Only these municipalities (any spelling: Zveçan, Zvečan, zvecan; quote "
                  "names with spaces)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group("Filter");
  app->add_option("--incident", flags->incidents, "Only these incident ids")
      ->delimiter(',')->group("Filter");
  app->add_option("--kind", flags->kinds,
                  "Only these kinds: new, update, request-support, acknowledge, "
                  "escalate, deescalate, resolve, cancel, expired")
      ->delimiter(',')->group("Filter");
  // -l/--label as publish's (one name for labels in every command, as
  // kubectl's -l); --selector, its former name, still works (hidden).
  app->add_option("-l,--label", flags->selector,
                  "Only updates whose labels match: k=v, k!=v, k in (a,b), k notin (a,b), "
                  "k, !k; comma-separated, all must hold")
      ->group("Filter");
  app->add_option("--selector", flags->selector)->group("");
  app->add_option("--bbox", flags->bbox,
                  "Only updates with a point in MIN_LAT,MIN_LON,MAX_LAT,MAX_LON")
      ->group("Filter");
}

namespace {

// The flags that name enum values; INVALID_ARGUMENT for a misspelt one.
absl::Status AddEnumFilters(const FilterFlags& flags, sitrep::v1::Filter* filter) {
  for (const std::string& s : flags.missions) {
    absl::StatusOr<sitrep::v1::Mission> v = ParseMission(s);
    if (!v.ok()) return v.status();
    filter->add_missions(*v);
  }
  for (const std::string& s : flags.roles) {
    absl::StatusOr<sitrep::v1::Role> v = ParseRole(s);
    if (!v.ok()) return v.status();
    filter->add_roles(*v);
  }
  if (!flags.min_severity.empty()) {
    absl::StatusOr<sitrep::v1::Severity> v =
        ParseSeverity(flags.min_severity, "--min-severity");
    if (!v.ok()) return v.status();
    filter->set_min_severity(*v);
  }
  for (const std::string& s : flags.categories) {
    absl::StatusOr<sitrep::v1::Category> v = ParseCategory(s);
    if (!v.ok()) return v.status();
    filter->add_categories(*v);
  }
  for (const std::string& s : flags.kinds) {
    absl::StatusOr<sitrep::v1::Kind> v = ParseKind(s);
    if (!v.ok()) return v.status();
    filter->add_kinds(*v);
  }
  for (const std::string& s : flags.statuses) {
    absl::StatusOr<sitrep::v1::Status> v = ParseStatus(s);
    if (!v.ok()) return v.status();
    filter->add_statuses(*v);
  }
  for (const std::string& s : flags.certainties) {
    absl::StatusOr<sitrep::v1::Certainty> v = ParseCertainty(s);
    if (!v.ok()) return v.status();
    filter->add_certainties(*v);
  }
  return absl::OkStatus();
}

// --bbox MIN_LAT,MIN_LON,MAX_LAT,MAX_LON.
absl::Status SetBoundingBox(const std::string& bbox, sitrep::v1::Filter* filter) {
  std::vector<std::string> parts = absl::StrSplit(bbox, ',');
  double v[4];
  bool ok = parts.size() == 4;
  for (size_t i = 0; ok && i < 4; ++i) {
    ok = absl::SimpleAtod(absl::StripAsciiWhitespace(parts[i]), &v[i]);
  }
  if (!ok || v[0] > v[2] || v[1] > v[3]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--bbox: '", bbox,
        "' is not MIN_LAT,MIN_LON,MAX_LAT,MAX_LON (e.g. 42.8,20.7,43.3,21.0)"));
  }
  sitrep::v1::BoundingBox* box = filter->mutable_bounding_box();
  box->set_min_latitude(v[0]);
  box->set_min_longitude(v[1]);
  box->set_max_latitude(v[2]);
  box->set_max_longitude(v[3]);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<sitrep::v1::Filter> BuildFilter(const FilterFlags& flags) {
  sitrep::v1::Filter filter;
  if (absl::Status status = AddEnumFilters(flags, &filter); !status.ok()) return status;
  for (const std::string& s : flags.municipalities) {
    std::string m(absl::StripAsciiWhitespace(s));
    if (!m.empty()) filter.add_municipalities(m);
  }
  for (const std::string& s : flags.incidents) {
    std::string id(absl::StripAsciiWhitespace(s));
    if (!id.empty()) filter.add_incident_ids(id);
  }
  filter.set_label_selector(flags.selector);
  if (!flags.bbox.empty()) {
    if (absl::Status status = SetBoundingBox(flags.bbox, &filter); !status.ok()) return status;
  }
  return filter;
}

}  // namespace sitrep::cli
