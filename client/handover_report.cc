#include "client/handover_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/chain_text.h"
#include "client/filter_flags.h"
#include "client/municipalities.h"

namespace sitrep::cli {
namespace {

using sitrep::v1::Incident;
using sitrep::v1::Kind;
using sitrep::v1::Mission;
using sitrep::v1::SituationUpdate;
using sitrep::v1::SupportRequest;

// A section of the report: the same content becomes a Markdown or an HTML
// table, so the two formats cannot say different things.
struct Table {
  std::string title;
  std::string note;  // One line under the title (may be empty).
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%MZ", t, absl::UTCTimeZone());
}

std::string Place(absl::string_view municipality) {
  return municipality.empty() ? "-" : MunicipalityDisplayName(municipality);
}

std::string SeverityText(sitrep::v1::Severity severity) {
  return ShortName(severity);
}

// What the report knows of each incident while it reads the window: its
// place (carried forward like the server does) and headline.
struct IncidentFacts {
  std::string municipality;
  std::string headline;
};

class ReportBuilder {
 public:
  explicit ReportBuilder(const ShiftData& shift) : shift_(shift) {}

  std::vector<Table> Build() {
    for (const Incident& incident : shift_.start.incidents()) {
      Learn(incident.incident_id(), incident.location().municipality(),
            incident.latest().headline());
    }
    StepTables steps;
    for (const SituationUpdate& u : shift_.updates) {
      Learn(u.incident_id(), u.location().municipality(), u.headline());
      AddStepRow(u, &steps);
      CountActivity(u, PlaceOf(u));
    }
    std::vector<Table> tables;
    tables.push_back(Summary(steps.opened, steps.escalated, steps.deescalated, steps.resolved,
                             steps.expired));
    tables.push_back(std::move(steps.opened));
    tables.push_back(std::move(steps.escalated));
    tables.push_back(std::move(steps.deescalated));
    tables.push_back(std::move(steps.resolved));
    tables.push_back(std::move(steps.expired));
    tables.push_back(OpenAtEnd());
    tables.push_back(Waiting());
    tables.push_back(ByMunicipality());
    tables.push_back(ByMission());
    return tables;
  }

 private:
  // The window's steps of the chain, one table per kind.
  struct StepTables {
    Table opened{"Opened", "", {"Time", "Incident", "Mission", "Municipality",
                                "Severity", "Headline"}, {}};
    Table escalated{"Escalated", "The tier that took the lead.",
                    {"Time", "Incident", "Led by", "Municipality", "Headline"},
                    {}};
    Table deescalated{"De-escalated", "The tier that handed the lead back down.",
                      {"Time", "Incident", "By", "Municipality", "Headline"},
                      {}};
    Table resolved{"Resolved", "", {"Time", "Incident", "By", "How",
                                    "Municipality", "Headline"}, {}};
    Table expired{"Expired", "Their expires_at passed; the server closed them.",
                  {"Time", "Incident", "Municipality", "Headline"}, {}};
  };

  // `u`'s row in the table of its kind (none for other kinds).
  void AddStepRow(const SituationUpdate& u, StepTables* steps) const {
    const std::string& id = u.incident_id();
    const std::string place = Place(PlaceOf(u));
    const std::string when = TimeText(ToTime(u.received_at()));
    const std::string mission = MissionAbbrev(u.mission());
    const std::string headline = FactsOf(id).headline;
    switch (u.kind()) {
      case v1::KIND_NEW:
        steps->opened.rows.push_back({when, id, mission, place,
                                      SeverityText(u.severity()), headline});
        break;
      case v1::KIND_ESCALATE:
        steps->escalated.rows.push_back(
            {when, id, ActorText(u.mission(), u.role()), place, headline});
        break;
      case v1::KIND_DEESCALATE:
        steps->deescalated.rows.push_back({when, id, mission, place, headline});
        break;
      case v1::KIND_RESOLVE:
      case v1::KIND_CANCEL:
        steps->resolved.rows.push_back(
            {when, id, mission,
             u.kind() == v1::KIND_RESOLVE ? "resolved" : "cancelled", place,
             headline});
        break;
      case v1::KIND_EXPIRED:
        steps->expired.rows.push_back({when, id, place, headline});
        break;
      default:
        break;
    }
  }

  struct Activity {
    int updates = 0, opened = 0, escalated = 0, deescalated = 0, closed = 0;
  };

