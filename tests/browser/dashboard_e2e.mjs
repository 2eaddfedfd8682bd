// End-to-end test of the bundled dashboard (client/dashboard) in headless
// Debian Chromium against a real sitrepd, updates published with the real
// `sitrep` CLI:
//
//   node dashboard_e2e.mjs --sitrepd=PATH --sitrep=PATH --screenshot=PNG
//                          [--chromium=/usr/bin/chromium]
// (lib/test_run.mjs)
//
// 1. Development mode (no access policy): published updates appear within a
//    second; the situation shows who leads an incident and its support; the mission
//    and municipality filters are applied by the server; after sitrepd is
//    killed and restarted on the same HTTP port and data directory the
//    indicator shows the reconnect, the stream resumes, and the table holds
//    every published update exactly once. The screenshot is taken here.
// 2. With an access policy: the page asks for a token, refuses a wrong one,
//    signs in with the right one, and after a restart (which ends every
//    session) signs in again by itself with the token it kept.
//
// Exits 0 when everything held, 1 with the reason otherwise. Every wait
// has a deadline; the whole run is bounded by OVERALL_DEADLINE_MS.
import fs from 'node:fs';
import path from 'node:path';
import { DashboardPage } from './lib/dashboard_page.mjs';
import { makeToken } from './lib/sitrepd.mjs';
import { LIVE_WITHIN_MS, SITUATION_WITHIN_MS, runTest } from './lib/test_run.mjs';

const OVERALL_DEADLINE_MS = 110_000;
const RECONNECT_WITHIN_MS = 20_000;

async function developmentMode(run) {
  const dataDir = path.join(run.workDir, 'data-dev');
  let server = await run.startServer({ dataDir });
  const browser = await run.openBrowser();
  const dashboard = new DashboardPage(browser.page);
  run.step(`sitrepd serves gRPC on ${server.grpcAddress}, HTTP on ${server.httpUrl}`);

  await browser.page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  const published = [];

  run.step('a KFOR update appears within a second');
  published.push(await run.publishAndExpectRow(dashboard, server, {
    mission: 'kfor', severity: 'severe', category: 'patrol', municipality: 'Zvecan',
    headline: 'KFOR patrol stopped at the Zvecan roundabout',
  }));
  published.push(await run.publishAndExpectRow(dashboard, server, {
    mission: 'eulex', severity: 'minor', category: 'diplomatic', municipality: 'Prishtina',
    headline: 'EULEX meets the Pristina prosecutor',
  }));

  run.step('the situation shows who leads an incident and its support');
  const incident = 'e2e-rudare-1';
  for (const fields of [
    { mission: 'kp', kind: 'new', severity: 'moderate', headline: 'Road blocked by trucks at Rudare' },
    { mission: 'kp', kind: 'request-support', severity: 'severe', headline: 'KP request EULEX support at Rudare' },
    { mission: 'eulex', kind: 'acknowledge', severity: 'severe', headline: 'EULEX FPU deploying to Rudare' },
  ]) {
    published.push(await run.publishAndExpectRow(dashboard, server, {
      ...fields, category: 'freedom-of-movement', municipality: 'Zveçan', place: 'Rudare', incident,
    }));
  }
  // The acknowledgement does not move the lead: the Kosovo Police still leads.
  await dashboard.expectIncident({ municipality: 'zvecan', incident, tier: 1, support: 'KP → EULEX acknowledged' },
    SITUATION_WITHIN_MS);

  run.step('the mission filter is applied by the server');
  await dashboard.applyFilter(() => dashboard.checkMission('KFOR'), 'filter.missions=MISSION_KFOR');
  await dashboard.expectOnlyMissions(['MISSION_KFOR'], LIVE_WITHIN_MS);
  await run.publish(server, {
    mission: 'eulex', severity: 'severe', category: 'patrol', municipality: 'Zvecan',
    headline: 'EULEX patrol the KFOR view must not show',
  }).then((sequence) => published.push(sequence));
  published.push(await run.publishAndExpectRow(dashboard, server, {
    mission: 'kfor', severity: 'moderate', category: 'patrol', municipality: 'Leposaviq',
    headline: 'KFOR patrol at Jarinje',
  }));
  // The stream is in sequence order: the EULEX update came first, so it
  // would be on screen by now if the server had sent it.
  await dashboard.expectNoRow('EULEX patrol the KFOR view must not show');
  await dashboard.expectOnlyMissions(['MISSION_KFOR'], 0);

  run.step('the municipality filter takes any spelling');
  await dashboard.applyFilter(async () => {
    await dashboard.clearFilters();
    await dashboard.setMunicipalities('Zveçan');
  }, 'filter.municipalities=Zve%C3%A7an');
  await dashboard.expectOnlyMunicipalities(['zvecan'], LIVE_WITHIN_MS);

  run.step('clearing the filters shows everything again');
  await dashboard.applyFilter(() => dashboard.clearFilters(), null);
  await dashboard.expectRowSequences(published, LIVE_WITHIN_MS);

  run.step('sitrepd is killed: the indicator shows the outage');
  const httpPort = server.httpPort;
  await server.stop('SIGKILL');
  await dashboard.expectState('reconnecting', RECONNECT_WITHIN_MS);

  run.step(`sitrepd restarts on the same HTTP port ${httpPort} and data directory: the stream resumes`);
  server = await run.startServer({ dataDir, httpPort });
  await dashboard.expectState('live', RECONNECT_WITHIN_MS);
  await dashboard.expectReconnects(1);
  published.push(await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', severity: 'extreme', category: 'civil-disturbance', municipality: 'Mitrovica North',
    place: 'Main bridge', headline: 'Crowd gathering at the main bridge after the restart',
  }));
  await dashboard.expectRowSequences(published, 0);
  await dashboard.expectCursorAtLeast(published.at(-1));

  run.step('one click switches every time shown between UTC and local');
  await dashboard.toggleTimeZone('local', LIVE_WITHIN_MS);
  await dashboard.toggleTimeZone('utc', LIVE_WITHIN_MS);

  run.step(`screenshot: ${run.args.screenshot}`);
  await dashboard.screenshot(run.args.screenshot);
  await server.stop('SIGTERM');
}

