// Unit test of the time control's moments (client/dashboard/time-travel.js,
// parseMoment): what a duty officer types, as the CLI's `--at` takes it, on
// the clock the header shows. Runs with TZ=Europe/Belgrade (UTC+1 in
// winter) so that local and UTC differ.
import assert from 'node:assert/strict';
import test from 'node:test';

const { parseMoment } = await import('../../client/dashboard/time-travel.js');

const NOW = Date.parse('2026-12-06T12:30:00Z');

test('a duration is that long ago', () => {
  assert.equal(parseMoment('-2h', 'utc', NOW), Date.parse('2026-12-06T10:30:00Z'));
  assert.equal(parseMoment('2h30m', 'local', NOW), Date.parse('2026-12-06T10:00:00Z'));
  assert.equal(parseMoment(' 90s ', 'utc', NOW), NOW - 90_000);
  assert.equal(parseMoment('1d', 'utc', NOW), Date.parse('2026-12-05T12:30:00Z'));
});

test('a time of day is today, on the clock shown', () => {
  assert.equal(parseMoment('14:05', 'utc', NOW), Date.parse('2026-12-06T14:05:00Z'));
  assert.equal(parseMoment('14:05:30', 'local', NOW), Date.parse('2026-12-06T13:05:30Z'));
});

test('a date and time, with a space or a T, on the clock shown', () => {
  assert.equal(parseMoment('2026-12-01 08:00', 'utc', NOW), Date.parse('2026-12-01T08:00:00Z'));
  assert.equal(parseMoment('2026-12-01T08:00:15', 'local', NOW), Date.parse('2026-12-01T07:00:15Z'));
  assert.equal(parseMoment('2026-07-01 08:00', 'local', NOW), Date.parse('2026-07-01T06:00:00Z'));
});

test('RFC 3339 keeps its own zone', () => {
  assert.equal(parseMoment('2026-12-06T14:05:00Z', 'local', NOW), Date.parse('2026-12-06T14:05:00Z'));
  assert.equal(parseMoment('2026-12-06T14:05:00+01:00', 'utc', NOW), Date.parse('2026-12-06T13:05:00Z'));
});

test('anything else is refused', () => {
  for (const text of ['', 'yesterday', '25:00', '2026-13-01 08:00', '14h05', '-', '12']) {
    assert.ok(Number.isNaN(parseMoment(text, 'utc', NOW)), text);
  }
});
