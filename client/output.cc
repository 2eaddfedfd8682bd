#include "client/output.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/chain_text.h"
#include "client/filter_flags.h"
#include "client/municipalities.h"
#include "client/terminal_text.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace sitrep::cli {

using sitrep::v1::Severity;
using sitrep::v1::SituationUpdate;

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text,
                                               bool stdout_is_tty) {
  if (text.empty()) return stdout_is_tty ? OutputFormat::kTable : OutputFormat::kJsonl;
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "jsonl") return OutputFormat::kJsonl;
  return absl::InvalidArgumentError(
      absl::StrCat("--output: unknown format '", text, "' (valid: table, json, jsonl)"));
}

bool ColorByDefault() {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && (no_color == nullptr || no_color[0] == '\0');
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string out;
  // Only fails for messages with unresolvable Any fields; sitrep has none.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (pretty && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

// Code points, not bytes: names like "Mitrovicë" must line up.
size_t Width(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Cuts `s` (made TerminalSafe) to `width` code points (ending in "…" when
// cut) and pads it.
std::string Cell(absl::string_view text, size_t width, bool pad = true) {
  const std::string safe = TerminalSafe(text);
  const absl::string_view s = safe;
  std::string out;
  if (Width(s) <= width) {
    out = std::string(s);
  } else {
    size_t points = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
        if (points == width - 1) break;
        ++points;
      }
    }
    out = absl::StrCat(s.substr(0, i), "…");
  }
  if (pad) out.append(width - std::min(width, Width(out)), ' ');
  return out;
}

const char* SeverityColor(Severity severity) {
  switch (severity) {
    case sitrep::v1::SEVERITY_EXTREME: return "\033[1;97;41m";  // bold white on red
    case sitrep::v1::SEVERITY_SEVERE: return "\033[1;31m";       // bold red
    case sitrep::v1::SEVERITY_MODERATE: return "\033[33m";       // yellow
    case sitrep::v1::SEVERITY_MINOR: return "\033[32m";          // green
    default: return "\033[2m";                                   // dim
  }
}

std::string SeverityCell(Severity severity, size_t width, const RenderOptions& options) {
  std::string text = Cell(ShortName(severity), width, /*pad=*/false);
  const std::string padding(width - std::min(width, Width(text)), ' ');
  if (!options.color) return text + padding;
  return absl::StrCat(SeverityColor(severity), text, "\033[0m", padding);
}

// "[EXERCISE] " / "[TEST] " before the headline of an update that is not
// about the real world (a stored CATEGORY_EXERCISE is an exercise too), so
// that an exercise never reads as a real incident.
std::string StatusMark(const SituationUpdate& update) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (update.status() == sitrep::v1::STATUS_EXERCISE ||
      (update.status() == sitrep::v1::STATUS_UNSPECIFIED &&
       update.category() == sitrep::v1::CATEGORY_EXERCISE)) {
    return "[EXERCISE] ";
  }
#pragma GCC diagnostic pop
  if (update.status() == sitrep::v1::STATUS_TEST) return "[TEST] ";
  return "";
}

std::string ShortMunicipality(absl::string_view id) {
  for (const MunicipalityName& m : Municipalities()) {
    if (m.id == id) return m.albanian;
  }
  return id.empty() ? "-" : std::string(id);
}

}  // namespace

std::string TableCell(absl::string_view s, size_t width) { return Cell(s, width); }

std::string FormatAge(absl::Duration age) {
  if (age < absl::ZeroDuration()) age = absl::ZeroDuration();
  const int64_t s = absl::ToInt64Seconds(age);
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrCat(s / 60, "m");
  if (s < 86400) return absl::StrCat(s / 3600, "h", (s % 3600) / 60, "m");
  return absl::StrCat(s / 86400, "d", (s % 86400) / 3600, "h");
}

std::string UpdateTableHeader(const RenderOptions& options) {
  std::string line = absl::StrFormat(
      "%7s  %-14s  %-13s  %-7s  %-8s  %-18s  %-16s  %-20s  %-15s  %s", "SEQ",
      "TIME", "MISSION", "ROLE", "SEVERITY", "CATEGORY", "MUNICIPALITY",
      "INCIDENT", "KIND", "HEADLINE");
  if (options.color) return absl::StrCat("\033[1m", line, "\033[0m\n");
  return line + "\n";
}

std::string UpdateTableRow(const SituationUpdate& update, const RenderOptions& options) {
  const google::protobuf::Timestamp& when =
      update.has_occurred_at() ? update.occurred_at() : update.received_at();
  std::string time = (when.seconds() == 0 && when.nanos() == 0)
                         ? "-"
                         : absl::FormatTime("%m-%d %H:%M:%S", ToTime(when), options.zone);
  std::string place = ShortMunicipality(update.location().municipality());
  return absl::StrCat(
      absl::StrFormat("%7d  ", update.sequence()), Cell(time, 14), "  ",
      Cell(ShortName(update.mission()), 13), "  ", Cell(ShortName(update.role()), 7),
      "  ", SeverityCell(update.severity(), 8, options), "  ",
      Cell(ShortName(update.category()), 18), "  ", Cell(place, 16), "  ",
      Cell(update.incident_id().empty() ? "-" : update.incident_id(), 20), "  ",
      Cell(update.kind() == sitrep::v1::KIND_UNSPECIFIED ? "-" : ShortName(update.kind()), 15),
      "  ", StatusMark(update), TerminalSafe(update.headline()), "\n");
}

