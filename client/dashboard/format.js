// How the dashboard names the values of the protobuf JSON it receives.
// Enums arrive by their full proto name ("MISSION_KFOR"); a field at its
// default value is left out of the JSON, so every helper accepts undefined.

export const MISSIONS = [
  { value: 'MISSION_KOSOVO_POLICE', label: 'Kosovo Police', short: 'KP' },
  { value: 'MISSION_EULEX', label: 'EULEX', short: 'EULEX' },
  { value: 'MISSION_KFOR', label: 'KFOR', short: 'KFOR' },
];

export const ROLES = [
  { value: 'ROLE_FIRST_RESPONDER', label: 'First responder', short: '1st', tier: 1 },
  { value: 'ROLE_SECOND_RESPONDER', label: 'Second responder', short: '2nd', tier: 2 },
  { value: 'ROLE_THIRD_RESPONDER', label: 'Third responder', short: '3rd', tier: 3 },
  { value: 'ROLE_SUPPORT', label: 'Support', short: 'support', tier: 0 },
  { value: 'ROLE_LIAISON', label: 'Liaison', short: 'liaison', tier: 0 },
];

// In the order of Filter.min_severity (proto/sitrep/v1/situation_update.proto).
export const SEVERITIES = [
  { value: 'SEVERITY_UNKNOWN', label: 'Unknown', rank: 1 },
  { value: 'SEVERITY_MINOR', label: 'Minor', rank: 2 },
  { value: 'SEVERITY_MODERATE', label: 'Moderate', rank: 3 },
  { value: 'SEVERITY_SEVERE', label: 'Severe', rank: 4 },
  { value: 'SEVERITY_EXTREME', label: 'Extreme', rank: 5 },
];

const byValue = (list) => new Map(list.map((entry) => [entry.value, entry]));
const missionByValue = byValue(MISSIONS);
const roleByValue = byValue(ROLES);
const severityByValue = byValue(SEVERITIES);

export function missionShort(mission) {
  return missionByValue.get(mission)?.short ?? enumWords(mission, 'MISSION_');
}

export function missionLabel(mission) {
  return missionByValue.get(mission)?.label ?? enumWords(mission, 'MISSION_');
}

export function roleShort(role) {
  return roleByValue.get(role)?.short ?? enumWords(role, 'ROLE_');
}

export function roleLabel(role) {
  return roleByValue.get(role)?.label ?? enumWords(role, 'ROLE_');
}

// 1, 2 or 3 for the responder tiers; 0 for support, liaison and unset.
export function roleTier(role) {
  return roleByValue.get(role)?.tier ?? 0;
}

// Who leads an incident (Incident.lead): "EULEX · 2nd tier". Servers
// before the chain's rules send no lead, only the deprecated currentTier.
export function leadOf(incident) {
  const lead = incident?.lead;
  if (lead?.tier) return { mission: lead.mission ?? '', tier: lead.tier };
  return { mission: '', tier: incident?.currentTier ?? '' };
}

export function leadText({ mission, tier }) {
  if (!tier) return 'no tier leads';
  const holder = mission ? `${missionShort(mission)} · ` : '';
  return `${holder}${roleShort(tier)} tier`;
}

export function severityLabel(severity) {
  return severityByValue.get(severity)?.label ?? enumWords(severity, 'SEVERITY_');
}

export function severityRank(severity) {
  return severityByValue.get(severity)?.rank ?? 0;
}

// The CSS class that colours a severity ("sev-severe"); see style.css.
export function severityClass(severity) {
  const entry = severityByValue.get(severity);
  return entry ? `sev-${entry.label.toLowerCase()}` : 'sev-unspecified';
}

export function categoryLabel(category) {
  return enumWords(category, 'CATEGORY_');
}

// 'EXERCISE · ' / 'TEST · ' before the headline of an update that is not
// about the real world (a stored CATEGORY_EXERCISE is an exercise too):
// an exercise never reads as a real incident.
export function statusMark(update) {
  const status = update?.status;
  if (status === 'STATUS_EXERCISE'
    || ((!status || status === 'STATUS_UNSPECIFIED') && update?.category === 'CATEGORY_EXERCISE')) {
    return 'EXERCISE · ';
  }
  return status === 'STATUS_TEST' ? 'TEST · ' : '';
}

// Stand-alone reports have no kind; they read as a plain "report".
export function kindLabel(kind) {
  return kind ? enumWords(kind, 'KIND_') : 'report';
}

// "KIND_REQUEST_SUPPORT" -> "request support"; undefined -> "".
function enumWords(value, prefix) {
  if (!value) return '';
  return value.replace(prefix, '').toLowerCase().replaceAll('_', ' ');
}

// The server's municipality table (GET /v1/municipalities), by id; empty
// until loadMunicipalityNames() answered.
const municipalities = new Map();

// Fetches the names once (every call answers the same promise, so the
// first situation's module can start it before app.js is in); without them
// the ids are shown readable but without diacritics.
let namesLoaded = null;
export function loadMunicipalityNames() {
  namesLoaded ??= fetchMunicipalityNames();
  return namesLoaded;
}

