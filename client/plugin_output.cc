#include "client/plugin_output.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

// Severity order of max_state_alt: OK < UNKNOWN < WARNING < CRITICAL.
int Rank(PluginState state) {
  switch (state) {
    case PluginState::kOk: return 0;
    case PluginState::kUnknown: return 1;
    case PluginState::kWarning: return 2;
    case PluginState::kCritical: return 3;
  }
  return 1;
}

// At most three decimals and never an exponent: some perfdata parsers
// (PNP4Nagios, older Icinga) read only [-0-9.].
std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "U";
  std::string text = absl::StrFormat("%.3f", value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

std::string OptionalNumber(const std::optional<double>& value) {
  return value.has_value() ? FormatNumber(*value) : "";
}

// A text that cannot break the line's structure.
std::string CleanText(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "/"}, {"\n", " "}, {"\r", " "}});
}

}  // namespace

const char* PluginStateName(PluginState state) {
  switch (state) {
    case PluginState::kOk: return "OK";
    case PluginState::kWarning: return "WARNING";
    case PluginState::kCritical: return "CRITICAL";
    case PluginState::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

PluginState WorseState(PluginState a, PluginState b) { return Rank(a) >= Rank(b) ? a : b; }

PluginState PluginStateFor(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return PluginState::kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return PluginState::kUnknown;
    default:
      return PluginState::kCritical;
  }
}

std::string FormatPerfDatum(const PerfDatum& datum) {
  std::string label = absl::StrReplaceAll(CleanText(datum.label), {{"'", "''"}, {"=", "_"}});
  std::string value = datum.value.has_value() ? FormatNumber(*datum.value) : "U";
  // "U" carries no unit: the value is unknown, not zero seconds.
  if (value != "U") value += datum.uom;
  std::vector<std::string> fields = {value, OptionalNumber(datum.warn),
                                     OptionalNumber(datum.crit), OptionalNumber(datum.min),
                                     OptionalNumber(datum.max)};
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return absl::StrCat("'", label, "'=", absl::StrJoin(fields, ";"));
}

PluginState OverallState(const std::vector<CheckFinding>& findings) {
  if (findings.empty()) return PluginState::kUnknown;
  PluginState state = PluginState::kOk;
  for (const CheckFinding& finding : findings) state = WorseState(state, finding.state);
  return state;
}

std::string FormatPluginOutput(const std::vector<CheckFinding>& findings,
                               const std::vector<PerfDatum>& perfdata) {
  std::vector<CheckFinding> ordered = findings;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const CheckFinding& a, const CheckFinding& b) {
                     return Rank(a.state) > Rank(b.state);
                   });
  std::vector<std::string> texts;
  for (const CheckFinding& finding : ordered) texts.push_back(CleanText(finding.text));
  std::string line = absl::StrCat("SITREP ", PluginStateName(OverallState(findings)), " - ",
                                  texts.empty() ? "nothing checked" : absl::StrJoin(texts, "; "));
  if (!perfdata.empty()) {
    std::vector<std::string> data;
    for (const PerfDatum& datum : perfdata) data.push_back(FormatPerfDatum(datum));
    absl::StrAppend(&line, " | ", absl::StrJoin(data, " "));
  }
  return Redacted(line) + "\n";
}

}  // namespace sitrep::cli
