// End-to-end test of the dashboard's map (client/dashboard/map.js), in
// headless Debian Chromium against a real sitrepd fed by the real
// `sitrep demo`:
//
// 1. The demo runs until the situation holds several incidents, then is
//    killed (SIGKILL: it closes nothing, so the situation stays as it is);
//    one incident without a point (Gjilan, municipality only) is added with
//    `sitrep publish`.
// 2. The map's markers are the incidents of GetSituation (GET /v1/situation):
//    the same ids, each at its point, or else at its municipality's seat (GET
//    /v1/municipalities), within a pixel of where an equirectangular
//    projection of the map's extent puts it, and inside Kosovo's outline.
// 3. Clicking a marker opens that incident's story (its timeline); closed,
//    the focus is back on the marker, and Enter opens it again.
// 4. Dragging a rectangle around the north sets the bounding box: the
//    situation and the stream are asked again with filter.bounding_box.*,
//    every row then shown has a point inside the box (looked up in the
//    unfiltered log), so has every marker; a new update inside the box is
//    shown live, one outside is not. The screenshot is taken here.
// 5. "Clear area" brings back the whole of Kosovo; so does "Clear filters".
// 6. At 1024x768 the map fits its panel, markers still in place.
// 7. The page asked nothing of any host but the server.
//
// Exits 0 when everything held, 1 with the reason otherwise. Every wait has
// a deadline; the whole run is bounded by OVERALL_DEADLINE_MS.
import { spawn } from 'node:child_process';
import {
  SHOWN_WITHIN_MS, SITUATION_WITHIN_MS, openDashboard, runTest,
} from './lib/test_run.mjs';

const OVERALL_DEADLINE_MS = 100_000;
// How long the demo may take to open MIN_INCIDENTS incidents (at most 8
// are open at once; one every 0.3 s on average), one of them with a thread
// of MIN_STEPS updates (a step every second on average).
const DEMO_WITHIN_MS = 30_000;
const MIN_INCIDENTS = 5;
const MIN_STEPS = 3;
const POLL_MS = 100;
const VIEW_WITHIN_MS = 5_000;
const FILTER_WITHIN_MS = 15_000;
// The north: Mitrovicë e Veriut, Zveçan, Zubin Potok, Leposaviq (where the
// demo's incidents mostly are), not Prishtinë or anything south of it.
const NORTH = { minLatitude: 42.85, minLongitude: 20.45, maxLatitude: 43.3, maxLongitude: 21.05 };
const SEAT_INCIDENT = 'map-e2e-gjilan-seat';

