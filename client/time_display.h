// The one way the CLI prints a point in time in its tables and messages:
// ISO 8601 date and time with the zone, in UTC ("2026-12-06 03:34:32Z", the
// operations centre's Zulu) or in local time with its offset always printed
// ("2026-12-06 04:34:32+01:00"). JSON output keeps protobuf's RFC 3339.
#ifndef SITREP_CLIENT_TIME_DISPLAY_H_
#define SITREP_CLIENT_TIME_DISPLAY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sitrep::cli {

struct TimeDisplay {
  bool utc = true;                          // false: local time (TZ)
  absl::TimeZone zone = absl::UTCTimeZone();  // UTC, or the local zone
};

// --utc, --local (at most one), else SITREP_TZ=utc|local (`env`, may be
// null), else UTC. INVALID_ARGUMENT naming the flag or SITREP_TZ.
absl::StatusOr<TimeDisplay> ResolveTimeDisplay(bool utc_flag, bool local_flag, const char* env);

// "2026-12-06 03:34:32Z" or "2026-12-06 04:34:32+01:00".
std::string FormatTimePoint(absl::Time t, const TimeDisplay& display);

// What a table header says after TIME: "UTC" or "local".
const char* ZoneName(const TimeDisplay& display);

// The width of FormatTimePoint's text: 20 (UTC) or 25 (local).
size_t TimePointWidth(const TimeDisplay& display);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_TIME_DISPLAY_H_
