// The live situation kept current from the stream (app.js): the incidents
// the stream's updates named are asked for again (api.js: getSituationOf)
// and merged into the situation shown, instead of reading the whole
// situation again.
import { compareSequences } from './format.js';

// `current` with the incidents `asked` as `answer` (getSituationOf) has
// them: replaced, added, or gone (closed, or out of the view). Consistent at
// `cursor`: every update up to it was seen and its incident asked for.
export function mergeSituation(current, answer, asked, cursor) {
  const fresh = new Map((answer.incidents ?? []).map((incident) => [incident.incidentId, incident]));
  const askedIds = new Set(asked);
  const incidents = [];
  for (const incident of current.incidents ?? []) {
    if (!askedIds.has(incident.incidentId)) {
      incidents.push(incident);
    } else if (fresh.has(incident.incidentId)) {
      incidents.push(fresh.get(incident.incidentId));
      fresh.delete(incident.incidentId);
    }
  }
  incidents.push(...fresh.values());
  const sequence = compareSequences(cursor || '0', current.sequence ?? '0') > 0 ? cursor : current.sequence;
  return { ...current, incidents, sequence, asOf: answer.asOf ?? current.asOf };
}
