#include "client/commands/check_replicas.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/metrics_scrape.h"
#include "client/output.h"

namespace sitrep::cli {
namespace {

using Samples = std::vector<std::pair<std::string, double>>;

// A finding when the endpoint cannot tell the replicas' lag; nullopt when
// it can.
std::optional<CheckFinding> ProbeFinding(const absl::StatusOr<std::string>& text,
                                         const Samples& up, const std::string& metrics) {
  if (!text.ok()) {
    return CheckFinding{PluginState::kCritical, std::string(text.status().message())};
  }
  if (up.empty()) {
    return CheckFinding{PluginState::kUnknown,
                        absl::StrCat("no replica metrics at ", metrics,
                                     " (not a --store=jetstream sitrepd's --metrics_address?)")};
  }
  if (up.front().second != 1) {
    return CheckFinding{PluginState::kCritical,
                        absl::StrCat("replica at ", metrics,
                                     ": its lag probe cannot reach NATS")};
  }
  return std::nullopt;
}

// The finding for one replica that is behind beyond a threshold; nullopt
// for one within them.
std::optional<CheckFinding> JudgeReplica(const ReplicaCheck& check, const std::string& replica,
                                         double lag, double stalled) {
  const PluginState lag_state = Judge(lag, check.lag);
  const PluginState stalled_state = Judge(stalled, check.stalled);
  const PluginState state = WorseState(lag_state, stalled_state);
  if (state == PluginState::kOk) return std::nullopt;
  std::string what = absl::StrCat("replica ", replica, ": ", static_cast<int64_t>(lag),
                                  " updates behind the stream");
  if (lag_state != PluginState::kOk) {
    absl::StrAppend(&what, " (> ",
                    static_cast<int64_t>(lag_state == PluginState::kCritical ? *check.lag.crit
                                                                             : *check.lag.warn),
                    ")");
  }
  if (stalled > 0) {
    absl::StrAppend(&what, ", applied nothing for ", FormatAge(absl::Seconds(stalled)),
                    ThresholdNote(stalled_state, check.stalled_warning, check.stalled_critical));
  }
  return CheckFinding{state, std::move(what)};
}

}  // namespace

void CheckReplicas(const ReplicaCheck& check, absl::Duration timeout,
                   std::vector<CheckFinding>* findings, std::vector<PerfDatum>* perfdata) {
  PerfDatum lag_datum{"replica_lag_max", std::nullopt, "", check.lag.warn,
                      check.lag.crit, 0.0, std::nullopt};
  PerfDatum stalled_datum{"replica_stalled_max", std::nullopt, "s", check.stalled.warn,
                          check.stalled.crit, 0.0, std::nullopt};
  absl::StatusOr<std::string> text = FetchMetrics(check.metrics, timeout);
  const Samples up = text.ok() ? GaugeSamples(*text, "sitrep_replica_probe_up", "") : Samples{};
  if (std::optional<CheckFinding> finding = ProbeFinding(text, up, check.metrics)) {
    findings->push_back(*std::move(finding));
    perfdata->push_back(std::move(lag_datum));
    perfdata->push_back(std::move(stalled_datum));
    return;
  }
  const Samples replicas = GaugeSamples(*text, "sitrep_replicas", "");
  const Samples stalls = GaugeSamples(*text, "sitrep_replica_stalled_seconds", "replica");
  double max_lag = 0, max_stalled = 0;
  int behind = 0;
  for (const auto& [replica, lag] : GaugeSamples(*text, "sitrep_replica_lag_updates", "replica")) {
    double stalled = 0;
    for (const auto& [name, seconds] : stalls) {
      if (name == replica) stalled = seconds;
    }
    max_lag = std::max(max_lag, lag);
    max_stalled = std::max(max_stalled, stalled);
    if (std::optional<CheckFinding> finding = JudgeReplica(check, replica, lag, stalled)) {
      ++behind;
      findings->push_back(*std::move(finding));
    }
  }
  const int64_t count = replicas.empty() ? 0 : static_cast<int64_t>(replicas.front().second);
  if (behind == 0) {
    findings->push_back({PluginState::kOk,
                         absl::StrCat(count, count == 1 ? " replica" : " replicas",
                                      ", largest lag ", static_cast<int64_t>(max_lag),
                                      " updates")});
  }
  perfdata->push_back({"replicas", static_cast<double>(count), "", std::nullopt, std::nullopt,
                       0.0, std::nullopt});
  lag_datum.value = max_lag;
  stalled_datum.value = max_stalled;
  perfdata->push_back(std::move(lag_datum));
  perfdata->push_back(std::move(stalled_datum));
}

}  // namespace sitrep::cli
