#include "client/check_thresholds.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/filter_flags.h"

namespace sitrep::cli {
namespace {

absl::Status CheckOrder(const Thresholds& t, absl::string_view warn_flag,
                        absl::string_view crit_flag) {
  if (t.warn.has_value() && t.crit.has_value() && *t.warn > *t.crit) {
    return absl::InvalidArgumentError(
        absl::StrCat(warn_flag, ": must not be above ", crit_flag));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<double>> DurationSeconds(absl::string_view text,
                                                      absl::string_view flag) {
  if (text.empty()) return std::nullopt;
  // Also refuses negative durations.
  absl::StatusOr<absl::Duration> d = ParseDurationFlag(text, flag);
  if (!d.ok()) return d.status();
  return absl::ToDoubleSeconds(*d);
}

}  // namespace

std::string ThresholdNote(PluginState state, absl::string_view warn, absl::string_view crit) {
  if (state == PluginState::kCritical) return absl::StrCat(" (> ", crit, ")");
  if (state == PluginState::kWarning) return absl::StrCat(" (> ", warn, ")");
  return "";
}

PluginState Judge(double value, const Thresholds& thresholds) {
  if (thresholds.crit.has_value() && value > *thresholds.crit) return PluginState::kCritical;
  if (thresholds.warn.has_value() && value > *thresholds.warn) return PluginState::kWarning;
  return PluginState::kOk;
}

absl::StatusOr<Thresholds> ParseDurationThresholds(absl::string_view warn,
                                                   absl::string_view warn_flag,
                                                   absl::string_view crit,
                                                   absl::string_view crit_flag) {
  Thresholds t;
  absl::StatusOr<std::optional<double>> w = DurationSeconds(warn, warn_flag);
  if (!w.ok()) return w.status();
  absl::StatusOr<std::optional<double>> c = DurationSeconds(crit, crit_flag);
  if (!c.ok()) return c.status();
  t.warn = *w;
  t.crit = *c;
  absl::Status order = CheckOrder(t, warn_flag, crit_flag);
  if (!order.ok()) return order;
  return t;
}

absl::StatusOr<Thresholds> CountThresholds(std::optional<int64_t> warn,
                                           absl::string_view warn_flag,
                                           std::optional<int64_t> crit,
                                           absl::string_view crit_flag) {
  Thresholds t;
  if (warn.has_value() && *warn < 0) {
    return absl::InvalidArgumentError(absl::StrCat(warn_flag, ": must be >= 0"));
  }
  if (crit.has_value() && *crit < 0) {
    return absl::InvalidArgumentError(absl::StrCat(crit_flag, ": must be >= 0"));
  }
  if (warn.has_value()) t.warn = static_cast<double>(*warn);
  if (crit.has_value()) t.crit = static_cast<double>(*crit);
  absl::Status order = CheckOrder(t, warn_flag, crit_flag);
  if (!order.ok()) return order;
  return t;
}

}  // namespace sitrep::cli
