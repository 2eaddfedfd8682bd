#include "client/time_display.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sitrep::cli {

absl::StatusOr<TimeDisplay> ResolveTimeDisplay(bool utc_flag, bool local_flag, const char* env) {
  if (utc_flag && local_flag) {
    return absl::InvalidArgumentError("give either --utc or --local, not both");
  }
  bool utc = true;
  if (local_flag) {
    utc = false;
  } else if (!utc_flag && env != nullptr && *env != '\0') {
    const std::string value = absl::AsciiStrToLower(env);
    if (value == "local") {
      utc = false;
    } else if (value != "utc" && value != "z" && value != "zulu") {
      return absl::InvalidArgumentError(
          absl::StrCat("SITREP_TZ: unknown value '", env, "' (valid: utc, local)"));
    }
  }
  TimeDisplay display;
  display.utc = utc;
  display.zone = utc ? absl::UTCTimeZone() : absl::LocalTimeZone();
  return display;
}

std::string FormatTimePoint(absl::Time t, const TimeDisplay& display) {
  // %Ez is "+01:00"; UTC is written "Z" (ISO 8601's Zulu), as on the radio.
  return display.utc ? absl::FormatTime("%Y-%m-%d %H:%M:%SZ", t, display.zone)
                     : absl::FormatTime("%Y-%m-%d %H:%M:%S%Ez", t, display.zone);
}

const char* ZoneName(const TimeDisplay& display) { return display.utc ? "UTC" : "local"; }

size_t TimePointWidth(const TimeDisplay& display) { return display.utc ? 20 : 25; }

}  // namespace sitrep::cli