async function fetchMunicipalityNames() {
  try {
    const response = await fetch('/v1/municipalities', { cache: 'default' });
    if (!response.ok) return;
    const body = await response.json();
    for (const entry of body.municipalities ?? []) municipalities.set(entry.id, entry);
  } catch {
    // The fallback below is good enough to work with.
  }
}

// The server stores a municipality as its canonical ASCII id
// ("mitrovice-e-veriut"); this is its Albanian name ("Mitrovicë e Veriut"),
// one spelling the server accepts back in a filter. Before the table
// arrived: the id made readable ("Mitrovice e Veriut").
export function municipalityName(id) {
  if (!id) return '';
  const known = municipalities.get(id);
  if (known) return known.albanian;
  const words = id.split('-');
  return words
    .map((word, index) => (index > 0 && isParticle(word) ? word : capitalise(word)))
    .join(' ');
}

// The seat of a municipality, {name, latitude, longitude}, where the map
// puts an incident without a point; null before the table arrived.
export function municipalitySeat(id) {
  return municipalities.get(id)?.seat ?? null;
}

// For display: the Albanian and, where it differs, the Serbian name
// ("Zveçan / Zvečan").
export function municipalityLabel(id) {
  const known = municipalities.get(id);
  if (!known || known.serbianLatin === known.albanian) return municipalityName(id);
  return `${known.albanian} / ${known.serbianLatin}`;
}

function isParticle(word) {
  return word === 'e' || word === 'i';
}

function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// The clock every displayed time is read on: 'utc' (Zulu, the default, as
// the CLI's; a multinational operations centre's common time) or 'local'
// (the browser's zone). Kept in localStorage across reloads.
const ZONE_KEY = 'sitrep.timeZone';
let zoneMode = readZoneMode();

function readZoneMode() {
  try {
    return globalThis.localStorage?.getItem(ZONE_KEY) === 'local' ? 'local' : 'utc';
  } catch {
    return 'utc';  // storage refused (privacy mode): the default
  }
}

export function timeZoneMode() {
  return zoneMode;
}

export function setTimeZoneMode(mode) {
  zoneMode = mode === 'local' ? 'local' : 'utc';
  try {
    globalThis.localStorage?.setItem(ZONE_KEY, zoneMode);
  } catch {
    // not kept: the choice holds until the page is reloaded
  }
}

// "+01:00" for the browser's offset at `date`.
export function utcOffsetText(date = new Date()) {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

// What the header says about the clock: "UTC (Z)" or "local (UTC+01:00)".
export function zoneLabel(date = new Date()) {
  return zoneMode === 'utc' ? 'UTC (Z)' : `local (UTC${utcOffsetText(date)})`;
}

const timeOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
const dayOptions = { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false };
const formats = {
  utc: {
    time: new Intl.DateTimeFormat(undefined, { ...timeOptions, timeZone: 'UTC' }),
    day: new Intl.DateTimeFormat(undefined, { ...dayOptions, timeZone: 'UTC' }),
    date: new Intl.DateTimeFormat(undefined, { day: '2-digit', month: 'short', timeZone: 'UTC' }),
  },
  local: {
    time: new Intl.DateTimeFormat(undefined, timeOptions),
    day: new Intl.DateTimeFormat(undefined, dayOptions),
    date: new Intl.DateTimeFormat(undefined, { day: '2-digit', month: 'short' }),
  },
};

// Today's times as "14:03:27Z" (UTC) or "15:03:27" (local, the header says
// which offset); older ones with their day ("27 Nov 09:12Z"). "Today" is
// the day on the clock shown.
export function shortTime(rfc3339) {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  const now = new Date();
  const utc = zoneMode === 'utc';
  const isToday = utc
    ? date.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)
    : date.toDateString() === now.toDateString();
  const format = formats[zoneMode];
  const text = isToday ? format.time.format(date) : format.day.format(date);
  return utc ? `${text}Z` : text;
}

// shortTime in two parts, for a cell of two lines: the time of day
// ("14:03:27Z") and the day when it is not today ("27 Nov"; else "").
export function timeParts(rfc3339) {
  const date = new Date(rfc3339 ?? '');
  if (Number.isNaN(date.getTime())) return { time: rfc3339 ?? '', day: '' };
  const utc = zoneMode === 'utc';
  const now = new Date();
  const isToday = utc
    ? date.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)
    : date.toDateString() === now.toDateString();
  const format = formats[zoneMode];
  const time = format.time.format(date);
  return { time: utc ? `${time}Z` : time, day: isToday ? '' : format.date.format(date) };
}

// Milliseconds since the epoch of an RFC 3339 time; NaN when absent.
export function timeMs(rfc3339) {
  return rfc3339 ? new Date(rfc3339).getTime() : NaN;
}

// A duration as a duty officer says it: "45 s", "3 min 05 s", "2 h 10 min",
// "3 d 4 h". Negative ones (clocks apart) read as "0 s".
export function durationText(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

// 64-bit integers arrive as decimal strings; BigInt keeps them exact.
export function compareSequences(a, b) {
  const left = BigInt(a ?? 0);
  const right = BigInt(b ?? 0);
  if (left === right) return 0;
  return left < right ? -1 : 1;
}
