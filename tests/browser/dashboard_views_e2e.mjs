// End-to-end test of the dashboard's views (client/dashboard: time-travel.js,
// layout-check.js, wall-mode.js, attention.js) in headless Debian Chromium
// against a real sitrepd fed by the real `sitrep demo`:
//
//   node dashboard_views_e2e.mjs --sitrepd=PATH --sitrep=PATH --screenshot=PNG
//                                [--chromium=/usr/bin/chromium]
// (lib/test_run.mjs)
//
// 1. Time travel, while the demo publishes: a point of the slider shows the
//    situation GetSituation answers for that as_of_sequence, incident by
//    incident (the test asks the server itself), on the map too; the live
//    updates are held (the banner counts them, the view does not change);
//    an incident opened there tells its story up to that point ("as of
//    #N"); an area set there goes with the as_of requests; one step forward
//    shows the next point; Live shows every update exactly once. A date and
//    time shows the server's as_of answer; a replay walks up to now and
//    returns to live by itself, again without a loss.
// 2. A link with ?as_of_sequence=N opens that point. The zone toggle
//    changes every time displayed, in the past view too, and in an
//    incident's story (the page's zone is Europe/Belgrade, so local is not
//    UTC).
// 3. At 1024x768 nothing scrolls sideways and no cell that matters is cut
//    (the page's own check, layout-check.js), live and in the past; nor at
//    1280x800, 1366x768 and 1920x1080.
// 4. Wall mode at 1920x1080: large type, no controls, the map (filling its
//    half, every incident of the situation, large markers, the legend
//    without the drag hint) and the situation side by side, the time now in
//    the header; the header's button and Escape switch it.
// 5. Attention: with notifications allowed in the browser, the opt-in shows
//    a notification for a severe update and none for a minor one; a support
//    request's timer turns red past the threshold the user sets (0 min), and
//    both choices are kept across a reload.
import { getJson } from './lib/demo_feed.mjs';
import { DashboardPage } from './lib/dashboard_page.mjs';
import {
  LIVE_WITHIN_MS, SITUATION_WITHIN_MS, runTest,
} from './lib/test_run.mjs';
import path from 'node:path';

const OVERALL_DEADLINE_MS = 115_000;
const FEED_WITHIN_MS = 30_000;
const REPLAY_WITHIN_MS = 30_000;
const ZONE = 'Europe/Belgrade';

// Shared by the phases: one server, its demo feed stopped after phase 1.
let server = null;

