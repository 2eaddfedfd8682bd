// Durations as people read them in messages: rounded to what matters
// ("4.2 s", "12 min", "2 h 13 min", "1,122 days (3.1 years)"), never
// absl::FormatDuration's "26924h21m0.080481237s".
#ifndef SITREP_COMMON_HUMAN_DURATION_H_
#define SITREP_COMMON_HUMAN_DURATION_H_

#include <string>

#include "absl/time/time.h"

namespace sitrep {

// Below 10 s with one decimal ("0.2 s", "4.2 s"); then whole seconds
// ("45 s"), minutes ("12 min", "12 min 5 s" below 10 min), hours and minutes
// ("2 h 13 min"), days ("3 days 4 h" below 10 days, "1,122 days"), and from a
// year on the years too ("1,122 days (3.1 years)"). Negative durations get a
// leading '-'; infinite ones are "forever".
std::string HumanDuration(absl::Duration d);

// `n` with thousands separators: 2431 -> "2,431".
std::string WithThousands(int64_t n);

// "1 update", "0 updates", "2431 updates" (plain digits: scripts read these) (`singular` + "s" unless n == 1).
std::string Plural(int64_t n, const std::string& singular);

}  // namespace sitrep

#endif  // SITREP_COMMON_HUMAN_DURATION_H_
