// Unit test of the dashboard's clock (client/dashboard/format.js): every
// time shown is UTC with a 'Z' by default, or local time once toggled, and
// the header names the zone. Runs with TZ=Europe/Belgrade (UTC+1 in winter,
// +2 in summer) so that local and UTC differ.
import assert from 'node:assert/strict';
import test from 'node:test';

const format = await import('../../client/dashboard/format.js');

test('times are UTC with a Z by default', () => {
  assert.equal(format.timeZoneMode(), 'utc');
  assert.equal(format.zoneLabel(), 'UTC (Z)');
  assert.match(format.shortTime('2024-12-01T12:00:05Z'), /^\D*01\D+12:00Z$/);
  const now = new Date();
  now.setUTCHours(3, 4, 5);
  assert.equal(format.shortTime(now.toISOString()), '03:04:05Z');
});

test('the toggle switches every time to local, and the header says the offset', () => {
  format.setTimeZoneMode('local');
  assert.equal(format.timeZoneMode(), 'local');
  assert.equal(format.zoneLabel(new Date('2026-12-06T08:00:00Z')), 'local (UTC+01:00)');
  assert.equal(format.zoneLabel(new Date('2026-07-06T08:00:00Z')), 'local (UTC+02:00)');
  assert.match(format.shortTime('2024-12-01T12:00:05Z'), /^\D*01\D+13:00$/);
  format.setTimeZoneMode('utc');
  assert.match(format.shortTime('2024-12-01T12:00:05Z'), /^\D*01\D+12:00Z$/);
});

test('a table cell gets the time of day, and the day only when not today', () => {
  const now = new Date();
  now.setUTCHours(3, 4, 5);
  assert.deepEqual(format.timeParts(now.toISOString()), { time: '03:04:05Z', day: '' });
  const older = format.timeParts('2024-12-01T12:00:05Z');
  assert.equal(older.time, '12:00:05Z');
  assert.match(older.day, /^\D*01\D*$|^Dec 01$/);
  format.setTimeZoneMode('local');
  assert.equal(format.timeParts('2024-12-01T12:00:05Z').time, '13:00:05');
  format.setTimeZoneMode('utc');
});