async function timeTravel(run) {
  server = await run.startServer({ dataDir: path.join(run.workDir, 'data') });
  const demo = run.startDemo(server, [
    '--rate', '10', '--step-every', '400ms', '--incident-every', '500ms', '--expiry', '2h', '--seed', '7',
  ]);
  await demo.waitFor('60 updates and 3 open incidents',
    (situation, head) => head >= 60n && (situation.incidents ?? []).length >= 3, FEED_WITHIN_MS);
  const browser = await run.openBrowser({ timezoneId: ZONE });
  const { page } = browser;
  const dashboard = new DashboardPage(page);
  await page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);

  const head = BigInt((await getJson(server, '/v1/updates?page_size=1&descending=true')).headSequence);
  const point = String(head / 2n);
  run.step(`the slider shows the situation at sequence ${point}, as GetSituation(as_of_sequence) answers it`);
  await page.locator('#time-slider').fill(point);
  await expectPastAt(dashboard, point);
  await expectSameSituation(dashboard, server, `as_of_sequence=${point}`);
  await expectTableUpTo(dashboard, point);
  if (new URL(page.url()).searchParams.get('as_of_sequence') !== point) {
    throw new Error(`the URL does not name the point shown: ${page.url()}`);
  }

  run.step('while the past is shown, the live updates are held, counted, and change nothing');
  await dashboard.waitForCondition(() => Number(document.getElementById('time-banner').dataset.held) >= 5,
    null, FEED_WITHIN_MS, async () => `the banner does not count the held updates: "${await bannerText(page)}"`);
  if (!/live paused, \d+ updates since/.test(await bannerText(page))) {
    throw new Error(`the banner should say the live view is paused: "${await bannerText(page)}"`);
  }
  await expectSameSituation(dashboard, server, `as_of_sequence=${point}`);
  await expectTableUpTo(dashboard, point);

  run.step('the map shows the past too: its markers are the incidents of the as_of answer');
  await expectSameMap(dashboard, server, `as_of_sequence=${point}`);

  run.step('an incident opened in the past tells its story up to the moment shown');
  await expectStoryAsOf(dashboard, server, point);

  run.step('an area picked in the past goes with the as_of requests');
  await expectAreaInThePast(dashboard, server, point);

  run.step('one step forward shows the next point');
  await page.locator('#time-travel [name="time-forward"]').click();
  const next = await dashboard.waitForCondition((from) => {
    const shown = document.getElementById('time-travel').dataset.sequence;
    return shown && BigInt(shown) > BigInt(from);
  }, point, SITUATION_WITHIN_MS, async () => 'the step forward did not move the point')
    .then(() => page.getAttribute('#time-travel', 'data-sequence'));
  await waitForSituationAt(dashboard, next);
  await expectSameSituation(dashboard, server, `as_of_sequence=${next}`);

  run.step('Live shows every update once, those held included');
  await page.locator('#time-travel [name="time-live"]').click();
  await dashboard.page.locator('body[data-time-mode="live"]').waitFor({ timeout: LIVE_WITHIN_MS });
  await demo.kill();
  await expectEveryUpdateOnce(dashboard, server);

  run.step('a date and time (UTC) shows the server\'s as_of answer');
  const all = (await getJson(server, '/v1/updates?page_size=1000')).updates;
  // As the input shows times: "2026-12-06 14:05:30" on the header's clock (UTC).
  const at = all[Math.floor((all.length * 4) / 5)].receivedAt.slice(0, 19);
  await page.locator('#time-at').fill(at.replace('T', ' '));
  await page.locator('#time-travel button[type="submit"]').click();
  const answer = await getJson(server, `/v1/situation?as_of=${at}Z`);
  await expectPastAt(dashboard, answer.sequence);
  await expectSameSituation(dashboard, server, `as_of=${at}Z`);

  run.step('a replay walks up to now and returns to live by itself');
  await page.locator('#time-travel [name="time-speed"]').selectOption('100');
  await page.locator('#time-travel [name="time-play"]').click();
  await dashboard.waitOrExplain(page.locator('body[data-time-mode="live"]').waitFor({ timeout: REPLAY_WITHIN_MS }),
    async () => `the replay did not reach now within ${REPLAY_WITHIN_MS} ms: "${await bannerText(page)}"`);
  await expectEveryUpdateOnce(dashboard, server);
  await dashboard.screenshot(run.args.screenshot);
  run.page = page;
}

async function zoneToggle(run) {
  const { page } = run;
  const dashboard = new DashboardPage(page);
  const point = String(BigInt((await getJson(server, '/v1/updates?page_size=1&descending=true')).headSequence) / 3n);
  run.step(`a link with ?as_of_sequence=${point} opens the picture at that point`);
  await page.goto(`${server.httpUrl}?as_of_sequence=${point}`);
  await expectPastAt(dashboard, point);
  await expectSameSituation(dashboard, server, `as_of_sequence=${point}`);
  run.step('the zone toggle changes every time displayed, the past view\'s too');
  await expectTimesIn(dashboard, 'utc');
  const utcInput = await page.inputValue('#time-at');
  await page.locator('#time-zone').click();
  await expectTimesIn(dashboard, 'local');
  const localInput = await page.inputValue('#time-at');
  const asUtc = (value) => Date.parse(`${value.replace(' ', 'T')}Z`);
  const shift = (asUtc(localInput) - asUtc(utcInput)) / 3_600_000;
  if (![1, 2].includes(shift)) {
    throw new Error(`the time input should move to ${ZONE} time: ${utcInput} (UTC) became ${localInput}`);
  }
  await expectIncidentTimesIn(dashboard, 'local');
  await page.locator('#time-zone').click();
  await expectTimesIn(dashboard, 'utc');
  await expectIncidentTimesIn(dashboard, 'utc');
}