std::string LeftViewTableRow(const SituationUpdate& update, absl::string_view reason,
                             const RenderOptions& options) {
  RenderOptions plain = options;
  plain.color = false;  // the whole row is dimmed instead of coloured by severity
  std::string row = UpdateTableRow(update, plain);
  row.pop_back();  // the newline
  absl::StrAppend(&row, "  << left your view: ", reason);
  if (options.color) return absl::StrCat("\033[2m", row, "\033[0m\n");
  return row + "\n";
}

std::string LeftViewJson(const SituationUpdate& update, absl::string_view reason, bool pretty) {
  google::protobuf::Value value;
  value.set_string_value(std::string(reason));
  const std::string quoted = ToJson(value, /*pretty=*/false);
  std::string json = ToJson(update, pretty);
  if (json.size() < 2 || json[0] != '{') return json;
  const bool empty = json.find_first_not_of(" \n", 1) == json.size() - 1;
  const std::string field = pretty ? absl::StrCat("\n  \"leftView\": ", quoted)
                                   : absl::StrCat("\"leftView\":", quoted);
  json.insert(1, empty ? field : absl::StrCat(field, ","));
  return json;
}

std::string MarkerText(const sitrep::v1::SubscribeResponse& response) {
  switch (response.marker_case()) {
    case sitrep::v1::SubscribeResponse::kCaughtUp:
      return absl::StrCat("caught up at #", response.caught_up().sequence(),
                          ": history complete, live from here");
    case sitrep::v1::SubscribeResponse::kSnapshotEnd:
      return absl::StrCat("end of situation snapshot (as of #",
                          response.snapshot_end().sequence(), "); changes follow");
    case sitrep::v1::SubscribeResponse::kGap:
      return absl::StrCat("GAP: updates #", response.gap().from_sequence(), "..#",
                          response.gap().to_sequence(),
                          " were removed by retention before they could be read");
    default:
      return "";
  }
}

std::string SituationTable(const sitrep::v1::Situation& situation,
                           const RenderOptions& options) {
  // Group by the incident's municipality (an update without a location
  // keeps the incident where it is), keeping the server's order (latest
  // sequence) inside each group. Servers before the chain rules set no
  // Incident.location: the latest update's place then.
  std::map<std::string, std::vector<const sitrep::v1::Incident*>> groups;
  for (const sitrep::v1::Incident& incident : situation.incidents()) {
    const sitrep::v1::Location& where =
        incident.has_location() ? incident.location() : incident.latest().location();
    groups[MunicipalityDisplayName(where.municipality())].push_back(&incident);
  }
  const char* bold = options.color ? "\033[1m" : "";
  const char* red = options.color ? "\033[1;31m" : "";
  const char* reset = options.color ? "\033[0m" : "";
  std::string out;
  for (const auto& [name, incidents] : groups) {
    absl::StrAppend(&out, bold, name, reset, " (", incidents.size(),
                    incidents.size() == 1 ? " incident" : " incidents", ")\n");
    absl::StrAppend(&out, absl::StrFormat("  %-20s  %-14s  %-8s  %-8s  %-6s  %-16s  %-15s  %s\n",
                                          "INCIDENT", "LEAD", "SEVERITY", "PEAK", "AGE",
                                          "SUPPORT", "LAST", "HEADLINE"));
    for (const sitrep::v1::Incident* incident : incidents) {
      const SituationUpdate& latest = incident->latest();
      const std::string age =
          incident->has_opened_at() ? FormatAge(options.now - ToTime(incident->opened_at())) : "-";
      const std::string lead =
          incident->lead().tier() == sitrep::v1::ROLE_UNSPECIFIED
              ? "-"
              : ActorText(incident->lead().mission() != sitrep::v1::MISSION_UNSPECIFIED
                              ? incident->lead().mission()
                              : MissionOfTier(incident->lead().tier()),
                          incident->lead().tier());
      const std::string mark =
          incident->exceptions().empty() ? "" : absl::StrCat(red, "!exception", reset, " ");
      absl::StrAppend(&out, "  ", Cell(incident->incident_id(), 20), "  ", Cell(lead, 14), "  ",
                      SeverityCell(latest.severity(), 8, options), "  ",
                      SeverityCell(incident->peak_severity(), 8, options), "  ",
                      Cell(age, 6), "  ", Cell(SupportSummary(*incident, options.now), 16), "  ",
                      Cell(ShortName(latest.kind()), 15), "  ", mark,
                      StatusMark(latest), TerminalSafe(latest.headline()), "\n");
    }
    out += "\n";
  }
  std::string as_of = situation.has_as_of()
                          ? absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", ToTime(situation.as_of()),
                                             options.zone)
                          : "-";
  absl::StrAppend(&out, situation.incidents_size(),
                  situation.incidents_size() == 1 ? " current incident" : " current incidents",
                  " as of ", as_of, " (consistent at #", situation.sequence(), ")\n");
  return out;
}

}  // namespace sitrep::cli
