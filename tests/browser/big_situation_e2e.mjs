// End-to-end test of the dashboard with a big situation (issue 24) in
// headless Debian Chromium against a real sitrepd:
//
//   node big_situation_e2e.mjs --sitrepd=PATH --sitrep=PATH --screenshot=PNG
//                              [--chromium=/usr/bin/chromium]
// (lib/test_run.mjs)
//
// 600 open incidents, published with `sitrep import`:
// 1. the dashboard reads the compact situation as rows (view=rows): the
//    compact view is less than half the full one and names the same
//    incidents, the rows read back (situation-rows.js) are the compact
//    view, in less than half its bytes;
// 2. the list renders a page of cards (PAGE_SIZE), says how many more there
//    are, and renders the rest as it is scrolled, each incident once;
// 3. the map draws groups (more than MARKER_LIMIT incidents), counting
//    every incident; a click on a group sets the area, and the map then
//    shows the markers of GET /v1/situation for that box;
// 4. live: an update and a resolve of one incident reach its card through
//    a request for that incident only (filter.incident_ids), never the whole
//    situation again.
//
// Exits 0 when everything held, 1 with the reason otherwise.
import { DashboardPage } from './lib/dashboard_page.mjs';
import { importUpdates } from './lib/sitrepd.mjs';
import { LIVE_WITHIN_MS, SITUATION_WITHIN_MS, runTest } from './lib/test_run.mjs';

const { situationFromRows } = await import('../../client/dashboard/situation-rows.js');

const OVERALL_DEADLINE_MS = 110_000;
const INCIDENTS = 600;
// situation-view.js's PAGE_SIZE and map.js's MARKER_LIMIT.
const PAGE_SIZE = 100;
const MARKER_LIMIT = 500;
const SCROLLS = 50;

function fillUpdates() {
  const severities = ['SEVERITY_MINOR', 'SEVERITY_MODERATE', 'SEVERITY_SEVERE'];
  return Array.from({ length: INCIDENTS }, (_, i) => ({
    eventId: `big-${i}`, incidentId: `big-${String(i).padStart(4, '0')}`,
    mission: 'MISSION_KOSOVO_POLICE', role: 'ROLE_FIRST_RESPONDER', kind: 'KIND_NEW',
    severity: severities[i % 3], category: 'CATEGORY_PUBLIC_ORDER',
    headline: `Big situation incident ${i}`,
    description: `Incident ${i} of the big situation: a patrol reports the road blocked, units on site.`,
    labels: { unit: `Region ${i % 7} patrol`, source: 'big_situation_e2e' },
    location: {
      place: `Village road ${i % 97}`,
      point: { latitude: 42.05 + ((i * 7919) % 10000) / 10000 * 0.95, longitude: 20.2 + ((i * 104729) % 10000) / 10000 * 1.3 },
    },
  }));
}

async function getJson(server, query) {
  const response = await fetch(new URL(query, server.httpUrl));
  if (!response.ok) throw new Error(`GET ${query}: HTTP ${response.status}: ${await response.text()}`);
  const text = await response.text();
  return { body: JSON.parse(text), bytes: text.length };
}