// An incident's story (a modal: the header's toggle is behind it) shows
// its times on the clock chosen too.
async function expectIncidentTimesIn(dashboard, zone) {
  const card = dashboard.page.locator('#situation li.incident').first();
  const incident = await card.getAttribute('data-incident-id');
  await card.locator('.incident-open').click();
  await dashboard.expectIncidentView(incident, SITUATION_WITHIN_MS);
  await dashboard.waitForCondition((wanted) => {
    const times = document.querySelector('#incident-view [data-body]').textContent
      .match(/\b\d{2}:\d{2}(:\d{2})?Z?/g) ?? [];
    return times.length > 0 && times.every((time) => time.endsWith('Z') === (wanted === 'utc'));
  }, zone, SITUATION_WITHIN_MS, async () => `the incident's story is not all ${zone}: `
    + `${(await dashboard.page.locator('#incident-view [data-body]').innerText()).replaceAll('\n', ' | ')}`);
  await dashboard.page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(SITUATION_WITHIN_MS);
}

async function layoutAt1024(run) {
  const { page } = run;
  const dashboard = new DashboardPage(page);
  await page.setViewportSize({ width: 1024, height: 768 });
  run.step('at 1024x768, in the past view, nothing is cut or scrolls sideways');
  await expectNoOverflow(dashboard);
  run.step('at 1024x768, live, nothing is cut or scrolls sideways; the headline keeps room');
  await page.locator('#time-travel [name="time-live"]').click();
  await page.locator('body[data-time-mode="live"]').waitFor({ timeout: LIVE_WITHIN_MS });
  await expectNoOverflow(dashboard);
  const headline = await dashboard.rows.first().locator('.col-update').evaluate((cell) => cell.clientWidth);
  if (headline < 150) throw new Error(`the headline column is only ${headline} px wide at 1024x768`);
  for (const [width, height] of [[1280, 800], [1366, 768], [1920, 1080]]) {
    run.step(`at ${width}x${height} nothing is cut or scrolls sideways either`);
    await page.setViewportSize({ width, height });
    await expectNoOverflow(dashboard);
  }
}

