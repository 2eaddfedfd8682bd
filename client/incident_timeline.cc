#include "client/incident_timeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/chain_text.h"
#include "client/filter_flags.h"
#include "client/municipalities.h"

namespace sitrep::cli {

namespace v1 = sitrep::v1;

namespace {

int Rank(v1::Role tier) {
  switch (tier) {
    case v1::ROLE_FIRST_RESPONDER: return 1;
    case v1::ROLE_SECOND_RESPONDER: return 2;
    case v1::ROLE_THIRD_RESPONDER: return 3;
    default: return 0;
  }
}

v1::Mission LeadMission(const v1::IncidentLead& lead) {
  return lead.mission() != v1::MISSION_UNSPECIFIED ? lead.mission() : MissionOfTier(lead.tier());
}

v1::Mission From(const v1::SupportRequest& r) {
  return r.from_mission() != v1::MISSION_UNSPECIFIED ? r.from_mission()
                                                      : MissionOfTier(r.from_tier());
}

v1::Mission To(const v1::SupportRequest& r) {
  return r.to_mission() != v1::MISSION_UNSPECIFIED ? r.to_mission() : MissionOfTier(r.to_tier());
}

bool Closes(v1::Kind kind) {
  return kind == v1::KIND_RESOLVE || kind == v1::KIND_CANCEL || kind == v1::KIND_EXPIRED;
}

std::string PlaceText(const v1::Location& location) {
  std::string out = MunicipalityDisplayName(location.municipality());
  if (!location.place().empty()) absl::StrAppend(&out, ", ", location.place());
  if (location.has_point()) {
    absl::StrAppend(&out, absl::StrFormat(" (%.4f, %.4f)", location.point().latitude(),
                                          location.point().longitude()));
  }
  return out;
}

std::string ExceptionText(const v1::ChainExceptionRecord& e) {
  if (e.before_rules()) {
    return absl::StrCat("BEFORE RULES", e.rule().empty() ? "" : absl::StrCat(" (", e.rule(), ")"),
                        ": stored before the chain's rules were enforced");
  }
  if (e.rule().empty()) return absl::StrCat("chain exception (in turn after all): ", e.reason());
  return absl::StrCat("CHAIN EXCEPTION (", e.rule(), "): ", e.reason());
}

// What a step says when its state is not known (retention removed the
// thread's start): the kind alone.
std::vector<std::string> KindOnlyChanges(const v1::SituationUpdate& u) {
  const std::string who = MissionAbbrev(u.mission());
  switch (u.kind()) {
    case v1::KIND_NEW: return {absl::StrCat("opened; ", MissionFullName(u.mission()), " leads")};
    case v1::KIND_REQUEST_SUPPORT: return {absl::StrCat(who, " asks for support")};
    case v1::KIND_ACKNOWLEDGE: return {absl::StrCat(who, " acknowledged")};
    case v1::KIND_ESCALATE: return {absl::StrCat(who, " takes the lead")};
    case v1::KIND_DEESCALATE: return {absl::StrCat(who, " hands the lead back")};
    default: return {};
  }
}

// Requests this update opened or acknowledged.
void AppendRequestSteps(const v1::Incident& after, const v1::SituationUpdate& u,
                        std::vector<std::string>* out) {
  for (const v1::SupportRequest& r : after.support_requests()) {
    if (r.requested_sequence() == u.sequence()) {
      out->push_back(absl::StrCat(MissionAbbrev(From(r)), " asks ", MissionAbbrev(To(r))));
    }
    if (r.acknowledged_sequence() == u.sequence() && r.has_acknowledged_at()) {
      out->push_back(absl::StrCat(MissionAbbrev(To(r)), " acknowledged after ",
                                  FormatWait(ToTime(r.acknowledged_at()) -
                                             ToTime(r.requested_at()))));
    }
  }
}

// Requests this update closed, when it is not the end of the incident
// (which closes them all anyway): a hand-back, or a supporting tier that
// withdraws.
void AppendClosedRequests(const v1::Incident& after, const v1::SituationUpdate& u,
                          bool lead_moved, std::vector<std::string>* out) {
  if (Closes(u.kind())) return;
  for (const v1::SupportRequest& r : after.support_requests()) {
    if (r.closed_sequence() != u.sequence()) continue;
    if (!lead_moved && To(r) == u.mission()) {
      out->push_back(absl::StrCat(MissionAbbrev(To(r)), " withdraws its support"));
    } else {
      out->push_back(absl::StrCat("request ", MissionAbbrev(From(r)), " → ",
                                  MissionAbbrev(To(r)), " closed"));
    }
  }
}

// "resolved by ...", "cancelled by ...", "expired"; "" for any other kind.
std::string EndText(const v1::SituationUpdate& u) {
  switch (u.kind()) {
    case v1::KIND_RESOLVE: return absl::StrCat("resolved by ", MissionFullName(u.mission()));
    case v1::KIND_CANCEL: return absl::StrCat("cancelled by ", MissionFullName(u.mission()));
    case v1::KIND_EXPIRED: return "expired";
    default: return "";
  }
}

}  // namespace

std::vector<std::string> ChainChanges(const v1::Incident& before, const v1::IncidentStep& step) {
  const v1::SituationUpdate& u = step.update();
  if (!step.has_state()) {
    std::vector<std::string> out = KindOnlyChanges(u);
    if (u.has_chain_exception()) {
      out.push_back(absl::StrCat("CHAIN EXCEPTION: ", u.chain_exception().reason()));
    }
    return out;
  }
  const v1::Incident& after = step.state();
  std::vector<std::string> out;
  if (u.kind() == v1::KIND_NEW) {
    out.push_back(absl::StrCat("opened; ", MissionFullName(LeadMission(after.lead())), " leads"));
  }
  AppendRequestSteps(after, u, &out);
  const bool lead_moved = u.kind() != v1::KIND_NEW && after.lead().tier() != before.lead().tier();
  if (lead_moved) {
    const v1::Mission now = LeadMission(after.lead());
    out.push_back(Rank(after.lead().tier()) > Rank(before.lead().tier())
                      ? absl::StrCat(MissionAbbrev(now), " takes the lead")
                      : absl::StrCat("handed back to ", MissionFullName(now)));
  }
  AppendClosedRequests(after, u, lead_moved, &out);
  if (std::string end = EndText(u); !end.empty()) out.push_back(std::move(end));
  if (u.kind() != v1::KIND_NEW && !u.location_carried() &&
      after.location().municipality() != before.location().municipality()) {
    out.push_back(absl::StrCat("moved to ", MunicipalityDisplayName(after.location().municipality())));
  }
  for (const v1::ChainExceptionRecord& e : after.exceptions()) {
    if (e.sequence() == u.sequence()) out.push_back(ExceptionText(e));
  }
  return out;
}

namespace {

const char* Bold(const RenderOptions& options) { return options.color ? "\033[1m" : ""; }
const char* Red(const RenderOptions& options) { return options.color ? "\033[1;31m" : ""; }
const char* Reset(const RenderOptions& options) { return options.color ? "\033[0m" : ""; }

// A time in the chosen zone, "-" when unset.
std::string When(const google::protobuf::Timestamp& ts, const RenderOptions& options) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return std::string("-");
  return FormatTimePoint(ToTime(ts), options.time);
}

// "Incident ID (open, 3 updates; ...)" and the table's header.
std::string TimelineHeader(const v1::IncidentThread& thread, const RenderOptions& options) {
  const v1::Incident& incident = thread.incident();
  std::string out;
  const v1::Kind last_kind = incident.latest().kind();
  const std::string state =
      incident.closed()
          ? absl::StrCat("closed: ", last_kind == v1::KIND_EXPIRED ? "expired"
                                     : last_kind == v1::KIND_CANCEL ? "cancelled"
                                                                    : "resolved")
          : "open";
  absl::StrAppend(&out, Bold(options), "Incident ", incident.incident_id(), Reset(options), " (",
                  state, ", ", incident.version(),
                  incident.version() == 1 ? " update" : " updates", "; ",
                  ShortName(incident.category()), ", peak ", ShortName(incident.peak_severity()),
                  ")\n");
  if (thread.history_truncated()) {
    out += "(retention removed the thread's first updates: the timeline starts later)\n";
  }
  out += "\n";
  absl::StrAppend(&out, Bold(options),
                  TableCell(absl::StrCat("TIME (", ZoneName(options.time), ")"),
                            TimePointWidth(options.time)),
                  absl::StrFormat("  %5s  %-15s  %-15s  %-40s  %s", "SEQ", "WHO", "KIND",
                                  "HEADLINE", "CHAIN"),
                  Reset(options), "\n");
  return out;
}

// One table row per step, with what the step changed in the chain.
std::string TimelineRows(const v1::IncidentThread& thread, const RenderOptions& options) {
  const size_t time_width = TimePointWidth(options.time);
  std::string out;
  v1::Incident before;
  for (const v1::IncidentStep& step : thread.steps()) {
    const v1::SituationUpdate& u = step.update();
    std::vector<std::string> changes = ChainChanges(before, step);
    std::string chain = absl::StrJoin(changes, "; ");
    bool exception = false;
    for (const std::string& c : changes) {
      exception = exception || c.rfind("CHAIN EXCEPTION", 0) == 0 ||
                  c.rfind("BEFORE RULES", 0) == 0;
    }
    if (exception && options.color) chain = absl::StrCat(Red(options), chain, Reset(options));
    const google::protobuf::Timestamp& ts = u.has_occurred_at() ? u.occurred_at() : u.received_at();
    std::string line = absl::StrFormat("%s  %5d  %-15s  %-15s  ",
                                       TableCell(When(ts, options), time_width), u.sequence(),
                                       ActorText(u.mission(), u.role()), ShortName(u.kind()));
    absl::StrAppend(&line, TableCell(u.headline(), 40));
    if (!chain.empty()) absl::StrAppend(&line, "  ", chain);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
    if (step.has_state()) before = step.state();
  }
  return out;
}

// "KP → EULEX: OPEN, waiting 5m (asked ...)" and the like.
std::string RequestText(const v1::SupportRequest& r, const RenderOptions& options) {
  std::string text = absl::StrCat(MissionAbbrev(From(r)), " → ", MissionAbbrev(To(r)), ": ");
  const absl::Time asked = ToTime(r.requested_at());
  switch (r.state()) {
    case v1::SupportRequest::STATE_OPEN:
      absl::StrAppend(&text, "OPEN, waiting ", FormatWait(options.now - asked), " (asked ",
                      When(r.requested_at(), options), ")");
      break;
    case v1::SupportRequest::STATE_ACKNOWLEDGED:
      absl::StrAppend(&text, "acknowledged after ",
                      FormatWait(ToTime(r.acknowledged_at()) - asked));
      break;
    default:
      if (r.has_acknowledged_at()) {
        absl::StrAppend(&text, "acknowledged after ",
                        FormatWait(ToTime(r.acknowledged_at()) - asked), ", ");
      } else {
        absl::StrAppend(&text, "never acknowledged, ");
      }
      absl::StrAppend(&text, "closed by ", ShortName(r.closed_by_kind()), " after ",
                      FormatWait(ToTime(r.closed_at()) - asked));
      break;
  }
  return text;
}

// The lead, the requests and the exceptions under the table.
std::string TimelineChain(const v1::Incident& incident, const RenderOptions& options) {
  std::string out;
  if (incident.has_lead()) {
    absl::StrAppend(&out, "Lead:        ", LeadText(incident.lead()));
    if (incident.lead().has_since()) {
      absl::StrAppend(&out, " since ", When(incident.lead().since(), options), " (",
                      FormatWait(options.now - ToTime(incident.lead().since())), " ago)");
    }
    out += "\n";
  }
  if (incident.support_requests().empty()) out += "Requests:    none\n";
  bool first = true;
  for (const v1::SupportRequest& r : incident.support_requests()) {
    absl::StrAppend(&out, first ? "Requests:    " : "             ", RequestText(r, options),
                    "\n");
    first = false;
  }
  if (incident.exceptions().empty()) out += "Exceptions:  none\n";
  first = true;
  for (const v1::ChainExceptionRecord& e : incident.exceptions()) {
    absl::StrAppend(&out, first ? "Exceptions:  " : "             ", Red(options), "#",
                    e.sequence(), " ", ActorText(e.mission(), e.role()), " ",
                    ShortName(e.kind()), ": ", ExceptionText(e), Reset(options), "\n");
    first = false;
  }
  return out;
}

}  // namespace

std::string IncidentTimeline(const v1::IncidentThread& thread, const RenderOptions& options) {
  const v1::Incident& incident = thread.incident();
  std::string out = TimelineHeader(thread, options);
  out += TimelineRows(thread, options);
  out += "\n";  // the summary
  out += TimelineChain(incident, options);
  absl::StrAppend(&out, "Location:    ", PlaceText(incident.location()), "\n");
  absl::StrAppend(&out, "Opened:      ", When(incident.opened_at(), options), " by ",
                  MissionFullName(incident.opened_by()),
                  incident.opened_by_publisher().empty()
                      ? ""
                      : absl::StrCat(" (", incident.opened_by_publisher(), ")"),
                  "\n");
  absl::StrAppend(&out, "As of #", thread.sequence(), "\n");
  return out;
}

}  // namespace sitrep::cli
