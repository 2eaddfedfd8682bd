// Unit test of how the dashboard keeps its situation current from the
// stream (client/dashboard/situation-merge.js), with node's test runner: no
// browser. The incidents the stream's updates named are asked for again
// (GET /v1/situation?filter.incident_ids=...) and merged into the situation
// shown; big_situation_e2e.mjs checks it against a real sitrepd.
import assert from 'node:assert/strict';
import test from 'node:test';

const { mergeSituation } = await import('../../client/dashboard/situation-merge.js');

const incident = (id, sequence, headline = `incident ${id}`) => ({
  incidentId: id, version: '1', latest: { sequence, headline },
});

const current = {
  sequence: '10', logId: 'log-a', asOf: '2026-12-06T17:00:00Z',
  incidents: [incident('a', '3'), incident('b', '5'), incident('c', '10')],
};

test('the incidents asked for are replaced, added or dropped; the others stay', () => {
  const answer = {
    sequence: '14', asOf: '2026-12-06T17:00:05Z',
    // b moved on, d is new; c is missing: closed or out of the view.
    incidents: [incident('b', '12', 'b moved on'), incident('d', '13')],
  };
  const merged = mergeSituation(current, answer, ['b', 'c', 'd'], '13');
  assert.deepEqual(merged.incidents.map((each) => [each.incidentId, each.latest.sequence]),
    [['a', '3'], ['b', '12'], ['d', '13']]);
  assert.equal(merged.incidents[1].latest.headline, 'b moved on');
  // Consistent at the cursor: every update up to it was seen.
  assert.equal(merged.sequence, '13');
  assert.equal(merged.logId, 'log-a');
  assert.equal(merged.asOf, '2026-12-06T17:00:05Z');
  // The situation shown is not changed in place (it may be a past one's).
  assert.equal(current.incidents.length, 3);
  assert.equal(current.sequence, '10');
});

test('an incident in the answer that was not asked for is not dropped twice', () => {
  const merged = mergeSituation(current, { sequence: '11', incidents: [incident('a', '11')] }, ['a'], '11');
  assert.deepEqual(merged.incidents.map((each) => each.incidentId), ['a', 'b', 'c']);
  assert.equal(merged.incidents[0].latest.sequence, '11');
});

test('the sequence never goes back', () => {
  const merged = mergeSituation(current, { sequence: '10', incidents: [] }, ['zzz'], '4');
  assert.equal(merged.sequence, '10');
  assert.equal(merged.incidents.length, 3);
});