async function wallMode(run) {
  const { page } = run;
  const dashboard = new DashboardPage(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  run.step('the header\'s button switches to wall mode and Escape leaves it');
  await page.locator('#wall-toggle').click();
  await page.locator('html.wall').waitFor({ state: 'attached', timeout: LIVE_WITHIN_MS });
  if (!page.url().includes('wall=1')) throw new Error(`wall mode is not in the URL: ${page.url()}`);
  await page.keyboard.press('Escape');
  await page.locator('html:not(.wall)').waitFor({ state: 'attached', timeout: LIVE_WITHIN_MS });

  run.step('?wall=1 at 1920x1080: large type, no controls, map and situation side by side');
  await page.goto(`${server.httpUrl}?wall=1`);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  await page.locator('#situation li.incident').first().waitFor({ timeout: LIVE_WITHIN_MS });
  const wall = await page.evaluate(() => {
    const box = (selector) => document.querySelector(selector)?.getBoundingClientRect();
    const visible = (node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== 'hidden';
    // The cards and rows open an incident's story: content, not controls.
    const controls = [...document.querySelectorAll('button, input, select, textarea, summary')]
      .filter((node) => !node.closest('dialog, #situation, #updates') && visible(node))
      .map((node) => node.outerHTML.slice(0, 80));
    return {
      controls,
      fontSize: parseFloat(getComputedStyle(document.documentElement).fontSize),
      map: box('#map-panel'),
      outline: box('#map-panel .map-outline'),
      markers: [...document.querySelectorAll('#map-panel .map-marker')].map((marker) => ({
        id: marker.dataset.incidentId, size: marker.querySelector('.map-shape').getBoundingClientRect().width,
      })),
      legend: visible(document.querySelector('#map-panel .map-hint'))
        ? parseFloat(getComputedStyle(document.querySelector('#map-panel .map-hint')).fontSize) : 0,
      dragHint: visible(document.querySelector('#map-panel .map-drag-hint')),
      updates: box('.updates-panel'),
      situation: box('.situation-panel'),
      overflow: window.sitrep.layoutOverflow(),
      clock: document.getElementById('wall-clock').textContent,
    };
  });
  if (!/^\d{2}:\d{2}:\d{2}Z$/.test(wall.clock)) throw new Error(`wall mode's clock shows "${wall.clock}"`);
  if (wall.controls.length > 0) throw new Error(`wall mode shows controls: ${wall.controls.join(', ')}`);
  if (!(wall.fontSize >= 18)) throw new Error(`wall mode's type is ${wall.fontSize} px, not large`);
  const { map, situation } = wall;
  if (!map || !situation || map.width < 400 || situation.width < 400
    || map.right > situation.left || map.bottom < situation.top || situation.bottom < map.top) {
    throw new Error(`the map and the situation are not side by side: map ${JSON.stringify(map)}, `
      + `situation ${JSON.stringify(situation)}`);
  }
  if (wall.overflow.length > 0) throw new Error(`wall mode overflows: ${wall.overflow.join('; ')}`);

  run.step('wall mode\'s map fills its half: the real map, every incident, large markers, a legend, no drag hint');
  const { outline, updates, markers } = wall;
  // The map's panel is as high as the situation and the updates together;
  // Kosovo's outline spans its height or width, less a heading, the legend
  // and a margin.
  if (!outline || !updates || Math.abs(map.top - situation.top) > 2 || Math.abs(map.bottom - updates.bottom) > 2
    || (outline.height < 0.7 * map.height && outline.width < 0.7 * map.width)) {
    throw new Error(`wall mode's map does not fill its half: Kosovo ${JSON.stringify(outline)} in its panel `
      + `${JSON.stringify(map)}, beside the situation ${JSON.stringify(situation)} and the updates `
      + `${JSON.stringify(updates)}`);
  }
  await expectSameMap(dashboard, server, '');
  const smallest = Math.min(...markers.map((marker) => marker.size));
  if (markers.length === 0 || !(smallest >= 24)) {
    throw new Error(`wall mode's markers are not large: ${JSON.stringify(markers)}`);
  }
  if (!(wall.legend >= 16) || wall.dragHint) {
    throw new Error(`wall mode's legend should be readable (${wall.legend} px) and without the drag hint `
      + `(${wall.dragHint ? 'shown' : 'hidden'})`);
  }
}

async function attention(run) {
  const browser = await run.openBrowser({ timezoneId: ZONE });
  const { page, context } = browser;
  await context.grantPermissions(['notifications'], { origin: new URL(server.httpUrl).origin });
  // Records every notification the page shows (the real one is shown too).
  await page.addInitScript(() => {
    const Real = window.Notification;
    window.shownNotifications = [];
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        window.shownNotifications.push({ title, body: options?.body ?? '' });
      }
    };
  });
  const dashboard = new DashboardPage(page);
  await page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);

  run.step('the attention opt-in shows a notification for a severe update, none for a minor one');
  await page.locator('#attention summary').click();
  await page.locator('#attention-notify').check();
  await page.locator('#attention-sound').check();
  await page.locator('#attention[data-on="true"]').waitFor({ state: 'attached', timeout: LIVE_WITHIN_MS });
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', severity: 'minor', category: 'patrol', municipality: 'Gjilan',
    headline: 'Quiet patrol in Gjilan',
  });
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', kind: 'new', severity: 'severe', category: 'civil-disturbance', municipality: 'Zvecan',
    incident: 'views-alert-1', headline: 'Crowd blocks the road at Zvecan',
  });
  await dashboard.waitForCondition(() => window.shownNotifications.length >= 1, null, SITUATION_WITHIN_MS,
    async () => `no notification within ${SITUATION_WITHIN_MS} ms of the severe update: `
      + `${JSON.stringify(await page.evaluate(() => ({
        permission: Notification.permission,
        attention: { ...document.getElementById('attention').dataset },
        notify: document.getElementById('attention-notify').checked,
        shown: window.shownNotifications,
      })))}`);
  const shown = await page.evaluate(() => window.shownNotifications);
  if (shown.length !== 1 || shown[0].body !== 'Crowd blocks the road at Zvecan' || !shown[0].title.startsWith('Severe')) {
    throw new Error(`expected one notification, of the severe update: ${JSON.stringify(shown)}`);
  }
  if (Number(await page.getAttribute('#attention', 'data-rang')) < 1) {
    throw new Error('the sound did not ring for the severe update');
  }

  run.step('a support request\'s timer turns red past the threshold the user sets');
  await run.publish(server, {
    mission: 'kp', kind: 'request-support', severity: 'severe', category: 'civil-disturbance',
    municipality: 'Zvecan', incident: 'views-alert-1', headline: 'KP asks EULEX for support at Zvecan',
  });
  const timer = page.locator('#situation li.incident[data-incident-id="views-alert-1"] .waiting-timer');
  await timer.waitFor({ timeout: SITUATION_WITHIN_MS });
  if (await timer.getAttribute('data-late') !== 'false') throw new Error('a fresh request is red at 15 min');
  await page.locator('#attention-late').fill('0');
  await page.locator('#attention-late').dispatchEvent('change');
  await dashboard.waitOrExplain(
    page.locator('#situation li.incident[data-incident-id="views-alert-1"] .waiting-timer.late[data-late="true"]')
      .waitFor({ timeout: SITUATION_WITHIN_MS }),
    async () => 'the timer did not turn red with a threshold of 0 min');
  const colour = await timer.evaluate((node) => getComputedStyle(node).color);
  const bad = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bad').trim());
  if (!sameColour(colour, bad)) throw new Error(`the late timer is ${colour}, not red (${bad})`);

  run.step('the choices are kept across a reload');
  await page.reload();
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  const kept = await page.evaluate(() => ({
    notify: document.getElementById('attention-notify').checked,
    sound: document.getElementById('attention-sound').checked,
    late: document.getElementById('attention-late').value,
  }));
  if (!kept.notify || !kept.sound || kept.late !== '0') {
    throw new Error(`the attention choices were not kept: ${JSON.stringify(kept)}`);
  }
  await page.locator('#situation li.incident[data-incident-id="views-alert-1"] .waiting-timer.late')
    .waitFor({ timeout: SITUATION_WITHIN_MS });
}

