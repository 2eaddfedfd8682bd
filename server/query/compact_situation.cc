#include "server/query/compact_situation.h"

#include <deque>
#include <string>
#include <vector>

#include "server/query/compact_incident_json.h"
#include "server/query/compact_incident_row.h"
#include "server/runtime/proto_time.h"
#include "server/situation/json_line.h"

namespace sitrep {
namespace {

// The latest update's fields the list and the map show.
void CompactLatest(const v1::SituationUpdate& latest, bool with_location,
                   v1::SituationUpdate* out) {
  out->set_sequence(latest.sequence());
  out->set_mission(latest.mission());
  out->set_severity(latest.severity());
  out->set_category(latest.category());
  out->set_kind(latest.kind());
  out->set_status(latest.status());
  if (latest.has_occurred_at()) *out->mutable_occurred_at() = latest.occurred_at();
  out->set_headline(latest.headline());
  if (with_location && latest.has_location()) {
    *out->mutable_location() = latest.location();
  }
}

// `state` (an Incident whose own latest is ignored) with `latest` as its
// latest update, compacted.
v1::Incident CompactOf(const v1::Incident& state,
                       const v1::SituationUpdate& latest) {
  v1::Incident compact;
  compact.set_incident_id(state.incident_id());
  compact.set_version(state.version());
  if (state.has_lead()) {
    // since_sequence: only the story's timeline needs it.
    v1::IncidentLead* lead = compact.mutable_lead();
    lead->set_mission(state.lead().mission());
    lead->set_tier(state.lead().tier());
    if (state.lead().has_since()) *lead->mutable_since() = state.lead().since();
  } else {
    // What older servers sent instead of a lead (deprecated).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    compact.set_current_tier(state.current_tier());
#pragma GCC diagnostic pop
  }
  if (state.has_opened_at()) *compact.mutable_opened_at() = state.opened_at();
  compact.set_opened_by(state.opened_by());
  compact.set_peak_severity(state.peak_severity());
  if (state.category() != latest.category()) {
    compact.set_category(state.category());
  }
  if (state.has_location()) *compact.mutable_location() = state.location();
  *compact.mutable_exceptions() = state.exceptions();
  for (const v1::SupportRequest& request : state.support_requests()) {
    // Closed requests are history: the story has them.
    if (request.state() != v1::SupportRequest::STATE_CLOSED) {
      *compact.add_support_requests() = request;
    }
  }
  CompactLatest(latest, !state.has_location(), compact.mutable_latest());
  return compact;
}

// How an answer writes one compact incident: the compact JSON object or
// the row (compact_incident_row.h), and the record's cached piece of it.
struct PieceForm {
  void (*append)(const v1::Incident& compact, std::string* out);
  const std::string& (EncodedState::*cached)(
      absl::FunctionRef<std::string()> make) const;
};

constexpr PieceForm kJsonForm{&AppendCompactIncidentJson, &EncodedState::Compact};
constexpr PieceForm kRowForm{&AppendCompactIncidentRow, &EncodedState::CompactRow};

// `shown`'s compact incident in `form`, printed once per record, for a
// reader of every mission who sees the thread's latest update (the usual
// case); null for any other reader, whose incident is printed per call.
const std::string* CachedPiece(const SituationIndex::Shown& shown,
                               MissionSet readable_missions,
                               const PieceForm& form) {
  if (!readable_missions.IsAll() || shown.latest_replaced() ||
      shown.encoded_state == nullptr) {
    return nullptr;
  }
  const IncidentRecord& record = *shown.record;
  return &((*shown.encoded_state).*form.cached)([&record, &form] {
    // The record's state has no id, version or latest of its own
    // (IncidentRecord::state): they come from the record.
    v1::Incident compact = CompactOf(record.state, record.latest->update);
    compact.set_incident_id(record.incident_id);
    compact.set_version(record.version);
    std::string piece;
    form.append(compact, &piece);
    return piece;
  });
}

// `{"incidents":[piece,...],<legend,>sequence, log id, as_of}`.
std::string JoinCompactSituation(const SituationIndex::Snapshot& snapshot,
                                 MissionSet readable_missions,
                                 const std::string& log_id, absl::Time as_of,
                                 const PieceForm& form,
                                 const std::string& legend) {
  v1::Situation rest;
  rest.set_sequence(snapshot.sequence);
  rest.set_log_id(log_id);
  *rest.mutable_as_of() = ToProtoTime(as_of);
  const std::string rest_json = ToJsonLine(rest);  // "{...}", never empty
  std::vector<const std::string*> pieces;
  pieces.reserve(snapshot.incidents.size());
  // Incidents printed for this call, kept until joined (a deque: its
  // elements stay where they are).
  std::deque<std::string> printed;
  size_t size = rest_json.size() + legend.size() + 16;
  for (const SituationIndex::Shown& shown : snapshot.incidents) {
    const std::string* piece = CachedPiece(shown, readable_missions, form);
    if (piece == nullptr) {
      piece = &printed.emplace_back();
      form.append(CompactIncident(ToIncidentProtoFor(shown, readable_missions)),
                  &printed.back());
    }
    pieces.push_back(piece);
    size += piece->size() + 1;
  }
  std::string out;
  out.reserve(size);
  out.push_back('{');
  if (!pieces.empty()) {
    out.append("\"incidents\":[");
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i != 0) out.push_back(',');
      out.append(*pieces[i]);
    }
    out.push_back(']');
  }
  if (!legend.empty()) {
    if (out.size() > 1) out.push_back(',');
    out.append(legend);
  }
  if (rest_json.size() > 2 && out.size() > 1) out.push_back(',');
  out.append(rest_json, 1, std::string::npos);
  return out;
}

}  // namespace

v1::Incident CompactIncident(const v1::Incident& incident) {
  return CompactOf(incident, incident.latest());
}

std::string CompactSituationJson(const SituationIndex::Snapshot& snapshot,
                                 MissionSet readable_missions,
                                 const std::string& log_id, absl::Time as_of) {
  return JoinCompactSituation(snapshot, readable_missions, log_id, as_of,
                              kJsonForm, "");
}

std::string CompactSituationRowsJson(const SituationIndex::Snapshot& snapshot,
                                     MissionSet readable_missions,
                                     const std::string& log_id,
                                     absl::Time as_of) {
  static const std::string* const legend = [] {
    auto* text = new std::string;
    AppendCompactRowsLegend(text);
    return text;
  }();
  return JoinCompactSituation(snapshot, readable_missions, log_id, as_of,
                              kRowForm, *legend);
}

}  // namespace sitrep
