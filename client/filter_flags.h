// Command-line spellings of the API's enums, times and filters:
// --mission/--role/--min-severity/... -> sitrep.v1.Filter, "2h" -> a time.
#ifndef SITREP_CLIENT_FILTER_FLAGS_H_
#define SITREP_CLIENT_FILTER_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sitrep/v1/filter.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep::cli {

// Enum values from flags: case-insensitive, '-' or ' ' for '_', with or
// without the type prefix ("kfor", "MISSION_KFOR"), plus the aliases
// kp/police (Kosovo Police), first/second/third (responder roles), ack
// (acknowledge). UNSPECIFIED (and the server-only KIND_EXPIRED for
// publishing) are rejected. INVALID_ARGUMENT names the flag and the valid
// values: "--mission: unknown value 'x' (valid: kfor, eulex, kosovo-police)".
absl::StatusOr<sitrep::v1::Mission> ParseMission(absl::string_view text,
                                                 absl::string_view flag = "--mission");
absl::StatusOr<sitrep::v1::Role> ParseRole(absl::string_view text,
                                           absl::string_view flag = "--role");
// A tier of the security chain: first | second | third (1, 2, 3), or the
// mission holding it: kp | eulex | kfor. Only the three responder roles.
absl::StatusOr<sitrep::v1::Role> ParseTier(absl::string_view text, absl::string_view flag);
absl::StatusOr<sitrep::v1::Severity> ParseSeverity(absl::string_view text,
                                                   absl::string_view flag = "--severity");
absl::StatusOr<sitrep::v1::Category> ParseCategory(absl::string_view text,
                                                   absl::string_view flag = "--category");
absl::StatusOr<sitrep::v1::Kind> ParseKind(absl::string_view text,
                                           absl::string_view flag = "--kind");
// The CAP fields (docs/interop.md): actual | exercise | test;
// observed | likely | possible | unlikely | unknown; immediate | expected |
// future | past | unknown; shelter | evacuate | ... | all-clear | none;
// public | restricted.
absl::StatusOr<sitrep::v1::Status> ParseStatus(absl::string_view text,
                                               absl::string_view flag = "--status");
absl::StatusOr<sitrep::v1::Certainty> ParseCertainty(
    absl::string_view text, absl::string_view flag = "--certainty");
absl::StatusOr<sitrep::v1::Urgency> ParseUrgency(absl::string_view text,
                                                 absl::string_view flag = "--urgency");
absl::StatusOr<sitrep::v1::ResponseType> ParseResponseType(
    absl::string_view text, absl::string_view flag = "--response");
absl::StatusOr<sitrep::v1::Scope> ParseScope(absl::string_view text,
                                             absl::string_view flag = "--scope");

// The short, lower-case spelling used in tables and accepted by the parsers:
// MISSION_KOSOVO_POLICE -> "kosovo-police", ROLE_THIRD_RESPONDER -> "third".
std::string ShortName(sitrep::v1::Mission value);
std::string ShortName(sitrep::v1::Role value);
std::string ShortName(sitrep::v1::Severity value);
std::string ShortName(sitrep::v1::Category value);
std::string ShortName(sitrep::v1::Kind value);
std::string ShortName(sitrep::v1::Status value);
std::string ShortName(sitrep::v1::Certainty value);

// A duration with units h, m, s, ms and d (days): "90s", "2h30m", "1d".
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view text,
                                                 absl::string_view flag);
// "2h" / "1d12h" (that long before `now`) or an RFC 3339 time
// ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00+02:00").
absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view text,
                                         absl::string_view flag, absl::Time now);

// The filter flags shared by subscribe, history and situation. Repeated
// flags and comma-separated values both mean OR.
struct FilterFlags {
  std::vector<std::string> missions;
  std::vector<std::string> roles;
  std::string min_severity;
  std::vector<std::string> categories;
  std::vector<std::string> municipalities;
  std::vector<std::string> incidents;
  std::vector<std::string> kinds;
  std::vector<std::string> statuses;
  std::vector<std::string> certainties;
  std::string selector;
  std::string bbox;  // "min_lat,min_lon,max_lat,max_lon"
};

// Adds --mission, --role, --min-severity, --category, --municipality,
// --incident, --kind, --status, --certainty, -l/--selector and --bbox to `app`, bound to `*flags`
// (which must outlive parsing).
void AddFilterFlags(CLI::App* app, FilterFlags* flags);

// INVALID_ARGUMENT naming the flag when a value is not valid. Municipality
// names and the selector are passed through: the server validates them
// (and knows every spelling).
absl::StatusOr<sitrep::v1::Filter> BuildFilter(const FilterFlags& flags);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_FILTER_FLAGS_H_