// The time control shows `sequence` in the past, with the banner.
async function expectPastAt(dashboard, sequence) {
  const { page } = dashboard;
  await dashboard.waitOrExplain(
    page.locator(`#time-travel[data-mode="past"][data-sequence="${sequence}"]`).waitFor({ state: 'attached', timeout: SITUATION_WITHIN_MS }),
    async () => `the time control does not show sequence ${sequence}: mode `
      + `${await page.getAttribute('#time-travel', 'data-mode')}, sequence `
      + `${await page.getAttribute('#time-travel', 'data-sequence')}; notice "${await page.locator('#notice').innerText()}"`);
  await waitForSituationAt(dashboard, sequence);
  if (!(await page.locator('#time-banner').isVisible())) throw new Error('no banner in the past view');
}

async function waitForSituationAt(dashboard, sequence) {
  await dashboard.waitOrExplain(
    dashboard.page.locator(`#situation[data-sequence="${sequence}"]`).waitFor({ state: 'attached', timeout: SITUATION_WITHIN_MS }),
    async () => `the situation shown is not the one at ${sequence}: `
      + `${await dashboard.page.getAttribute('#situation', 'data-sequence')}`);
}

// The incidents shown are the server's answer for `query`, incident by
// incident: the same ids, each at the same latest update, version and lead;
// at once, or within `timeout` ms when given (the page is loading it).
async function expectSameSituation(dashboard, server, query, timeout = 0) {
  const answer = await getJson(server, `/v1/situation?${query}`);
  const expected = (answer.incidents ?? []).map((incident) => ({
    id: incident.incidentId,
    latest: incident.latest?.sequence ?? '',
    version: String(incident.version ?? ''),
    leadMission: incident.lead?.mission ?? '',
  })).sort(byId);
  const shownNow = async () => (await dashboard.page.locator('#situation li.incident').evaluateAll((cards) => cards.map((card) => ({
    id: card.dataset.incidentId,
    latest: card.dataset.latestSequence,
    version: card.dataset.version,
    leadMission: card.dataset.leadMission,
  })))).sort(byId);
  let shown = await shownNow();
  for (const deadline = Date.now() + timeout;
    JSON.stringify(shown) !== JSON.stringify(expected) && Date.now() < deadline;) {
    await new Promise((resolve) => { setTimeout(resolve, 100); });
    shown = await shownNow();
  }
  if (JSON.stringify(shown) !== JSON.stringify(expected)) {
    throw new Error(`the page's situation differs from GET /v1/situation?${query}:\n`
      + `  page:   ${JSON.stringify(shown)}\n  server: ${JSON.stringify(expected)}`);
  }
  if (expected.length === 0) throw new Error(`GET /v1/situation?${query} has no incidents: a weak check`);
}

