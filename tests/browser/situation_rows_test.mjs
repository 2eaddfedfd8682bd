// Unit test of how the dashboard reads the situation's rows
// (client/dashboard/situation-rows.js; GET /v1/situation?view=rows,
// docs/http.md), with node's test runner: no browser. big_situation_e2e.mjs
// checks the rows of a real sitrepd against its compact view.
import assert from 'node:assert/strict';
import test from 'node:test';

const { situationFromRows } = await import('../../client/dashboard/situation-rows.js');

const enums = {
  mission: { 0: 'MISSION_UNSPECIFIED', 1: 'MISSION_KOSOVO_POLICE', 2: 'MISSION_EULEX', 3: 'MISSION_KFOR' },
  role: { 0: 'ROLE_UNSPECIFIED', 1: 'ROLE_FIRST_RESPONDER', 2: 'ROLE_SECOND_RESPONDER' },
  severity: { 0: 'SEVERITY_UNSPECIFIED', 3: 'SEVERITY_MODERATE', 4: 'SEVERITY_SEVERE' },
  category: { 0: 'CATEGORY_UNSPECIFIED', 2: 'CATEGORY_PUBLIC_ORDER', 5: 'CATEGORY_CRIME' },
  kind: { 0: 'KIND_UNSPECIFIED', 2: 'KIND_UPDATE' },
  status: { 0: 'STATUS_UNSPECIFIED', 2: 'STATUS_EXERCISE' },
};
const answer = (incidents) => ({
  incidents, rowsVersion: 1, fields: [], enums, sequence: '12', logId: 'log-1', asOf: '2026-12-07T00:00:00Z',
});

test('a full row reads as the compact incident', () => {
  const request = { state: 'STATE_OPEN', requestedBy: 'kp-desk' };
  const situation = situationFromRows(answer([[
    'inc-1', 3, '12', 2, 4, 2, 2, 2, 1800000200123, 'FPU on site', 1800000000000, 1, 4,
    2, 2, 1800000100000, 'zvecan', 'Rudare bridge', 42.9, 20.8, 5, 0, [request], [{ reason: 'lives' }],
  ]]));
  assert.equal(situation.sequence, '12');
  assert.equal(situation.logId, 'log-1');
  assert.equal(situation.asOf, '2026-12-07T00:00:00Z');
  assert.deepEqual(JSON.parse(JSON.stringify(situation.incidents[0])), {
    incidentId: 'inc-1',
    version: '3',
    latest: {
      sequence: '12', mission: 'MISSION_EULEX', severity: 'SEVERITY_SEVERE', category: 'CATEGORY_PUBLIC_ORDER',
      kind: 'KIND_UPDATE', status: 'STATUS_EXERCISE', occurredAt: '2027-01-15T08:03:20.123Z', headline: 'FPU on site',
    },
    openedAt: '2027-01-15T08:00:00.000Z',
    openedBy: 'MISSION_KOSOVO_POLICE',
    peakSeverity: 'SEVERITY_SEVERE',
    lead: { mission: 'MISSION_EULEX', tier: 'ROLE_SECOND_RESPONDER', since: '2027-01-15T08:01:40.000Z' },
    location: { municipality: 'zvecan', place: 'Rudare bridge', point: { latitude: 42.9, longitude: 20.8 } },
    category: 'CATEGORY_CRIME',
    supportRequests: [request],
    exceptions: [{ reason: 'lives' }],
  });
});

test('a short row leaves out what it does not carry, as protobuf JSON does', () => {
  const [incident] = situationFromRows(answer([['inc-2', 1, '7', 1, 0, 0, 0, 0, null, 'Roadblock', null, 1, 0,
    0, 0, null, '', '', null, null, 0, 2]])).incidents;
  assert.deepEqual(JSON.parse(JSON.stringify(incident)), {
    incidentId: 'inc-2', version: '1',
    latest: { sequence: '7', mission: 'MISSION_KOSOVO_POLICE', headline: 'Roadblock' },
    openedBy: 'MISSION_KOSOVO_POLICE',
    currentTier: 'ROLE_SECOND_RESPONDER',
  });
  // Trailing places cut off; an enum number without a name stays a number.
  const [short] = situationFromRows(answer([['inc-3', 1, '8', 9]])).incidents;
  assert.equal(short.latest.mission, 9);
  assert.equal(short.lead, undefined);
  assert.equal(short.location, undefined);
});

test('an empty situation keeps its point', () => {
  const situation = situationFromRows({ sequence: '5', logId: 'log-b', asOf: '2026-12-07T00:00:00Z', enums });
  assert.deepEqual(situation.incidents, []);
  assert.equal(situation.sequence, '5');
});
