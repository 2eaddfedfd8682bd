// Warning / critical thresholds of `sitrep check` and how a measured value
// is judged against them: the Nagios "above N" form (alert when the value
// exceeds the threshold; the value itself is still fine), so the perfdata
// warn/crit fields carry the same numbers.
#ifndef SITREP_CLIENT_CHECK_THRESHOLDS_H_
#define SITREP_CLIENT_CHECK_THRESHOLDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/plugin_output.h"

namespace sitrep::cli {

struct Thresholds {
  std::optional<double> warn;
  std::optional<double> crit;

  bool any() const { return warn.has_value() || crit.has_value(); }
};

// CRITICAL when value > crit, else WARNING when value > warn, else OK.
PluginState Judge(double value, const Thresholds& thresholds);

// " (> CRIT)" for a CRITICAL state, " (> WARN)" for a WARNING one, "" for
// any other: the threshold a finding crossed, as its flag gave it.
std::string ThresholdNote(PluginState state, absl::string_view warn, absl::string_view crit);

// A pair of duration flags ("15m", "1h"; either may be empty) as seconds.
// INVALID_ARGUMENT naming the flag for a malformed or negative duration, or
// when the warning threshold is above the critical one (a check that could
// never warn is a configuration mistake).
absl::StatusOr<Thresholds> ParseDurationThresholds(absl::string_view warn,
                                                   absl::string_view warn_flag,
                                                   absl::string_view crit,
                                                   absl::string_view crit_flag);

// A pair of count flags (nullopt: not given) as numbers; INVALID_ARGUMENT
// for a negative count and as above for the order.
absl::StatusOr<Thresholds> CountThresholds(std::optional<int64_t> warn,
                                           absl::string_view warn_flag,
                                           std::optional<int64_t> crit,
                                           absl::string_view crit_flag);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_CHECK_THRESHOLDS_H_
