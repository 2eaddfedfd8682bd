#ifndef SITREP_TESTS_SUPPORT_METRICS_TEXT_H_
#define SITREP_TESTS_SUPPORT_METRICS_TEXT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep::testing {

// The samples of a Prometheus text-format (0.0.4) exposition, keyed by
// series in one canonical spelling: the name, then the labels sorted by
// name, `name{a="x",b="y"}` (no braces without labels). Comments (# HELP,
// # TYPE) are skipped. INVALID_ARGUMENT names a line that does not parse.
absl::StatusOr<std::map<std::string, double>> ParseMetricsText(
    absl::string_view text);

// The value of `series` (canonical spelling) in `samples`, or -1 when it is
// absent: the tests' expected values are never negative.
double SampleOr(const std::map<std::string, double>& samples,
                const std::string& series);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_METRICS_TEXT_H_
