// The dashboard's screenshots in docs/, from a real sitrepd fed by the demo:
//   docs/dashboard-1024x768.png    the dashboard at 1024x768
//   docs/dashboard-1920x1080.png   wall mode (?wall=1) at 1920x1080
//   docs/dashboard-time-travel.png the situation at a past moment, 1024x768
//
//   node tests/browser/screenshots.mjs --sitrepd=PATH --sitrep=PATH
//        [--out=docs] [--chromium=/usr/bin/chromium]
// (`make screenshots` runs it with the build's binaries.) The demo's seed is
// fixed, so the picture is the same kind from run to run (not the same
// pixels: times and sequences differ).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from './lib/chromium.mjs';
import { DashboardPage } from './lib/dashboard_page.mjs';
import { DemoFeed } from './lib/demo_feed.mjs';
import { Sitrepd } from './lib/sitrepd.mjs';

const FEED_WITHIN_MS = 60_000;
const LIVE_WITHIN_MS = 15_000;
const DEADLINE_MS = 150_000;

const { values: args } = parseArgs({
  options: {
    sitrepd: { type: 'string' },
    sitrep: { type: 'string' },
    out: { type: 'string', default: path.join(path.dirname(new URL(import.meta.url).pathname), '../../docs') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
for (const name of ['sitrepd', 'sitrep']) {
  if (!args[name]) throw new Error(`--${name} is required`);
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-screenshots-'));
let server = null;
let demo = null;
let browser = null;
const watchdog = setTimeout(() => {
  console.error(`screenshots: still running after ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}, DEADLINE_MS);

try {
  server = await Sitrepd.start({ binary: args.sitrepd, workDir, dataDir: path.join(workDir, 'data') });
  demo = DemoFeed.start(args.sitrep, server, workDir, [
    '--rate', '8', '--step-every', '1500ms', '--incident-every', '1s', '--expiry', '2h', '--seed', '42',
  ]);
  console.log('screenshots: waiting for the demo to open incidents across the chain');
  await demo.waitFor('8 open incidents, one led by EULEX or KFOR, one waiting for support', (situation, head) => {
    const incidents = situation.incidents ?? [];
    const escalated = incidents.some((incident) => incident.lead?.mission && incident.lead.mission !== 'MISSION_KOSOVO_POLICE');
    const waiting = incidents.some((incident) => (incident.supportRequests ?? []).some((r) => r.state === 'STATE_OPEN'));
    return incidents.length >= 8 && escalated && waiting && head >= 120n;
  }, FEED_WITHIN_MS);
  await demo.kill();

  browser = await launchBrowser(args.chromium);
  const { page } = browser;
  const dashboard = new DashboardPage(page);
  fs.mkdirSync(args.out, { recursive: true });

  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  await dashboard.rows.first().waitFor({ timeout: LIVE_WITHIN_MS });
  await page.locator('#situation li.incident').first().waitFor({ timeout: LIVE_WITHIN_MS });
  const small = path.join(args.out, 'dashboard-1024x768.png');
  await page.screenshot({ path: small });
  console.log(`screenshots: ${small} (layout: ${await page.evaluate(() => window.sitrep.layoutOverflow().join('; ') || 'nothing cut')})`);

  // A third of the way back, a support request still waiting there.
  const head = BigInt(await page.getAttribute('#cursor', 'data-cursor'));
  await page.locator('#time-slider').fill(String((head * 2n) / 3n));
  await page.locator('#time-travel[data-mode="past"]').waitFor({ state: 'attached', timeout: LIVE_WITHIN_MS });
  await page.locator('#situation li.incident').first().waitFor({ timeout: LIVE_WITHIN_MS });
  const past = path.join(args.out, 'dashboard-time-travel.png');
  await page.screenshot({ path: past });
  console.log(`screenshots: ${past}`);

  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(`${server.httpUrl}?wall=1`);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  await page.locator('#situation li.incident').first().waitFor({ timeout: LIVE_WITHIN_MS });
  await dashboard.rows.first().waitFor({ timeout: LIVE_WITHIN_MS });
  const wall = path.join(args.out, 'dashboard-1920x1080.png');
  await page.screenshot({ path: wall });
  console.log(`screenshots: ${wall}`);
} catch (error) {
  console.error(`screenshots: FAILED: ${error.message}`);
  if (server) console.error(`sitrepd log:\n${server.logTail()}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await demo?.kill();
  await browser?.close();
  await server?.stop('SIGTERM').catch(() => server.killNow());
  fs.rmSync(workDir, { recursive: true, force: true });
}
