// End-to-end test of the bundled dashboard (client/dashboard) in headless
// Debian Chromium against a real sitrepd, updates published with the real
// `sitrep` CLI:
//
//   node dashboard_e2e.mjs --sitrepd=PATH --sitrep=PATH --screenshot=PNG
//                          [--chromium=/usr/bin/chromium]
//
// 1. Development mode (no access policy): published updates appear within a
//    second; the situation shows an incident's tier and support; the mission
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
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from './lib/chromium.mjs';
import { DashboardPage } from './lib/dashboard_page.mjs';
import { Sitrepd, makeToken, publish } from './lib/sitrepd.mjs';

const OVERALL_DEADLINE_MS = 110_000;
// What the dashboard promises: a published update is on screen this fast.
const SHOWN_WITHIN_MS = 1_000;
// Generous bounds for everything that involves starting processes.
const LIVE_WITHIN_MS = 15_000;
const RECONNECT_WITHIN_MS = 20_000;
// The situation is refreshed at most every 2 s after an update.
const SITUATION_WITHIN_MS = 5_000;

const { values: args } = parseArgs({
  options: {
    sitrepd: { type: 'string' },
    sitrep: { type: 'string' },
    screenshot: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

class TestRun {
  constructor() {
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-dashboard-e2e-'));
    this.servers = [];
    this.browsers = [];
  }

  step(text) {
    console.log(`dashboard_e2e: ${text}`);
  }

  async startServer(serverOptions) {
    const server = await Sitrepd.start({ binary: args.sitrepd, workDir: this.workDir, ...serverOptions });
    this.servers.push(server);
    return server;
  }

  async openBrowser() {
    const browser = await launchBrowser(args.chromium);
    this.browsers.push(browser);
    return browser;
  }

  publish(server, fields, publishOptions) {
    return publish(args.sitrep, server, fields, publishOptions);
  }

  // Publishes, then requires the update on screen within SHOWN_WITHIN_MS of
  // the CLI's acknowledgement.
  async publishAndExpectRow(dashboard, server, fields, publishOptions) {
    const sequence = await this.publish(server, fields, publishOptions);
    const acknowledged = performance.now();
    await dashboard.expectRow(fields.headline, SHOWN_WITHIN_MS,
      `update ${sequence} ("${fields.headline}") not shown within ${SHOWN_WITHIN_MS} ms of its publish`);
    this.step(`  update ${sequence} shown ${Math.round(performance.now() - acknowledged)} ms after its publish`);
    return sequence;
  }

  async cleanUp() {
    for (const browser of this.browsers) await browser.close();
    for (const server of this.servers) await server.stop('SIGKILL').catch(() => {});
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

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

  run.step('the situation shows the tier an incident reached and its support');
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
  await dashboard.expectIncident({ municipality: 'zvecan', incident, tier: 2, support: 'support acknowledged' },
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

  run.step(`screenshot: ${args.screenshot}`);
  await dashboard.screenshot(args.screenshot);
  await server.stop('SIGTERM');
}

async function withAccessPolicy(run) {
  const { token, sha256 } = await makeToken(args.sitrepd);
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

async function main() {
  for (const name of ['sitrepd', 'sitrep', 'screenshot']) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  const run = new TestRun();
  // However the process ends, no sitrepd outlives it (Playwright closes
  // Chromium by itself).
  process.on('exit', () => {
    for (const server of run.servers) server.killNow();
    fs.rmSync(run.workDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`dashboard_e2e: FAILED: stopped by ${signal}`);
      process.exit(1);
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`dashboard_e2e: FAILED: still running after ${OVERALL_DEADLINE_MS / 1000} s`);
    process.exit(1);
  }, OVERALL_DEADLINE_MS);
  try {
    await developmentMode(run);
    await withAccessPolicy(run);
    for (const each of run.browsers) failOnPageErrors(each);
    console.log('dashboard_e2e: 2 passed, 0 failed');
  } catch (error) {
    await reportFailure(run, run.browsers.at(-1), error);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await run.cleanUp();
  }
}

function failOnPageErrors(browser) {
  if (browser.pageErrors.length > 0) {
    throw new Error(`the page threw:\n${browser.pageErrors.join('\n')}`);
  }
}

// The reason, what the page logged, the server's log, and a screenshot of
// the failing state next to the requested one.
async function reportFailure(run, browser, error) {
  console.error(`dashboard_e2e: FAILED: ${error.message}`);
  if (browser) {
    if (browser.pageErrors.length) console.error(`page errors:\n${browser.pageErrors.join('\n')}`);
    console.error(`page console (last 30):\n${browser.console.slice(-30).join('\n')}`);
    const failureShot = args.screenshot.replace(/(\.png)?$/, '-failure.png');
    await browser.page.screenshot({ path: failureShot }).then(
      () => console.error(`screenshot of the failure: ${failureShot}`), () => {});
  }
  const server = run.servers.at(-1);
  if (server) console.error(`sitrepd log (last lines):\n${server.logTail()}`);
}

await main();