async function fillWithTheDemo(run, context) {
  const server = await run.startServer({ dataDir: `${run.workDir}/data` });
  Object.assign(context, { server, origin: new URL(server.httpUrl).origin });
  run.step(`sitrepd serves gRPC on ${server.grpcAddress}, HTTP on ${server.httpUrl}`);
  const demo = spawn(run.args.sitrep, [
    '-s', server.grpcAddress, 'demo', '--rate', '40', '--step-every', '1s', '--incident-every', '300ms',
    '--seed', '21', '--run-id', 'map-e2e',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let demoLog = '';
  demo.stderr.on('data', (chunk) => { demoLog += chunk; });
  try {
    const deadline = Date.now() + DEMO_WITHIN_MS;
    for (;;) {
      const situation = await getJson(server, '/v1/situation');
      const incidents = situation.incidents ?? [];
      if (incidents.length >= MIN_INCIDENTS
        && incidents.some((incident) => Number(incident.version) >= MIN_STEPS)) break;
      if (demo.exitCode !== null) throw new Error(`sitrep demo exited (${demo.exitCode}): ${demoLog}`);
      if (Date.now() > deadline) {
        throw new Error(`the demo opened only ${incidents.length} incidents (the longest thread: `
          + `${Math.max(0, ...incidents.map((incident) => Number(incident.version)))} updates) in `
          + `${DEMO_WITHIN_MS / 1000} s: ${demoLog}`);
      }
      await delay(POLL_MS);
    }
  } finally {
    demo.kill('SIGKILL');
  }
  await run.publish(server, {
    mission: 'kp', kind: 'new', severity: 'severe', category: 'public-order', incident: SEAT_INCIDENT,
    municipality: 'Gjilan', headline: 'Crowd gathering in Gjilan (no point given)',
  });
  context.situation = await getJson(server, '/v1/situation');
  context.seats = new Map((await getJson(server, '/v1/municipalities')).municipalities
    .map((entry) => [entry.id, entry.seat]));
  const withPoint = context.situation.incidents.filter((incident) => incident.location?.point).length;
  run.step(`the situation holds ${context.situation.incidents.length} incidents (${withPoint} with a point) `
    + `at sequence ${context.situation.sequence}`);
}

// Where the map must put an incident: its point, else its seat.
function expectedPlace(incident, seats) {
  const location = incident.location ?? incident.latest?.location ?? {};
  if (location.point) return { lat: location.point.latitude, lon: location.point.longitude, placed: 'point' };
  const seat = seats.get(location.municipality);
  return { lat: seat.latitude, lon: seat.longitude, placed: 'seat' };
}

async function markersMatchTheSituation(run, context) {
  const { browser, dashboard } = await openDashboard(run, context.server);
  Object.assign(context, { browser, dashboard, page: browser.page });
  context.foreignRequests = [];
  context.requests = [];
  browser.page.on('request', (request) => {
    const url = request.url();
    context.requests.push(url);
    if (!url.startsWith(`${context.origin}/`) && !url.startsWith('data:')) context.foreignRequests.push(url);
  });
  run.step('the map shows the incidents of GetSituation, each where it belongs');
  const ids = context.situation.incidents.map((incident) => incident.incidentId).sort();
  await dashboard.waitForCondition((wanted) => {
    const shown = [...document.querySelectorAll('#map-panel .map-marker')].map((m) => m.dataset.incidentId);
    return shown.length === wanted.length && shown.sort().join() === wanted.join()
      && document.querySelector('#map-panel .map-outline')?.getAttribute('d');
  }, ids, SITUATION_WITHIN_MS, async () => `the map should show ${ids.join(', ')}; it shows `
    + `${await markerIds(context.page)}`);

  const expected = context.situation.incidents.map((incident) => ({
    id: incident.incidentId, ...expectedPlace(incident, context.seats),
  }));
  const shown = await context.page.evaluate(measureMarkers, expected);
  for (const marker of shown) {
    const where = `${marker.id} (${marker.placed} ${marker.lat}, ${marker.lon})`;
    if (marker.placedAs !== marker.placed) throw new Error(`${where} is drawn as placed at its ${marker.placedAs}`);
    if (!(marker.offPixels <= 1)) {
      throw new Error(`${where} is drawn ${marker.offPixels.toFixed(2)} px from where its place projects`);
    }
    if (!marker.insideOutline) throw new Error(`${where} is drawn outside Kosovo's outline`);
  }
  if (!shown.some((marker) => marker.placed === 'seat' && marker.id === SEAT_INCIDENT)) {
    throw new Error(`${SEAT_INCIDENT} (no point) is not at Gjilan's seat`);
  }
  run.step(`  ${shown.length} markers, the farthest ${Math.max(...shown.map((m) => m.offPixels)).toFixed(2)} px `
    + 'from its projected place');
}

// In the page: for each expected {id, lat, lon}, where the marker's anchor
// is on screen against an equirectangular projection of the <svg>'s
// extent (its data-* attributes) into its viewBox, computed here.
function measureMarkers(expected) {
  const svg = document.querySelector('#map-panel svg.map');
  const extent = {
    minLon: Number(svg.dataset.minLon), maxLon: Number(svg.dataset.maxLon),
    minLat: Number(svg.dataset.minLat), maxLat: Number(svg.dataset.maxLat),
  };
  const box = svg.viewBox.baseVal;
  const cos = Math.cos(((extent.minLat + extent.maxLat) / 2) * (Math.PI / 180));
  const scale = box.width / ((extent.maxLon - extent.minLon) * cos);
  const toScreen = (x, y) => new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
  const outline = svg.querySelector('.map-outline');
  return expected.map((place) => {
    const marker = svg.querySelector(`.map-marker[data-incident-id="${CSS.escape(place.id)}"]`);
    const x = (place.lon - extent.minLon) * cos * scale;
    const y = (extent.maxLat - place.lat) * scale;
    const want = toScreen(x, y);
    const anchor = new DOMPoint(0, 0).matrixTransform(marker.getScreenCTM());
    return {
      ...place,
      placedAs: marker.dataset.placed,
      offPixels: Math.hypot(anchor.x - want.x, anchor.y - want.y),
      insideOutline: outline.isPointInFill(new DOMPoint(x, y)),
    };
  });
}

async function clickOpensTheIncident(run, { dashboard, page, situation }) {
  run.step('clicking a marker opens its incident\'s timeline');
  // A demo incident (with a thread to show) whose marker no other covers,
  // clicked at its shape's centre as a user would.
  const longestFirst = situation.incidents.filter((each) => each.incidentId !== SEAT_INCIDENT)
    .sort((a, b) => Number(b.version) - Number(a.version)).map((each) => each.incidentId);
  const target = await page.evaluate((ids) => {
    for (const id of ids) {
      const marker = document.querySelector(`#map-panel .map-marker[data-incident-id="${CSS.escape(id)}"]`);
      const shape = marker.querySelector('.map-shape').getBoundingClientRect();
      const x = shape.left + shape.width / 2;
      const y = shape.top + shape.height / 2;
      if (document.elementFromPoint(x, y)?.closest('.map-marker') === marker) {
        return { id: marker.dataset.incidentId, x, y };
      }
    }
    return null;
  }, longestFirst);
  if (!target) throw new Error('every demo incident\'s marker is covered by another one');
  const incident = situation.incidents.find((each) => each.incidentId === target.id);
  await page.mouse.click(target.x, target.y);
  await dashboard.expectIncidentView(incident.incidentId, VIEW_WITHIN_MS);
  const steps = await dashboard.timelineSteps();
  if (steps.length !== Number(incident.version ?? steps.length) || steps.length === 0) {
    throw new Error(`the timeline of ${incident.incidentId} has ${steps.length} steps; the incident has `
      + `${incident.version} updates`);
  }
  run.step(`  ${incident.incidentId}: ${steps.length} steps (${steps.map((step) => step.kind).join(', ')})`);
  await page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(VIEW_WITHIN_MS);
  // The focus is back on the marker, and Enter opens it again.
  const focused = await page.evaluate(() => document.activeElement?.closest?.('.map-marker')?.dataset.incidentId);
  if (focused !== incident.incidentId) {
    throw new Error(`after closing, the focus is on ${focused ?? 'no marker'}, not ${incident.incidentId}'s marker`);
  }
  await page.keyboard.press('Enter');
  await dashboard.expectIncidentView(incident.incidentId, VIEW_WITHIN_MS);
  await page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(VIEW_WITHIN_MS);
}

// Drags the mouse across the map from the box's north-west corner to its
// south-east one, as a user would.
async function dragArea(page, box) {
  const [from, to] = await page.evaluate((wanted) => {
    const svg = document.querySelector('#map-panel svg.map');
    const e = {
      minLon: Number(svg.dataset.minLon), maxLon: Number(svg.dataset.maxLon),
      minLat: Number(svg.dataset.minLat), maxLat: Number(svg.dataset.maxLat),
    };
    const cos = Math.cos(((e.minLat + e.maxLat) / 2) * (Math.PI / 180));
    const scale = svg.viewBox.baseVal.width / ((e.maxLon - e.minLon) * cos);
    const screen = (lon, lat) => {
      const p = new DOMPoint((lon - e.minLon) * cos * scale, (e.maxLat - lat) * scale)
        .matrixTransform(svg.getScreenCTM());
      return { x: p.x, y: p.y };
    };
    return [screen(wanted.minLongitude, wanted.maxLatitude), screen(wanted.maxLongitude, wanted.minLatitude)];
  }, box);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

async function dragNarrowsTheFeed(run, context) {
  const { dashboard, page, server } = context;
  run.step('dragging a rectangle around the north sets the bounding box on the server');
  const rowsBefore = await dashboard.rowAttributes('sequence');
  const situationAsked = page.waitForRequest((r) => r.url().includes('/v1/situation?')
    && r.url().includes('filter.bounding_box.min_latitude'), { timeout: FILTER_WITHIN_MS });
  await dashboard.applyFilter(() => dragArea(page, NORTH), 'filter.bounding_box.min_latitude');
  const asked = new URL((await situationAsked).url());
  const box = {
    minLatitude: Number(asked.searchParams.get('filter.bounding_box.min_latitude')),
    minLongitude: Number(asked.searchParams.get('filter.bounding_box.min_longitude')),
    maxLatitude: Number(asked.searchParams.get('filter.bounding_box.max_latitude')),
    maxLongitude: Number(asked.searchParams.get('filter.bounding_box.max_longitude')),
  };
  // The drag lands within a pixel or two of the intended corners.
  const tolerance = 0.02;
  for (const key of Object.keys(NORTH)) {
    if (!(Math.abs(box[key] - NORTH[key]) < tolerance)) {
      throw new Error(`the server was asked for ${key} ${box[key]}, the drag meant ${NORTH[key]}`);
    }
  }
  run.step(`  asked with ${JSON.stringify(box)}`);
  await page.locator('#map-panel [data-clear-area]:not([hidden])').waitFor({ timeout: VIEW_WITHIN_MS });
  if (!page.url().includes('area=')) throw new Error(`the area is not in the URL: ${page.url()}`);

  // Every row shown: an update whose point lies in the box (the log,
  // unfiltered, says where each one is).
  const log = await getJson(server, '/v1/updates?page_size=1000');
  const byId = new Map((log.updates ?? []).map((update) => [String(update.sequence), update]));
  const inBox = (point) => Boolean(point) && point.latitude >= box.minLatitude
    && point.latitude <= box.maxLatitude && point.longitude >= box.minLongitude
    && point.longitude <= box.maxLongitude;
  await dashboard.waitForCondition(() => document.querySelectorAll('#updates > tr[data-sequence]').length > 0,
    null, SITUATION_WITHIN_MS, async () => 'no row is shown inside the north');
  const rows = await dashboard.rowAttributes('sequence');
  for (const sequence of rows) {
    const point = byId.get(sequence)?.location?.point;
    if (!inBox(point)) throw new Error(`row ${sequence} is outside the box: ${JSON.stringify(point ?? 'no point')}`);
  }
  if (!(rows.length < rowsBefore.length)) {
    throw new Error(`the area did not narrow the feed: ${rows.length} rows, ${rowsBefore.length} before`);
  }
  // The map agrees: the situation of the box, every marker inside it.
  const markers = await page.locator('#map-panel .map-marker').evaluateAll((all) => all.map((m) => ({
    id: m.dataset.incidentId, latitude: Number(m.dataset.latitude), longitude: Number(m.dataset.longitude),
  })));
  for (const marker of markers) {
    if (!inBox(marker)) throw new Error(`marker ${marker.id} is outside the box`);
  }
  run.step(`  ${rows.length} rows (${rowsBefore.length} before), ${markers.length} markers, all inside`);

  // Live: the stream carries the box too.
  await run.publish(server, {
    mission: 'kp', severity: 'minor', category: 'patrol', municipality: 'Prizren', lat: '42.2092', lon: '20.7410',
    headline: 'KP patrol in Prizren old town (outside the box)',
  });
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', severity: 'minor', category: 'patrol', municipality: 'Zveçan', lat: '42.9075', lon: '20.8403',
    headline: 'KP patrol at the Zveçan municipal building (inside the box)',
  });
  await dashboard.expectNoRow('KP patrol in Prizren old town (outside the box)');
  await dashboard.screenshot(run.args.screenshot);
  context.box = box;
}

async function clearAreaShowsAll(run, { dashboard, page, situation }) {
  run.step('"Clear area" shows the whole of Kosovo again');
  await dashboard.applyFilter(() => page.locator('#map-panel [data-clear-area]').click(), null);
  await dashboard.expectRow('KP patrol in Prizren old town (outside the box)', SITUATION_WITHIN_MS,
    'the update outside the box is not back after "Clear area"');
  if (page.url().includes('area=')) throw new Error(`the area is still in the URL: ${page.url()}`);
  // "Clear filters" clears an area too.
  await dashboard.applyFilter(() => dragArea(page, NORTH), 'filter.bounding_box.min_latitude');
  await dashboard.applyFilter(() => dashboard.clearFilters(), null);
  if (page.url().includes('area=')) throw new Error(`"Clear filters" left the area in the URL: ${page.url()}`);
  if (await page.locator('#map-panel [data-clear-area]').isVisible()) {
    throw new Error('"Clear filters" left the "Clear area" button shown');
  }
  const all = situation.incidents.length;
  await dashboard.waitForCondition((wanted) => document.querySelectorAll('#map-panel .map-marker').length === wanted,
    all, SITUATION_WITHIN_MS, async () => `the map should show all ${all} incidents again; it shows `
      + `${await markerIds(page)}`);
}

// At 1024x768 the whole map is on screen, inside its panel, and the
// markers still stand where their places project.
async function fitsAt1024(run, { dashboard, page, situation, seats }) {
  run.step('at 1024x768 the map fits its panel and the markers keep their places');
  await page.setViewportSize({ width: 1024, height: 768 });
  await dashboard.waitForCondition(() => {
    const svg = document.querySelector('#map-panel svg.map').getBoundingClientRect();
    const panel = document.getElementById('map-panel').getBoundingClientRect();
    return svg.width > 0 && svg.left >= panel.left && svg.right <= panel.right && svg.top >= panel.top
      && svg.bottom <= panel.bottom && panel.right <= window.innerWidth && panel.bottom <= window.innerHeight;
  }, null, SITUATION_WITHIN_MS, async () => `the map does not fit at 1024x768: ${await page.evaluate(() => {
    const r = (id) => JSON.stringify(document.querySelector(id).getBoundingClientRect());
    return `svg ${r('#map-panel svg.map')}, panel ${r('#map-panel')}`;
  })}`);
  const expected = situation.incidents.map((incident) => ({
    id: incident.incidentId, ...expectedPlace(incident, seats),
  }));
  const shown = await page.evaluate(measureMarkers, expected);
  const worst = Math.max(...shown.map((marker) => marker.offPixels));
  if (!(worst <= 1)) throw new Error(`at 1024x768 a marker is drawn ${worst.toFixed(2)} px from its place`);
  const size = await page.locator('#map-panel svg.map').boundingBox();
  run.step(`  the map is ${Math.round(size.width)}x${Math.round(size.height)} px`);
}

async function nothingElseWasAsked(run, context) {
  if (context.foreignRequests.length) {
    throw new Error(`the page asked other hosts: ${context.foreignRequests.join(', ')}`);
  }
  run.step(`the page asked only its server (${context.requests.length} requests)`);
}

async function markerIds(page) {
  return (await page.locator('#map-panel .map-marker').evaluateAll((all) => all.map((m) => m.dataset.incidentId)))
    .join(', ');
}

async function getJson(server, pathAndQuery) {
  const response = await fetch(new URL(pathAndQuery, server.httpUrl), { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${response.status}: ${await response.text()}`);
  return response.json();
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const context = {};
await runTest('map_e2e', OVERALL_DEADLINE_MS, [
  (run) => fillWithTheDemo(run, context),
  (run) => markersMatchTheSituation(run, context),
  (run) => clickOpensTheIncident(run, context),
  (run) => dragNarrowsTheFeed(run, context),
  (run) => clearAreaShowsAll(run, context),
  (run) => fitsAt1024(run, context),
  (run) => nothingElseWasAsked(run, context),
]);