// The map's markers are the incidents of GET /v1/situation?`query` that
// have a place (a point or a municipality), and no others.
async function expectSameMap(dashboard, server, query) {
  const answer = await getJson(server, `/v1/situation?${query}`);
  const expected = (answer.incidents ?? [])
    .filter((incident) => {
      const location = incident.location ?? incident.latest?.location ?? {};
      return location.point || location.municipality;
    })
    .map((incident) => incident.incidentId).sort();
  if (expected.length === 0) throw new Error(`GET /v1/situation?${query} has no incident with a place: a weak check`);
  await dashboard.waitForCondition((wanted) => {
    const shown = [...document.querySelectorAll('#map-panel .map-marker')].map((marker) => marker.dataset.incidentId);
    return shown.sort().join() === wanted.join();
  }, expected, SITUATION_WITHIN_MS, async () => `the map's markers differ from GET /v1/situation?${query}:\n`
    + `  map:    ${await dashboard.page.locator('#map-panel .map-marker').evaluateAll(
      (markers) => markers.map((marker) => marker.dataset.incidentId).sort().join(', '))}\n`
    + `  server: ${expected.join(', ')}`);
}

// Opens, from the past situation at `point`, an incident whose thread went
// on after it (the demo still runs: one is waited for), and checks that
// its story ends at `point`: exactly the thread's steps up to there, the
// update count as it stood then, "as of #point" said.
async function expectStoryAsOf(dashboard, server, point) {
  const past = (await getJson(server, `/v1/situation?as_of_sequence=${point}`)).incidents ?? [];
  let chosen = null;
  const deadline = Date.now() + FEED_WITHIN_MS;
  while (!chosen && Date.now() < deadline) {
    for (const incident of past) {
      const thread = await getJson(server, `/v1/incidents/${encodeURIComponent(incident.incidentId)}`);
      if ((thread.steps ?? []).some((step) => BigInt(step.update.sequence) > BigInt(point))) {
        chosen = { incident, thread };
        break;
      }
    }
    if (!chosen) await new Promise((resolve) => { setTimeout(resolve, 200); });
  }
  if (!chosen) throw new Error(`no incident of the situation at ${point} had an update after it`);
  const id = chosen.incident.incidentId;
  const expected = chosen.thread.steps.map((step) => step.update.sequence)
    .filter((sequence) => BigInt(sequence) <= BigInt(point));
  const { page } = dashboard;
  await page.locator(`#situation li.incident[data-incident-id="${id}"] .incident-open`).click();
  await dashboard.expectIncidentView(id, SITUATION_WITHIN_MS);
  const shown = (await dashboard.timelineSteps()).map((step) => step.sequence);
  const view = await page.evaluate(() => {
    const dialog = document.getElementById('incident-view');
    return {
      asOf: dialog.dataset.asOfSequence, title: dialog.querySelector('[data-title]').textContent,
      updates: [...dialog.querySelectorAll('.incident-summary dt')]
        .find((term) => term.textContent === 'Updates')?.nextElementSibling.textContent,
    };
  });
  if (shown.join() !== expected.join() || view.asOf !== point || !view.title.includes(`as of #${point}`)
    || view.updates !== String(chosen.incident.version)) {
    throw new Error(`the story of ${id} opened at ${point} should end there (steps ${expected.join(', ')}, `
      + `${chosen.incident.version} updates, "as of #${point}"); it shows steps ${shown.join(', ')}, `
      + `${view.updates} updates, as of ${view.asOf}, title "${view.title}"`);
  }
  await page.keyboard.press('Escape');
  await dashboard.expectIncidentViewClosed(SITUATION_WITHIN_MS);
}

// In the past view, an area (the map's bounding box, here through the
// page's fragment as a link would carry it) narrows the past situation and
// its map as the server's as_of answer with the same box does; cleared,
// the whole past picture is back, still at `point`.
async function expectAreaInThePast(dashboard, server, point) {
  const all = (await getJson(server, `/v1/situation?as_of_sequence=${point}`)).incidents ?? [];
  let area = null;
  for (const incident of all) {
    const at = incident.location?.point ?? incident.latest?.location?.point;
    if (!at) continue;
    const box = [at.latitude - 0.02, at.longitude - 0.02, at.latitude + 0.02, at.longitude + 0.02]
      .map((degrees) => degrees.toFixed(4));
    const query = `as_of_sequence=${point}&filter.bounding_box.min_latitude=${box[0]}`
      + `&filter.bounding_box.min_longitude=${box[1]}&filter.bounding_box.max_latitude=${box[2]}`
      + `&filter.bounding_box.max_longitude=${box[3]}`;
    const inside = (await getJson(server, `/v1/situation?${query}`)).incidents ?? [];
    if (inside.length > 0 && inside.length < all.length) {
      area = { fragment: `#area=${box.join(',')}`, query };
      break;
    }
  }
  if (!area) throw new Error(`no small area around an incident at ${point} holds some but not all of them`);
  const { page } = dashboard;
  await page.evaluate((fragment) => { location.hash = fragment; }, area.fragment);
  await expectSameSituation(dashboard, server, area.query, SITUATION_WITHIN_MS);
  await expectSameMap(dashboard, server, area.query);
  await expectPastAt(dashboard, point);
  await page.evaluate(() => { location.hash = ''; });
  await expectSameSituation(dashboard, server, `as_of_sequence=${point}`, SITUATION_WITHIN_MS);
  await expectSameMap(dashboard, server, `as_of_sequence=${point}`);
}