  void Learn(const std::string& id, const std::string& municipality,
             const std::string& headline) {
    if (id.empty()) return;
    IncidentFacts& facts = facts_[id];
    if (!municipality.empty()) facts.municipality = municipality;
    if (!headline.empty()) facts.headline = headline;
  }
  IncidentFacts FactsOf(const std::string& id) const {
    auto it = facts_.find(id);
    return it == facts_.end() ? IncidentFacts{} : it->second;
  }
  std::string PlaceOf(const SituationUpdate& u) const {
    if (!u.location().municipality().empty()) return u.location().municipality();
    return FactsOf(u.incident_id()).municipality;
  }

  void CountActivity(const SituationUpdate& u, const std::string& place) {
    for (Activity* a : {&by_place_[place], &by_mission_[u.mission()]}) {
      ++a->updates;
      switch (u.kind()) {
        case v1::KIND_NEW: ++a->opened; break;
        case v1::KIND_ESCALATE: ++a->escalated; break;
        case v1::KIND_DEESCALATE: ++a->deescalated; break;
        case v1::KIND_RESOLVE:
        case v1::KIND_CANCEL:
        case v1::KIND_EXPIRED: ++a->closed; break;
        default: break;
      }
    }
  }

  Table Summary(const Table& opened, const Table& escalated,
                const Table& deescalated, const Table& resolved,
                const Table& expired) const {
    Table t{"Summary",
            absl::StrCat("The situation at the start is GetSituation as of "
                         "sequence ", shift_.start.sequence(),
                         ", at the end as of sequence ", shift_.end.sequence(),
                         "; the lists below are the updates between them."),
            {"", "Count"}, {}};
    auto row = [&t](std::string what, size_t n) {
      t.rows.push_back({std::move(what), absl::StrCat(n)});
    };
    row("Open at the start", shift_.start.incidents_size());
    row("Updates in the window", shift_.updates.size());
    row("Opened", opened.rows.size());
    row("Escalated", escalated.rows.size());
    row("De-escalated", deescalated.rows.size());
    row("Resolved or cancelled", resolved.rows.size());
    row("Expired", expired.rows.size());
    row("Open at the end", shift_.end.incidents_size());
    return t;
  }

  Table OpenAtEnd() const {
    Table t{"Open at the end", "", {"Incident", "Led by", "Since", "Peak severity",
                                    "Municipality", "Opened", "Headline"}, {}};
    for (const Incident& i : shift_.end.incidents()) {
      t.rows.push_back({i.incident_id(), LeadText(i.lead()),
                        i.lead().has_since() ? TimeText(ToTime(i.lead().since()))
                                             : "-",
                        SeverityText(i.peak_severity()),
                        Place(i.location().municipality()),
                        TimeText(ToTime(i.opened_at())), i.latest().headline()});
    }
    return t;
  }

  Table Waiting() const {
    const absl::Time end = ToTime(shift_.end.as_of());
    Table t{"Support requests still waiting",
            "Asked and not yet acknowledged at the end of the window.",
            {"Incident", "Asked by", "Asked", "Requested", "Waiting"}, {}};
    for (const Incident& i : shift_.end.incidents()) {
      for (const SupportRequest& r : i.support_requests()) {
        if (r.state() != SupportRequest::STATE_OPEN) continue;
        const absl::Time asked = ToTime(r.requested_at());
        t.rows.push_back({i.incident_id(), MissionAbbrev(r.from_mission()),
                          MissionAbbrev(r.to_mission()), TimeText(asked),
                          FormatWait(std::max(absl::ZeroDuration(), end - asked))});
      }
    }
    return t;
  }

  Table ByMunicipality() const {
    std::map<std::string, int> open_at_end;
    for (const Incident& i : shift_.end.incidents()) {
      ++open_at_end[i.location().municipality()];
    }
    std::set<std::string> places;
    for (const auto& [place, a] : by_place_) places.insert(place);
    for (const auto& [place, n] : open_at_end) places.insert(place);
    std::vector<std::pair<std::string, std::string>> named;
    for (const std::string& place : places) named.push_back({Place(place), place});
    std::sort(named.begin(), named.end());
    Table t{"Activity by municipality", "",
            {"Municipality", "Updates", "Opened", "Closed", "Open at the end"},
            {}};
    for (const auto& [name, place] : named) {
      auto it = by_place_.find(place);
      const Activity a = it == by_place_.end() ? Activity{} : it->second;
      auto open = open_at_end.find(place);
      t.rows.push_back({name, absl::StrCat(a.updates), absl::StrCat(a.opened),
                        absl::StrCat(a.closed),
                        absl::StrCat(open == open_at_end.end() ? 0 : open->second)});
    }
    return t;
  }

