#ifndef SITREP_SERVER_INTEROP_CAP_NAMES_H_
#define SITREP_SERVER_INTEROP_CAP_NAMES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The CAP 1.2 words (OASIS CAP v1.2, section 3.2) for sitrep's enums, both
// ways. The table is docs/interop.md's; each function names the CAP element.

// <status>: Actual | Exercise | Test. An update without a status is Actual.
absl::string_view CapStatus(v1::Status status);
std::optional<v1::Status> StatusFromCap(absl::string_view text);

// <msgType>: Alert (KIND_NEW, stand-alone reports), Ack (KIND_ACKNOWLEDGE),
// Cancel (KIND_CANCEL), Update (every other kind).
absl::string_view CapMsgType(v1::Kind kind, bool threaded);

// <category>: Security for public order, civil disturbance, border
// crossings, patrols and crime; Transport for freedom of movement; CBRNE for
// explosive hazards; Infra for infrastructure; Other otherwise.
absl::string_view CapCategory(v1::Category category);
// The sitrep category for a CAP category (the reverse of CapCategory, with
// Security -> PUBLIC_ORDER and every CAP category sitrep has no word for ->
// OTHER). nullopt when `text` is no CAP 1.2 category.
std::optional<v1::Category> CategoryFromCap(absl::string_view text);
// <event>: the category in words ("Civil disturbance").
std::string CapEvent(v1::Category category);

// <urgency>, <severity>, <certainty>: unset is Unknown.
absl::string_view CapUrgency(v1::Urgency urgency);
absl::string_view CapSeverity(v1::Severity severity);
absl::string_view CapCertainty(v1::Certainty certainty);
std::optional<v1::Urgency> UrgencyFromCap(absl::string_view text);
std::optional<v1::Severity> SeverityFromCap(absl::string_view text);
// CAP 1.0's "Very Likely" is read as Likely, as CAP 1.2 section 3.2.2 says.
std::optional<v1::Certainty> CertaintyFromCap(absl::string_view text);

// <responseType>: Shelter, Evacuate, ..., AllClear, None.
absl::string_view CapResponseType(v1::ResponseType type);
std::optional<v1::ResponseType> ResponseTypeFromCap(absl::string_view text);

// <scope>: Public | Restricted (an unset scope is Restricted).
absl::string_view CapScope(v1::Scope scope);

// CAP 1.2 DateTime (section 3.3.2): "2026-12-06T08:15:00+00:00", in UTC,
// whole seconds ("Z" is not allowed by CAP).
std::string CapDateTime(absl::Time time);
// The reverse; nullopt when `text` is no CAP DateTime.
std::optional<absl::Time> TimeFromCap(absl::string_view text);

// A coordinate as CAP writes it: at most 7 decimals (about 1 cm), trailing
// zeros dropped.
std::string CapCoordinate(double degrees);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CAP_NAMES_H_
