// Moments on the command line: `--at -2h`, `--since 12h`, `--from
// 2026-12-06T14:05Z`.
#ifndef SITREP_CLIENT_MOMENT_FLAG_H_
#define SITREP_CLIENT_MOMENT_FLAG_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sitrep::cli {

// ParseTimeFlag (filter_flags.h) that also takes a leading minus on a
// duration ("-2h": two hours before `now`) and an RFC 3339 time without
// seconds ("2026-12-06T14:05Z"). INVALID_ARGUMENT naming `flag`.
absl::StatusOr<absl::Time> ParseMomentFlag(absl::string_view text,
                                           absl::string_view flag,
                                           absl::Time now);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_MOMENT_FLAG_H_