  Table ByMission() const {
    Table t{"Activity by mission", "",
            {"Mission", "Updates", "Opened", "Escalated", "De-escalated",
             "Closed"},
            {}};
    for (const auto& [mission, a] : by_mission_) {
      t.rows.push_back({mission == v1::MISSION_UNSPECIFIED
                            ? std::string("(no mission)")
                            : MissionFullName(mission),
                        absl::StrCat(a.updates), absl::StrCat(a.opened),
                        absl::StrCat(a.escalated), absl::StrCat(a.deescalated),
                        absl::StrCat(a.closed)});
    }
    return t;
  }

  const ShiftData& shift_;
  absl::flat_hash_map<std::string, IncidentFacts> facts_;
  std::map<std::string, Activity> by_place_;
  std::map<Mission, Activity> by_mission_;
};

std::string MarkdownCell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}, {"\r", " "}});
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

std::string Title(const ShiftData& shift) {
  return absl::StrCat("Handover report ", TimeText(shift.from), " to ",
                      TimeText(shift.to),
                      shift.scope.empty() ? "" : absl::StrCat(" (", shift.scope, ")"));
}

std::string RenderMarkdown(const ShiftData& shift,
                           const std::vector<Table>& tables) {
  std::string out = absl::StrCat("# ", Title(shift), "\n\n");
  absl::StrAppend(&out, "Log ", shift.end.log_id(), ", updates ",
                  shift.start.sequence() + 1, " to ", shift.end.sequence(),
                  ". Times in UTC.\n");
  for (const Table& t : tables) {
    absl::StrAppend(&out, "\n## ", t.title, "\n\n");
    if (!t.note.empty()) absl::StrAppend(&out, t.note, "\n\n");
    if (t.rows.empty()) {
      absl::StrAppend(&out, "None.\n");
      continue;
    }
    std::vector<std::string> header, rule;
    for (const std::string& h : t.header) {
      header.push_back(MarkdownCell(h));
      rule.push_back("---");
    }
    absl::StrAppend(&out, "| ", absl::StrJoin(header, " | "), " |\n| ",
                    absl::StrJoin(rule, " | "), " |\n");
    for (const auto& row : t.rows) {
      std::vector<std::string> cells;
      for (const std::string& c : row) cells.push_back(MarkdownCell(c));
      absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
    }
  }
  return out;
}

// The hourly chart's series: KP, EULEX, KFOR, then any other mission.
constexpr Mission kChartMissions[] = {v1::MISSION_KOSOVO_POLICE, v1::MISSION_EULEX,
                                      v1::MISSION_KFOR, v1::MISSION_UNSPECIFIED};
constexpr const char* kChartColors[] = {"#2b6cb0", "#c05621", "#2f855a", "#718096"};

std::string ChartSeriesName(int m) {
  return m == 3 ? "other" : MissionAbbrev(kChartMissions[m]);
}

// Where the chart's parts go, in SVG pixels.
struct ChartLayout {
  absl::Time first_hour;
  int hours = 1;
  int max = 1;  // the highest bar's count
  int bar = 4;  // one hour's width
  int left = 40, top = 10, height = 200;
  int width = 0;
};

// Updates per hour since `first_hour`, per series.
std::vector<std::array<int, 4>> HourlyCounts(const ShiftData& shift, absl::Time first_hour,
                                             int hours) {
  std::vector<std::array<int, 4>> counts(hours, {0, 0, 0, 0});
  for (const SituationUpdate& u : shift.updates) {
    const int64_t h = absl::ToInt64Hours(ToTime(u.received_at()) - first_hour);
    if (h < 0 || h >= hours) continue;
    int m = 3;
    for (int k = 0; k < 3; ++k) {
      if (u.mission() == kChartMissions[k]) m = k;
    }
    ++counts[h][m];
  }
  return counts;
}

// One hour's stacked bar and, every few hours, its label.
std::string ChartHour(const ChartLayout& c, int h, const std::array<int, 4>& counts) {
  std::string svg;
  int y = c.top + c.height;
  for (int m = 0; m < 4; ++m) {
    if (counts[m] == 0) continue;
    const int bar_height = counts[m] * c.height / c.max;
    y -= bar_height;
    absl::StrAppend(&svg, "<rect x=\"", c.left + h * c.bar + 1, "\" y=\"", y,
                    "\" width=\"", c.bar - 2, "\" height=\"", bar_height,
                    "\" fill=\"", kChartColors[m], "\"><title>", ChartSeriesName(m), " ",
                    absl::FormatTime("%H:00Z", c.first_hour + absl::Hours(h),
                                     absl::UTCTimeZone()),
                    ": ", counts[m], "</title></rect>");
  }
  if (h % std::max(1, 40 / c.bar) == 0) {
    absl::StrAppend(&svg, "<text x=\"", c.left + h * c.bar, "\" y=\"",
                    c.top + c.height + 14, "\" font-size=\"10\">",
                    absl::FormatTime("%H", c.first_hour + absl::Hours(h),
                                     absl::UTCTimeZone()),
                    "</text>");
  }
  return svg;
}

