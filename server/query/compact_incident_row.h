#ifndef SITREP_SERVER_QUERY_COMPACT_INCIDENT_ROW_H_
#define SITREP_SERVER_QUERY_COMPACT_INCIDENT_ROW_H_

// GET /v1/situation?view=rows (issue 24, docs/http.md): the compact
// incident (compact_situation.h: CompactIncident) as one JSON array of
// values in fixed places, with enums by number and times in milliseconds
// since the epoch; the answer names the places and the enums once
// (AppendCompactRowsLegend). The compact view's JSON is ~620 bytes an
// incident, two thirds of it keys, enum names and RFC 3339 times; a row is
// ~210. With 10,000 open incidents that is the dashboard's first paint:
// fewer bytes to compress, move, decode and parse.
//
// A row's places (kCompactRowFields names them in this order):
//   0 incidentId   1 version (a number)
//   2..9 the latest update's sequence (a string, exact), mission, severity,
//        category, kind, status (enum numbers, 0 when unset), occurredAt
//        (ms or null), headline
//   10 openedAt (ms or null)   11 openedBy   12 peakSeverity
//   13..15 lead: mission, tier (0 without a lead), since (ms or null)
//   16..19 where: municipality, place ("" when unset), latitude, longitude
//          (null without a point): the incident's location, else its latest
//          update's
//   20 category (only when not the latest update's, else 0)
//   21 currentTier (only without a lead, else 0)
//   22 supportRequests, 23 exceptions: protobuf JSON arrays, or null
// Trailing places that are 0, "" or null are left out. A later version only
// appends places: a reader takes the ones it knows.

#include <string>

#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The names of a row's places, in order.
extern const char* const kCompactRowFields[];
extern const int kCompactRowFieldCount;

// Appends `compact` (a CompactIncident) as one JSON array to `out`.
void AppendCompactIncidentRow(const v1::Incident& compact, std::string* out);

// Appends the members that describe the rows, without braces:
// `"rowsVersion":1,"fields":[...],"enums":{"mission":{"1":"MISSION_KFOR",...},...}`.
void AppendCompactRowsLegend(std::string* out);

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_COMPACT_INCIDENT_ROW_H_
