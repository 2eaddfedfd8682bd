// The HTTP/JSON side of sitrepd's gateway (docs/http.md): query parameters
// named after the gRPC request fields, protobuf JSON bodies, errors as
// {"code", "status", "message"}. Every request is same-origin, so the
// session cookie of POST /v1/session goes along by itself.
import { situationFromRows } from './situation-rows.js';

// A refused request: the HTTP status and the gateway's error body.
export class ApiError extends Error {
  constructor(httpStatus, body) {
    super(body?.message || `HTTP ${httpStatus}`);
    this.name = 'ApiError';
    this.httpStatus = httpStatus;
    this.grpcStatus = body?.status ?? '';
  }

  get needsLogin() {
    return this.httpStatus === 401;
  }
}

// The dashboard's filter as grpc-gateway style parameters of Filter:
// a repeated field is the same parameter repeated.
export function filterParams(filter) {
  const params = new URLSearchParams();
  for (const mission of filter.missions) params.append('filter.missions', mission);
  for (const role of filter.roles) params.append('filter.roles', role);
  if (filter.minSeverity) params.set('filter.min_severity', filter.minSeverity);
  for (const name of filter.municipalities) params.append('filter.municipalities', name);
  const box = filter.boundingBox;
  if (box) {
    params.set('filter.bounding_box.min_latitude', String(box.minLatitude));
    params.set('filter.bounding_box.min_longitude', String(box.minLongitude));
    params.set('filter.bounding_box.max_latitude', String(box.maxLatitude));
    params.set('filter.bounding_box.max_longitude', String(box.maxLongitude));
  }
  return params;
}

// The dashboard asks for the compact situation as rows (docs/http.md:
// view=rows; situation-rows.js reads them back into the compact view's
// incidents): what the list and the map show; an opened incident's story
// comes from GET /v1/incidents/{id}.
function situationParams(filter) {
  const params = filterParams(filter);
  params.set('view', 'rows');
  return params;
}

async function getSituationRows(params, signal, options) {
  return situationFromRows(await getJson('/v1/situation', params, signal, options));
}

// GET /v1/situation: the current incidents matching the filter, consistent
// at `situation.sequence`.
export function getSituation(filter, signal) {
  return getSituationRows(situationParams(filter), signal);
}

// At most this many incidents per getSituationOf (the server's limit of
// values per filter field).
export const MAX_INCIDENT_IDS = 64;

// GET /v1/situation of the incidents `incidentIds` only, under the filter:
// the current state of each that is open and in the view; one missing from
// the answer is closed or left the view.
export function getSituationOf(filter, incidentIds, signal) {
  const params = situationParams(filter);
  for (const id of incidentIds) params.append('filter.incident_ids', id);
  return getSituationRows(params, signal);
}

// GET /v1/situation at a past point: `{sequence}` (as_of_sequence) or
// `{time}` (as_of, RFC 3339). The answer's `sequence` is the point it is
// consistent at, its `asOf` the time it stands for.
export function getSituationAt(filter, { sequence, time }, signal) {
  const params = situationParams(filter);
  if (sequence !== undefined) params.set('as_of_sequence', sequence);
  else params.set('as_of', time);
  return getSituationRows(params, signal);
}

// GET /v1/updates: the oldest `limit` updates matching the filter with a
// sequence above `afterSequence` and at most `endSequence`, oldest first.
export function getUpdatesAfter(filter, afterSequence, endSequence, limit, signal) {
  const params = filterParams(filter);
  params.set('start_sequence', String(BigInt(afterSequence) + 1n));
  params.set('end_sequence', endSequence);
  params.set('page_size', String(limit));
  return getJson('/v1/updates', params, signal);
}

// GET /v1/incidents/{id}: the incident and its thread, oldest update first,
// each with the incident's state after it (IncidentThread).
export function getIncident(incidentId, signal) {
  return getJson(`/v1/incidents/${encodeURIComponent(incidentId)}`, new URLSearchParams(), signal);
}

// GET /v1/updates: the newest `limit` updates matching the filter with a
// sequence of at most `endSequence`, newest first.
export function getLatestUpdates(filter, endSequence, limit, signal) {
  const params = filterParams(filter);
  params.set('end_sequence', endSequence);
  params.set('page_size', String(limit));
  params.set('descending', 'true');
  return getJson('/v1/updates', params, signal);
}

// The URL of the Server-Sent Events stream that continues after
// `afterSequence` in log `logId`, with a heartbeat at least every
// `heartbeatSeconds`. The log id makes a resume against a wiped or
// different store fail (400) instead of mapping the cursor onto other
// updates.
export function streamUrl(filter, { afterSequence, logId, heartbeatSeconds }) {
  const params = filterParams(filter);
  params.set('after_sequence', afterSequence);
  if (logId) params.set('log_id', logId);
  params.set('heartbeat_interval', `${heartbeatSeconds}s`);
  return `/v1/stream?${params}`;
}

// EventSource does not say why it gave up. This asks the same URL once
// with fetch, keeps the status (and the error body when refused), and
// closes the stream it may have opened. Resolves to null when the stream
// was accepted (the refusal was transient).
export async function explainStreamRefusal(url) {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream' },
    signal: abort.signal,
    cache: 'no-store',
  });
  if (response.ok) {
    abort.abort();
    return null;
  }
  return new ApiError(response.status, await readErrorBody(response));
}

// POST /v1/session: trades a bearer token for the session cookie that
// EventSource sends. Without an access policy the server answers 204 and
// sets nothing.
export async function openSession(token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch('/v1/session', { method: 'POST', headers, cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, await readErrorBody(response));
}

// DELETE /v1/session; a failure only means there was nothing to end.
export async function closeSession() {
  await fetch('/v1/session', { method: 'DELETE', cache: 'no-store' }).catch(() => {});
}

// The URL index.html preloads (<link rel="preload" as="fetch">): the
// compact situation without a filter, asked for by the HTML parser before
// any module is in (issue 24: the first paint of a big situation).
export const PRELOADED_SITUATION = '/v1/situation?view=rows';

// GET /v1/situation for `filter` as the first load asks: the preloaded
// answer when the filter is empty, so the URL is the preload's. This fetch
// sets no header and no cache mode of its own, which would keep Chromium
// from taking the preloaded response (the answer is `no-store` anyway).
export function getFirstSituation(filter) {
  const query = String(situationParams(filter));
  return getSituationRows(situationParams(filter), undefined,
    `/v1/situation?${query}` === PRELOADED_SITUATION ? {} : undefined);
}

// `options`: fetch's, instead of the usual JSON Accept header and no-store.
async function getJson(path, params, signal, options = undefined) {
  options ??= { headers: { Accept: 'application/json' }, cache: 'no-store' };
  const query = String(params);
  const response = await fetch(query ? `${path}?${query}` : path, { ...options, signal });
  if (!response.ok) throw new ApiError(response.status, await readErrorBody(response));
  return response.json();
}

// The gateway's error body, or nothing when the body is not that JSON
// (a proxy's HTML page, an empty 502).
async function readErrorBody(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}
