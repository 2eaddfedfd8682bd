#include "server/interop/cap_names.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace sitrep {
namespace {

template <typename Enum>
struct Word {
  Enum value;
  absl::string_view cap;
};

template <typename Enum, size_t N>
absl::string_view ToCap(const Word<Enum> (&words)[N], Enum value,
                        absl::string_view otherwise) {
  for (const auto& w : words) {
    if (w.value == value) return w.cap;
  }
  return otherwise;
}

template <typename Enum, size_t N>
std::optional<Enum> FromCap(const Word<Enum> (&words)[N],
                            absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  for (const auto& w : words) {
    if (w.cap == text) return w.value;
  }
  return std::nullopt;
}

constexpr Word<v1::Status> kStatuses[] = {
    {v1::STATUS_ACTUAL, "Actual"},
    {v1::STATUS_EXERCISE, "Exercise"},
    {v1::STATUS_TEST, "Test"},
};

constexpr Word<v1::Urgency> kUrgencies[] = {
    {v1::URGENCY_IMMEDIATE, "Immediate"}, {v1::URGENCY_EXPECTED, "Expected"},
    {v1::URGENCY_FUTURE, "Future"},       {v1::URGENCY_PAST, "Past"},
    {v1::URGENCY_UNKNOWN, "Unknown"},
};

constexpr Word<v1::Severity> kSeverities[] = {
    {v1::SEVERITY_EXTREME, "Extreme"},   {v1::SEVERITY_SEVERE, "Severe"},
    {v1::SEVERITY_MODERATE, "Moderate"}, {v1::SEVERITY_MINOR, "Minor"},
    {v1::SEVERITY_UNKNOWN, "Unknown"},
};

constexpr Word<v1::Certainty> kCertainties[] = {
    {v1::CERTAINTY_OBSERVED, "Observed"}, {v1::CERTAINTY_LIKELY, "Likely"},
    {v1::CERTAINTY_POSSIBLE, "Possible"}, {v1::CERTAINTY_UNLIKELY, "Unlikely"},
    {v1::CERTAINTY_UNKNOWN, "Unknown"},
};

constexpr Word<v1::ResponseType> kResponseTypes[] = {
    {v1::RESPONSE_TYPE_SHELTER, "Shelter"},
    {v1::RESPONSE_TYPE_EVACUATE, "Evacuate"},
    {v1::RESPONSE_TYPE_PREPARE, "Prepare"},
    {v1::RESPONSE_TYPE_EXECUTE, "Execute"},
    {v1::RESPONSE_TYPE_AVOID, "Avoid"},
    {v1::RESPONSE_TYPE_MONITOR, "Monitor"},
    {v1::RESPONSE_TYPE_ASSESS, "Assess"},
    {v1::RESPONSE_TYPE_ALL_CLEAR, "AllClear"},
    {v1::RESPONSE_TYPE_NONE, "None"},
};

// sitrep -> CAP; the first entry of a CAP word is its reverse mapping.
constexpr Word<v1::Category> kCategories[] = {
    {v1::CATEGORY_PUBLIC_ORDER, "Security"},
    {v1::CATEGORY_CIVIL_DISTURBANCE, "Security"},
    {v1::CATEGORY_BORDER_CROSSING, "Security"},
    {v1::CATEGORY_PATROL, "Security"},
    {v1::CATEGORY_CRIME, "Security"},
    {v1::CATEGORY_FREEDOM_OF_MOVEMENT, "Transport"},
    {v1::CATEGORY_EXPLOSIVE_HAZARD, "CBRNE"},
    {v1::CATEGORY_INFRASTRUCTURE, "Infra"},
    {v1::CATEGORY_DIPLOMATIC, "Other"},
    {v1::CATEGORY_OTHER, "Other"},
};

// CAP 1.2 section 3.2.2 <category> values sitrep has no category for.
constexpr absl::string_view kOtherCapCategories[] = {
    "Geo", "Met", "Safety", "Rescue", "Fire", "Health", "Env"};

}  // namespace

absl::string_view CapStatus(v1::Status status) {
  return ToCap(kStatuses, status, "Actual");
}
std::optional<v1::Status> StatusFromCap(absl::string_view text) {
  return FromCap(kStatuses, text);
}

absl::string_view CapMsgType(v1::Kind kind, bool threaded) {
  if (!threaded) return "Alert";
  switch (kind) {
    case v1::KIND_NEW:
      return "Alert";
    case v1::KIND_ACKNOWLEDGE:
      return "Ack";
    case v1::KIND_CANCEL:
      return "Cancel";
    default:
      return "Update";
  }
}

absl::string_view CapCategory(v1::Category category) {
  return ToCap(kCategories, category, "Other");
}

std::optional<v1::Category> CategoryFromCap(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (std::optional<v1::Category> c = FromCap(kCategories, text)) return c;
  for (absl::string_view other : kOtherCapCategories) {
    if (other == text) return v1::CATEGORY_OTHER;
  }
  return std::nullopt;
}

std::string CapEvent(v1::Category category) {
  const std::string& name = v1::Category_Name(category);
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, "CATEGORY_");
  std::string event = absl::AsciiStrToLower(rest);
  absl::StrReplaceAll({{"_", " "}}, &event);
  if (!event.empty()) event[0] = absl::ascii_toupper(event[0]);
  return event.empty() ? "Other" : event;
}

absl::string_view CapUrgency(v1::Urgency urgency) {
  return ToCap(kUrgencies, urgency, "Unknown");
}
absl::string_view CapSeverity(v1::Severity severity) {
  return ToCap(kSeverities, severity, "Unknown");
}
absl::string_view CapCertainty(v1::Certainty certainty) {
  return ToCap(kCertainties, certainty, "Unknown");
}
std::optional<v1::Urgency> UrgencyFromCap(absl::string_view text) {
  return FromCap(kUrgencies, text);
}
std::optional<v1::Severity> SeverityFromCap(absl::string_view text) {
  return FromCap(kSeverities, text);
}
std::optional<v1::Certainty> CertaintyFromCap(absl::string_view text) {
  if (absl::StripAsciiWhitespace(text) == "Very Likely") {
    return v1::CERTAINTY_LIKELY;
  }
  return FromCap(kCertainties, text);
}

absl::string_view CapResponseType(v1::ResponseType type) {
  return ToCap(kResponseTypes, type, "None");
}
std::optional<v1::ResponseType> ResponseTypeFromCap(absl::string_view text) {
  return FromCap(kResponseTypes, text);
}

absl::string_view CapScope(v1::Scope scope) {
  return scope == v1::SCOPE_PUBLIC ? "Public" : "Restricted";
}

std::string CapDateTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", time, absl::UTCTimeZone());
}

std::optional<absl::Time> TimeFromCap(absl::string_view text) {
  absl::Time time;
  std::string error;
  // %Ez takes "+01:00" and "-00:00"; CAP forbids "Z", which is accepted
  // here all the same (a lenient reader).
  if (absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez",
                      std::string(absl::StripAsciiWhitespace(text)), &time,
                      &error)) {
    return time;
  }
  return std::nullopt;
}

std::string CapCoordinate(double degrees) {
  std::string text = absl::StrFormat("%.7f", degrees);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace sitrep
