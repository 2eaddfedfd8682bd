#include "client/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/chain_text.h"
#include "client/filter_flags.h"
#include "client/municipalities.h"
#include "client/table_layout.h"
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

namespace {

// The widest Albanian name: the municipality column is never cut for
// want of a preferred width.
size_t MunicipalityWidth() {
  size_t width = 12;
  for (const MunicipalityName& m : Municipalities()) width = std::max(width, Width(m.albanian));
  return width;
}

// SEQ TIME MISSION ROLE SEVERITY CATEGORY MUNICIPALITY INCIDENT KIND, then
// the headline's width (0: unlimited).
TableLayout UpdateLayout(const RenderOptions& options) {
  static const size_t municipality = MunicipalityWidth();
  const size_t time = TimePointWidth(options.time);
  return FitColumns({{7, 5},
                     {time, time},
                     {13, 5},
                     {7, 6},
                     {8, 8},
                     {18, 6},
                     {municipality, 10, /*keep=*/true},
                     {20, 8},
                     {15, 7}},
                    options.width, /*indent=*/0, /*last_comfort=*/30, /*last_min=*/12);
}

// The last cell: cut to `width` (0: whole), never padded.
std::string LastCell(absl::string_view text, size_t width) {
  return width == 0 ? TerminalSafe(text) : Cell(text, width, /*pad=*/false);
}

}  // namespace

std::string UpdateTableHeader(const RenderOptions& options) {
  const TableLayout layout = UpdateLayout(options);
  const std::vector<size_t>& w = layout.widths;
  const std::string& g = layout.gap;
  const std::string time = absl::StrCat("TIME (", ZoneName(options.time), ")");
  std::string line = absl::StrCat(
      std::string(w[0] > 3 ? w[0] - 3 : 0, ' '), "SEQ", g, Cell(time, w[1]), g,
      Cell("MISSION", w[2]), g, Cell("ROLE", w[3]), g, Cell("SEVERITY", w[4]), g,
      Cell("CATEGORY", w[5]), g, Cell("MUNICIPALITY", w[6]), g, Cell("INCIDENT", w[7]), g,
      Cell("KIND", w[8]), g, "HEADLINE");
  if (options.color) return absl::StrCat("\033[1m", line, "\033[0m\n");
  return line + "\n";
}

std::string UpdateTableRow(const SituationUpdate& update, const RenderOptions& options) {
  const TableLayout layout = UpdateLayout(options);
  const std::vector<size_t>& w = layout.widths;
  const std::string& g = layout.gap;
  const google::protobuf::Timestamp& when =
      update.has_occurred_at() ? update.occurred_at() : update.received_at();
  std::string time = (when.seconds() == 0 && when.nanos() == 0)
                         ? "-"
                         : FormatTimePoint(ToTime(when), options.time);
  std::string place = ShortMunicipality(update.location().municipality());
  // A narrow mission column says "kp" (an accepted spelling) rather than a
  // cut "kosov…".
  std::string mission = ShortName(update.mission());
  if (update.mission() == sitrep::v1::MISSION_KOSOVO_POLICE && w[2] < mission.size()) {
    mission = "kp";
  }
  return absl::StrCat(
      absl::StrFormat("%*d", static_cast<int>(w[0]), update.sequence()), g, Cell(time, w[1]), g,
      Cell(mission, w[2]), g, Cell(ShortName(update.role()), w[3]), g,
      SeverityCell(update.severity(), w[4], options), g, Cell(ShortName(update.category()), w[5]),
      g, Cell(place, w[6]), g, Cell(update.incident_id().empty() ? "-" : update.incident_id(), w[7]),
      g, Cell(update.kind() == sitrep::v1::KIND_UNSPECIFIED ? "-" : ShortName(update.kind()), w[8]),
      g, LastCell(absl::StrCat(StatusMark(update), update.headline()), w[9]), "\n");
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
  // INCIDENT LEAD SEVERITY PEAK AGE SUPPORT LAST, then the headline.
  const TableLayout layout =
      FitColumns({{20, 10}, {14, 10}, {8, 8}, {8, 8}, {6, 6}, {16, 10}, {15, 8}}, options.width,
                 /*indent=*/2, /*last_comfort=*/30, /*last_min=*/12);
  const std::vector<size_t>& w = layout.widths;
  const std::string& g = layout.gap;
  std::string out;
  for (const auto& [name, incidents] : groups) {
    absl::StrAppend(&out, bold, name, reset, " (", incidents.size(),
                    incidents.size() == 1 ? " incident" : " incidents", ")\n");
    absl::StrAppend(&out, "  ", Cell("INCIDENT", w[0]), g, Cell("LEAD", w[1]), g,
                    Cell("SEVERITY", w[2]), g, Cell("PEAK", w[3]), g, Cell("AGE", w[4]), g,
                    Cell("SUPPORT", w[5]), g, Cell("LAST", w[6]), g, "HEADLINE\n");
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
      const size_t mark_width = incident->exceptions().empty() ? 0 : 11;
      const size_t headline_width =
          w[7] == 0 ? 0 : (w[7] > mark_width + 1 ? w[7] - mark_width : 1);
      absl::StrAppend(&out, "  ", Cell(incident->incident_id(), w[0]), g, Cell(lead, w[1]), g,
                      SeverityCell(latest.severity(), w[2], options), g,
                      SeverityCell(incident->peak_severity(), w[3], options), g, Cell(age, w[4]),
                      g, Cell(SupportSummary(*incident, options.now), w[5]), g,
                      Cell(ShortName(latest.kind()), w[6]), g, mark,
                      LastCell(absl::StrCat(StatusMark(latest), latest.headline()), headline_width), "\n");
    }
    out += "\n";
  }
  std::string as_of = situation.has_as_of()
                          ? FormatTimePoint(ToTime(situation.as_of()), options.time)
                          : "-";
  absl::StrAppend(&out, situation.incidents_size(),
                  situation.incidents_size() == 1 ? " current incident" : " current incidents",
                  " as of ", as_of, " (consistent at #", situation.sequence(), ")\n");
  return out;
}

}  // namespace sitrep::cli