// Updates per hour by mission as stacked bars: one inline <svg>, no script.
std::string HourlyChart(const ShiftData& shift) {
  ChartLayout c;
  c.first_hour = absl::FromUnixSeconds(absl::ToUnixSeconds(shift.from) / 3600 * 3600);
  c.hours = std::max<int>(
      1, static_cast<int>(absl::ToInt64Hours(shift.to - c.first_hour)) + 1);
  const std::vector<std::array<int, 4>> counts = HourlyCounts(shift, c.first_hour, c.hours);
  for (const auto& n : counts) c.max = std::max(c.max, n[0] + n[1] + n[2] + n[3]);
  c.bar = std::max(4, std::min(40, 720 / c.hours));
  // Wide enough for the bars and for the legend under them.
  c.width = std::max(c.left + c.hours * c.bar + 10, c.left + 4 * 110);
  const int top = c.top, height = c.height, left = c.left, width = c.width;
  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"", width,
      "\" height=\"", top + height + 40, "\" viewBox=\"0 0 ", width, " ",
      top + height + 40,
      "\"><title>Updates per hour by mission</title>"
      "<line x1=\"", left, "\" y1=\"", top + height, "\" x2=\"", width - 10,
      "\" y2=\"", top + height, "\" stroke=\"#333\"/>"
      "<text x=\"", left - 4, "\" y=\"", top + 10,
      "\" font-size=\"10\" text-anchor=\"end\">", c.max, "</text>"
      "<text x=\"", left - 4, "\" y=\"", top + height,
      "\" font-size=\"10\" text-anchor=\"end\">0</text>");
  for (int h = 0; h < c.hours; ++h) svg += ChartHour(c, h, counts[h]);
  int x = left;  // the legend
  for (int m = 0; m < 4; ++m) {
    absl::StrAppend(&svg, "<rect x=\"", x, "\" y=\"", top + height + 24,
                    "\" width=\"10\" height=\"10\" fill=\"", kChartColors[m],
                    "\"/><text x=\"", x + 14, "\" y=\"", top + height + 33,
                    "\" font-size=\"11\">", ChartSeriesName(m), "</text>");
    x += 110;
  }
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

std::string RenderHtml(const ShiftData& shift, const std::vector<Table>& tables) {
  const std::string title = HtmlEscape(Title(shift));
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>", title, "</title><style>"
      "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1a202c}"
      "table{border-collapse:collapse;margin:.5em 0 1.5em}"
      "th,td{border:1px solid #cbd5e0;padding:.25em .6em;text-align:left;"
      "vertical-align:top}th{background:#edf2f7}"
      "h2{margin-top:1.5em;border-bottom:1px solid #cbd5e0}"
      "</style></head><body>\n<h1>", title, "</h1>\n<p>Log ",
      HtmlEscape(shift.end.log_id()), ", updates ", shift.start.sequence() + 1,
      " to ", shift.end.sequence(), ". Times in UTC.</p>\n");
  for (const Table& t : tables) {
    absl::StrAppend(&out, "<h2>", HtmlEscape(t.title), "</h2>\n");
    if (!t.note.empty()) absl::StrAppend(&out, "<p>", HtmlEscape(t.note), "</p>\n");
    if (t.title == "Summary") {
      absl::StrAppend(&out, "<h3>Updates per hour by mission</h3>\n",
                      HourlyChart(shift), "\n");
    }
    if (t.rows.empty()) {
      absl::StrAppend(&out, "<p>None.</p>\n");
      continue;
    }
    absl::StrAppend(&out, "<table><thead><tr>");
    for (const std::string& h : t.header) {
      absl::StrAppend(&out, "<th>", HtmlEscape(h), "</th>");
    }
    absl::StrAppend(&out, "</tr></thead><tbody>\n");
    for (const auto& row : t.rows) {
      absl::StrAppend(&out, "<tr>");
      for (const std::string& c : row) {
        absl::StrAppend(&out, "<td>", HtmlEscape(c), "</td>");
      }
      absl::StrAppend(&out, "</tr>\n");
    }
    absl::StrAppend(&out, "</tbody></table>\n");
  }
  absl::StrAppend(&out, "</body></html>\n");
  return out;
}

}  // namespace

std::string RenderHandoverReport(const ShiftData& shift, ReportFormat format) {
  const std::vector<Table> tables = ReportBuilder(shift).Build();
  return format == ReportFormat::kHtml ? RenderHtml(shift, tables)
                                       : RenderMarkdown(shift, tables);
}

}  // namespace sitrep::cli
