// The situation as rows (GET /v1/situation?view=rows, docs/http.md): the
// compact situation with each incident an array of values in fixed places,
// enums by number and times in milliseconds, which the answer's `enums`
// names once. 10,000 open incidents are ~2.1 MB this way instead of 6.3 MB
// of compact JSON (issue 24: the first paint of a big situation). This turns
// an answer back into the compact view's incidents (protobuf JSON names and
// values, defaults left out, times as RFC 3339 to the millisecond), so the
// rest of the dashboard reads one form. The places are
// server/query/compact_incident_row.h's; a later rowsVersion only appends.

// `answer` (view=rows) as the compact view's Situation.
export function situationFromRows(answer) {
  const names = enumNames(answer.enums ?? {});
  const incidents = (answer.incidents ?? []).map((row) => incidentFromRow(row, names));
  return { incidents, sequence: answer.sequence, logId: answer.logId, asOf: answer.asOf };
}

// {mission: [name by number], ...} from the answer's {"1": "MISSION_...", ...}.
function enumNames(enums) {
  const names = {};
  for (const [type, byNumber] of Object.entries(enums)) {
    names[type] = [];
    for (const [number, name] of Object.entries(byNumber)) names[type][Number(number)] = name;
  }
  return names;
}

// An enum's name, or undefined for 0 (unset, left out as protobuf's JSON
// does); a number this dashboard has no name for stays a number.
function named(list, number) {
  if (!number) return undefined;
  return list?.[number] ?? number;
}

// An incident's times are often one (opened, its latest update and its
// lead's since, for a new one): the last one made is kept.
let lastMs = NaN;
let lastText = '';
function time(ms) {
  if (typeof ms !== 'number') return undefined;
  if (ms !== lastMs) {
    lastMs = ms;
    lastText = new Date(ms).toISOString();
  }
  return lastText;
}

function incidentFromRow(row, names) {
  const incident = {
    incidentId: row[0] || undefined,
    version: row[1] ? String(row[1]) : undefined,
    latest: {
      sequence: row[2] && row[2] !== '0' ? row[2] : undefined,
      mission: named(names.mission, row[3]),
      severity: named(names.severity, row[4]),
      category: named(names.category, row[5]),
      kind: named(names.kind, row[6]),
      status: named(names.status, row[7]),
      occurredAt: time(row[8]),
      headline: row[9] || undefined,
    },
    openedAt: time(row[10]),
    openedBy: named(names.mission, row[11]),
    peakSeverity: named(names.severity, row[12]),
  };
  if (row[14]) {
    incident.lead = {
      mission: named(names.mission, row[13]), tier: named(names.role, row[14]), since: time(row[15]),
    };
  }
  if (row[16] || row[17] || typeof row[18] === 'number') {
    incident.location = { municipality: row[16] || undefined, place: row[17] || undefined };
    if (typeof row[18] === 'number') incident.location.point = { latitude: row[18], longitude: row[19] };
  }
  if (row[20]) incident.category = named(names.category, row[20]);
  if (row[21]) incident.currentTier = named(names.role, row[21]);
  if (row[22]) incident.supportRequests = row[22];
  if (row[23]) incident.exceptions = row[23];
  return incident;
}