async function withAccessPolicy(run) {
  const { token, sha256 } = await makeToken(run.args.sitrepd);
  const authFile = path.join(run.workDir, 'policy.json');
  fs.writeFileSync(authFile, JSON.stringify({
    principals: [{ name: 'duty-desk', tokenSha256: [sha256], publish: ['*'], read: ['*'] }],
  }));
  const dataDir = path.join(run.workDir, 'data-auth');
  let server = await run.startServer({ dataDir, authFile });
  const browser = await run.openBrowser();
  const dashboard = new DashboardPage(browser.page);

  run.step('with an access policy the page asks for a token');
  await browser.page.goto(server.httpUrl);
  await dashboard.expectState('signed-out', LIVE_WITHIN_MS);
  await dashboard.signIn('sitrep_not-a-valid-token');
  await dashboard.expectLoginError(LIVE_WITHIN_MS);
  await dashboard.signIn(token);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  await dashboard.expectSessionCookie();
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kp', severity: 'moderate', category: 'public-order', municipality: 'Gjilan',
    headline: 'Signed-in view shows this',
  }, { token });

  run.step('after a restart (sessions are gone) the page signs in again by itself');
  const httpPort = server.httpPort;
  await server.stop('SIGTERM');
  await dashboard.expectState('reconnecting', RECONNECT_WITHIN_MS);
  server = await run.startServer({ dataDir, authFile, httpPort });
  await dashboard.expectState('live', RECONNECT_WITHIN_MS);
  await dashboard.expectReconnects(1);
  await dashboard.expectLoginHidden();
  await run.publishAndExpectRow(dashboard, server, {
    mission: 'kfor', severity: 'minor', category: 'patrol', municipality: 'Zubin Potok',
    headline: 'Shown after signing in again by itself',
  }, { token });
}

await runTest('dashboard_e2e', OVERALL_DEADLINE_MS, [developmentMode, withAccessPolicy]);
