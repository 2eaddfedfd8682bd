#ifndef SITREP_SERVER_QUERY_COMPACT_SITUATION_H_
#define SITREP_SERVER_QUERY_COMPACT_SITUATION_H_

// GET /v1/situation?view=compact (issue 24, docs/http.md): the situation
// with only what the dashboard's list and map show. With 10,000 open
// incidents the full JSON is 14 MB, most of it what only an incident's
// story shows (descriptions, labels, participants, closed support
// requests, the latest update's envelope); the dashboard asks
// GET /v1/incidents/{id} for the rest when one is opened.
//
// Built straight from the index: an incident's compact JSON is printed once
// per record (EncodedState::Compact, shared like the record, as the full
// view's state JSON is) and an answer is these pieces joined. Before, the
// server assembled the full 14 MB and cut the compact view out of its text
// on every request. Only a reader who may not read every mission, or who
// is shown an older update than the thread's latest, has its incidents
// compacted on each call (from ToIncidentProtoFor, as the full view does).

#include <string>

#include "absl/time/time.h"
#include "server/incident/mission_set.h"
#include "server/situation/situation_index.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// What GET /v1/situation answers (its `view` parameter): the whole
// Situation, the compact one, or the compact one as rows.
enum class SituationJsonView { kFull, kCompact, kRows };

// The compact form of `incident` (a full Incident, `latest` included, as
// ToIncidentProtoFor makes it). It keeps:
//   incident_id, version, opened_at, opened_by, peak_severity, location,
//   exceptions, the support requests in force (not STATE_CLOSED);
//   lead without since_sequence; current_tier only without a lead;
//   category only when it is not the latest update's (the dashboard reads
//   `incident.category ?? latest.category`);
//   latest: sequence, mission, severity, category, kind, status,
//   occurred_at, headline, and location only when the incident has none.
// Names and values are the full view's: a client reads both alike.
v1::Incident CompactIncident(const v1::Incident& incident);

// The compact Situation of `snapshot` as a reader of `readable_missions`
// sees it, in protobuf's JSON mapping on one line: each incident's
// CompactIncident, and the situation's sequence, log id and as_of.
std::string CompactSituationJson(const SituationIndex::Snapshot& snapshot,
                                 MissionSet readable_missions,
                                 const std::string& log_id, absl::Time as_of);

// The same answer with each incident as a row (GET /v1/situation?view=rows,
// compact_incident_row.h): `{"incidents":[[...],...],"rowsVersion":1,
// "fields":[...],"enums":{...},"sequence":...,"logId":...,"asOf":...}`.
// Each row is printed once per record, as the compact JSON is.
std::string CompactSituationRowsJson(const SituationIndex::Snapshot& snapshot,
                                     MissionSet readable_missions,
                                     const std::string& log_id,
                                     absl::Time as_of);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_COMPACT_SITUATION_H_