async function expectTableUpTo(dashboard, sequence) {
  const shown = await dashboard.rowAttributes('sequence');
  const beyond = shown.filter((each) => BigInt(each) > BigInt(sequence));
  if (shown.length === 0 || beyond.length > 0) {
    throw new Error(`the past table at ${sequence} shows ${shown.length} rows, these after it: ${beyond.join(', ')}`);
  }
}

// Once the cursor reached the head, the live table holds every update of
// the log, each once (the log is smaller than the table's capacity).
async function expectEveryUpdateOnce(dashboard, server) {
  const list = await getJson(server, '/v1/updates?page_size=1000');
  if (list.nextPageToken) throw new Error('the log outgrew one page: shorten the demo');
  const expected = list.updates.map((update) => update.sequence);
  await dashboard.expectCursorAtLeast(list.headSequence, LIVE_WITHIN_MS);
  await dashboard.waitForCondition((wanted) => {
    const held = window.sitrep.liveSequences();
    return held.length === wanted.length && new Set(held).size === held.length
      && wanted.every((sequence) => held.includes(sequence));
  }, expected, LIVE_WITHIN_MS, async () => {
    const held = await dashboard.page.evaluate(() => window.sitrep.liveSequences());
    const missing = expected.filter((sequence) => !held.includes(sequence));
    return `the live table holds ${held.length} updates (${new Set(held).size} distinct), the log ${expected.length}; `
      + `missing: ${missing.slice(0, 20).join(', ')}`;
  });
}

// Every time on the page (rows, situation, requests, banner) is UTC with a
// Z, or none is; the header says which.
async function expectTimesIn(dashboard, zone) {
  await dashboard.waitForCondition((wanted) => {
    const texts = [...document.querySelectorAll('#updates > tr[data-sequence] .time-text, #situation-summary, '
      + '#situation .incident-facts, #situation .request-state, #time-banner [data-text]')]
      .map((node) => node.textContent);
    const times = texts.flatMap((text) => text.match(/\b\d{2}:\d{2}(:\d{2})?Z?/g) ?? []);
    return times.length > 3 && times.every((time) => time.endsWith('Z') === (wanted === 'utc'))
      && document.getElementById('time-zone').dataset.zone === wanted;
  }, zone, LIVE_WITHIN_MS, async () => `not every time is ${zone}: `
    + `${(await dashboard.page.locator('#situation-summary, #time-banner').allInnerTexts()).join(' | ')}`);
}

async function expectNoOverflow(dashboard) {
  await dashboard.rows.first().waitFor({ timeout: LIVE_WITHIN_MS });
  await dashboard.waitForCondition(() => window.sitrep.layoutOverflow().length === 0, null, SITUATION_WITHIN_MS,
    async () => `the layout overflows: ${(await dashboard.page.evaluate(() => window.sitrep.layoutOverflow())).join('; ')}`);
  await dashboard.page.locator('html[data-overflow="none"]').waitFor({ state: 'attached', timeout: SITUATION_WITHIN_MS });
}

function bannerText(page) {
  return page.locator('#time-banner').innerText();
}

function byId(a, b) {
  return a.id.localeCompare(b.id);
}

// "rgb(197, 48, 48)" against "#c53030".
function sameColour(rgb, hex) {
  const parts = rgb.match(/\d+/g)?.slice(0, 3).map(Number) ?? [];
  const wanted = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  return parts.length === 3 && parts.every((value, index) => value === wanted[index]);
}

await runTest('dashboard_views_e2e', OVERALL_DEADLINE_MS, [
  timeTravel, zoneToggle, layoutAt1024, wallMode, attention,
]);
