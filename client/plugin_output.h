// The monitoring-plugin contract `sitrep check` speaks (Nagios, Icinga,
// Zabbix, Sensu): the four states and their exit codes, and the one output
// line "SITREP <STATE> - <summary> | <perfdata>". Kept apart from the check
// itself so the format is tested without a server.
#ifndef SITREP_CLIENT_PLUGIN_OUTPUT_H_
#define SITREP_CLIENT_PLUGIN_OUTPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "grpcpp/support/status.h"

namespace sitrep::cli {

// The plugin states; the value is the exit code. They are not the CLI's own
// exit codes (status_text.h): a monitoring system reads 2 as CRITICAL,
// where the rest of the CLI means "usage".
enum class PluginState { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

// "OK", "WARNING", "CRITICAL", "UNKNOWN".
const char* PluginStateName(PluginState state);

// The state that wins when several checks are combined: CRITICAL > WARNING >
// UNKNOWN > OK. UNKNOWN ranks below the two problem states because a proven
// problem says more than a check that could not run (monitoring-plugins'
// max_state_alt).
PluginState WorseState(PluginState a, PluginState b);

// How a failed call counts. Our own configuration (INVALID_ARGUMENT,
// UNAUTHENTICATED, PERMISSION_DENIED: the check cannot be performed as set
// up) is UNKNOWN; everything else — unreachable, timeout, an internal error
// of the server — is a fact about the server, so CRITICAL, as the
// monitoring-plugins guidelines ask for connection failures and timeouts.
PluginState PluginStateFor(const grpc::Status& status);

// One performance datum: 'label'=value[uom];warn;crit;min;max.
struct PerfDatum {
  std::string label;
  // nullopt: the value could not be determined ("U").
  std::optional<double> value;
  std::string uom;  // "s", "%", "B", "c" or "" (a plain number)
  std::optional<double> warn;
  std::optional<double> crit;
  std::optional<double> min;
  std::optional<double> max;
};

// The Nagios perfdata form. The label is always quoted (a quote inside is
// doubled); numbers have at most three decimals, no exponent; trailing
// empty fields are dropped: 'time'=0.004s;;;0
std::string FormatPerfDatum(const PerfDatum& datum);

// One finding of a check, e.g. {kWarning, "kfor: last update 20m ago (> 15m)"}.
struct CheckFinding {
  PluginState state = PluginState::kOk;
  std::string text;
};

// The plugin's output line, with a trailing newline:
//   SITREP CRITICAL - eulex: no update stored; kfor: last update 3s ago | 'time'=0.002s;;;0 ...
// The state is the worst of `findings` (UNKNOWN when there are none). The
// findings are listed worst first (a monitoring UI often shows only the
// start of the line), in their given order within a state, joined by "; ".
// '|' in a text would start the perfdata, so it becomes '/'; newlines become
// spaces.
std::string FormatPluginOutput(const std::vector<CheckFinding>& findings,
                               const std::vector<PerfDatum>& perfdata);

// The state of `findings` as FormatPluginOutput reports it.
PluginState OverallState(const std::vector<CheckFinding>& findings);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_PLUGIN_OUTPUT_H_