// JSON with sorted keys and times to the millisecond (what the rows keep),
// to compare two situations whatever their keys' order.
function canonical(value, key = '') {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((name) => value[name] !== undefined).sort()
      .map((name) => `${JSON.stringify(name)}:${canonical(value[name], name)}`).join(',')}}`;
  }
  if (['occurredAt', 'openedAt', 'since'].includes(key)) return JSON.stringify(new Date(value).toISOString());
  return JSON.stringify(value);
}

const ids = (situation) => (situation.incidents ?? []).map((incident) => incident.incidentId).sort();

async function bigSituation(run) {
  const server = await run.startServer({ dataDir: `${run.workDir}/data` });
  run.step(`sitrepd serves gRPC on ${server.grpcAddress}, HTTP on ${server.httpUrl}; ${INCIDENTS} incidents`);
  await importUpdates(run.args.sitrep, server, fillUpdates());

  run.step('the compact situation names the same incidents in less than half the bytes');
  const full = await getJson(server, '/v1/situation');
  const compact = await getJson(server, '/v1/situation?view=compact');
  if (full.body.incidents?.length !== INCIDENTS) throw new Error(`the situation holds ${full.body.incidents?.length} incidents`);
  if (JSON.stringify(ids(compact.body)) !== JSON.stringify(ids(full.body))) {
    throw new Error('the compact situation names other incidents than the full one');
  }
  if (compact.bytes * 2 > full.bytes) throw new Error(`compact ${compact.bytes} bytes, full ${full.bytes}`);
  if (compact.body.incidents.some((incident) => incident.latest?.description || incident.participants)) {
    throw new Error('the compact situation still carries descriptions or participants');
  }
  run.step(`  full ${full.bytes} bytes, compact ${compact.bytes}`);

  run.step('the rows (view=rows), read back by situation-rows.js, are the compact situation');
  const rows = await getJson(server, '/v1/situation?view=rows');
  const fromRows = situationFromRows(rows.body);
  if (canonical(fromRows) !== canonical({ ...compact.body, sequence: rows.body.sequence, asOf: rows.body.asOf })) {
    throw new Error(`the rows read back differ from the compact situation: ${canonical(fromRows.incidents[0])}`
      + ` vs ${canonical(compact.body.incidents[0])}`);
  }
  if (rows.bytes * 2 > compact.bytes) throw new Error(`rows ${rows.bytes} bytes, compact ${compact.bytes}`);
  run.step(`  rows ${rows.bytes} bytes`);

  const browser = await run.openBrowser();
  const { page } = browser;
  const dashboard = new DashboardPage(page);
  const situationRequests = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/v1/situation') situationRequests.push(new URL(request.url()));
  });
  await page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  await page.locator(`#situation[data-incidents="${INCIDENTS}"]`).waitFor({ state: 'attached', timeout: LIVE_WITHIN_MS });
  if (situationRequests.some((url) => url.searchParams.get('view') !== 'rows')) {
    throw new Error(`the dashboard asked for the full situation: ${situationRequests.join(' ')}`);
  }

  run.step(`the list renders ${PAGE_SIZE} cards and the rest as it is scrolled`);
  const cards = () => page.locator('#situation li.incident').count();
  if (await cards() !== PAGE_SIZE) throw new Error(`${await cards()} cards at first, not ${PAGE_SIZE}`);
  const more = await page.locator('#situation .situation-more').innerText();
  if (!more.includes(`${INCIDENTS - PAGE_SIZE} more`)) throw new Error(`the end of the list says "${more}"`);
  for (let i = 0; i < SCROLLS && await cards() < INCIDENTS; ++i) {
    const before = await cards();
    await page.locator('#situation').evaluate((list) => { list.scrollTop = list.scrollHeight; });
    await page.waitForFunction((n) => document.querySelectorAll('#situation li.incident').length > n,
      before, { timeout: SITUATION_WITHIN_MS });
  }
  const shown = await page.locator('#situation li.incident').evaluateAll((nodes) => nodes.map((node) => node.dataset.incidentId).sort());
  if (JSON.stringify(shown) !== JSON.stringify(ids(full.body))) {
    throw new Error(`after scrolling, the cards are not the ${INCIDENTS} incidents once each (${shown.length} cards)`);
  }
  if (await page.locator('#situation .situation-more').count() !== 0) throw new Error('the list still says more follow');

  run.step(`the map draws groups of all ${INCIDENTS} incidents`);
  if (await page.getAttribute('#map-panel', 'data-grouped') !== 'true') throw new Error('the map is not grouped');
  const counts = await page.locator('#map-panel .map-group').evaluateAll((nodes) => nodes.map((node) => Number(node.dataset.count)));
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total !== INCIDENTS || await page.locator('#map-panel .map-marker').count() !== 0) {
    throw new Error(`the groups count ${total} incidents, with ${await page.locator('#map-panel .map-marker').count()} markers`);
  }

  run.step('live: an update reaches its card through a request for that incident only');
  const target = 'big-0000';
  const before = situationRequests.length;
  await run.publish(server, {
    mission: 'kp', kind: 'update', severity: 'extreme', category: 'public-order',
    incident: target, headline: 'Big situation incident 0 is now extreme',
  });
  await page.locator(`#situation li.incident[data-incident-id="${target}"] .incident-headline`, { hasText: 'now extreme' })
    .waitFor({ timeout: SITUATION_WITHIN_MS });
  await page.locator(`#situation li.incident[data-incident-id="${target}"]`).scrollIntoViewIfNeeded();
  run.step('  a resolve takes it off the list');
  await run.publish(server, {
    mission: 'kp', kind: 'resolve', severity: 'minor', category: 'public-order',
    incident: target, headline: 'Big situation incident 0 resolved',
  });
  await page.locator(`#situation[data-incidents="${INCIDENTS - 1}"]`).waitFor({ state: 'attached', timeout: SITUATION_WITHIN_MS });
  if (await page.locator(`#situation li.incident[data-incident-id="${target}"]`).count() !== 0) {
    throw new Error(`the resolved incident ${target} is still listed`);
  }
  const live = situationRequests.slice(before);
  if (live.length === 0 || live.some((url) => url.searchParams.getAll('filter.incident_ids').join() !== target)) {
    throw new Error(`the live refreshes were not for ${target} only: ${live.join(' ')}`);
  }

  run.step('a click on a group shows its area, with markers');
  const group = page.locator('#map-panel .map-group').first();
  const area = JSON.parse(await group.getAttribute('data-area'));
  await group.click();
  await page.locator('#map-panel[data-area="set"]').waitFor({ state: 'attached', timeout: SITUATION_WITHIN_MS });
  const box = `filter.bounding_box.min_latitude=${area.minLatitude}&filter.bounding_box.min_longitude=${area.minLongitude}`
    + `&filter.bounding_box.max_latitude=${area.maxLatitude}&filter.bounding_box.max_longitude=${area.maxLongitude}`;
  const inBox = ids((await getJson(server, `/v1/situation?${box}`)).body);
  if (inBox.length === 0 || inBox.length > MARKER_LIMIT) throw new Error(`the group's area holds ${inBox.length} incidents`);
  await page.waitForFunction((wanted) => {
    const markers = [...document.querySelectorAll('#map-panel .map-marker')].map((node) => node.dataset.incidentId).sort();
    return JSON.stringify(markers) === JSON.stringify(wanted);
  }, inBox, { timeout: SITUATION_WITHIN_MS });
  run.step(`  the area holds ${inBox.length} incidents, each a marker`);

  await dashboard.screenshot(run.args.screenshot);
  await server.stop('SIGTERM');
}

await runTest('big_situation_e2e', OVERALL_DEADLINE_MS, [bigSituation]);
