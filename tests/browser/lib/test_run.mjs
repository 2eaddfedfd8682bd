// What every browser test shares: its command line, the sitrepd and
// browsers it started (and stops, whatever happens), a deadline on the whole
// run, and a failure report with the page's console, the server's log and a
// screenshot of the failing state.
//
//   node NAME.mjs --sitrepd=PATH --sitrep=PATH --screenshot=PNG
//                 [--chromium=/usr/bin/chromium]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from './chromium.mjs';
import { DemoFeed } from './demo_feed.mjs';
import { Sitrepd, publish, publishJson } from './sitrepd.mjs';
import { DashboardPage } from './dashboard_page.mjs';

// What the dashboard promises: a published update is on screen this fast.
export const SHOWN_WITHIN_MS = 1_000;
// Generous bounds for everything that involves starting processes.
export const LIVE_WITHIN_MS = 15_000;
// The situation is refreshed at most every 2 s after an update.
export const SITUATION_WITHIN_MS = 5_000;

export function parseTestArgs() {
  const { values: args } = parseArgs({
    options: {
      sitrepd: { type: 'string' },
      sitrep: { type: 'string' },
      screenshot: { type: 'string' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  });
  for (const name of ['sitrepd', 'sitrep', 'screenshot']) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  return args;
}

export class TestRun {
  constructor(name, args) {
    this.name = name;
    this.args = args;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `sitrep-${name}-`));
    this.servers = [];
    this.browsers = [];
    this.demos = [];
  }

  step(text) {
    console.log(`${this.name}: ${text}`);
  }

  async startServer(serverOptions) {
    const server = await Sitrepd.start({ binary: this.args.sitrepd, workDir: this.workDir, ...serverOptions });
    this.servers.push(server);
    return server;
  }

  // `sitrep demo` publishing to `server` (lib/demo_feed.mjs) until killed.
  startDemo(server, demoArgs) {
    const demo = DemoFeed.start(this.args.sitrep, server, this.workDir, demoArgs);
    this.demos.push(demo);
    return demo;
  }

  async openBrowser(contextOptions) {
    const browser = await launchBrowser(this.args.chromium, contextOptions);
    this.browsers.push(browser);
    return browser;
  }

  publish(server, fields, publishOptions) {
    return publish(this.args.sitrep, server, fields, publishOptions);
  }

  publishJson(server, update, publishOptions) {
    return publishJson(this.args.sitrep, server, update, publishOptions);
  }

  // Publishes, then requires the update on screen within SHOWN_WITHIN_MS of
  // the CLI's acknowledgement.
  async publishAndExpectRow(dashboard, server, fields, publishOptions) {
    const sequence = await this.publish(server, fields, publishOptions);
    await this.expectShown(dashboard, sequence, fields.headline);
    return sequence;
  }

  async expectShown(dashboard, sequence, headline) {
    const acknowledged = performance.now();
    await dashboard.expectRow(headline, SHOWN_WITHIN_MS,
      `update ${sequence} ("${headline}") not shown within ${SHOWN_WITHIN_MS} ms of its publish`);
    this.step(`  update ${sequence} shown ${Math.round(performance.now() - acknowledged)} ms after its publish`);
  }

  async cleanUp() {
    for (const demo of this.demos) await demo.kill();
    for (const browser of this.browsers) await browser.close();
    for (const server of this.servers) await server.stop('SIGKILL').catch(() => {});
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

// Runs `phases` (async functions of the TestRun) in order, within
// `deadlineMs`; exits 0 when all held, 1 with the reason otherwise.
export async function runTest(name, deadlineMs, phases) {
  const run = new TestRun(name, parseTestArgs());
  // However the process ends, no sitrepd outlives it (Playwright closes
  // Chromium by itself).
  process.on('exit', () => {
    for (const demo of run.demos) demo.killNow();
    for (const server of run.servers) server.killNow();
    fs.rmSync(run.workDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`${name}: FAILED: stopped by ${signal}`);
      process.exit(1);
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`${name}: FAILED: still running after ${deadlineMs / 1000} s`);
    process.exit(1);
  }, deadlineMs);
  try {
    for (const phase of phases) await phase(run);
    for (const each of run.browsers) failOnPageErrors(each);
    console.log(`${name}: ${phases.length} passed, 0 failed`);
  } catch (error) {
    await reportFailure(run, run.browsers.at(-1), error);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await run.cleanUp();
  }
}

// A fresh browser on the dashboard of `server`, live.
export async function openDashboard(run, server) {
  const browser = await run.openBrowser();
  const dashboard = new DashboardPage(browser.page);
  await browser.page.goto(server.httpUrl);
  await dashboard.expectState('live', LIVE_WITHIN_MS);
  return { browser, dashboard };
}

function failOnPageErrors(browser) {
  if (browser.pageErrors.length > 0) {
    throw new Error(`the page threw:\n${browser.pageErrors.join('\n')}`);
  }
}

async function reportFailure(run, browser, error) {
  console.error(`${run.name}: FAILED: ${error.message}`);
  if (browser) {
    if (browser.pageErrors.length) console.error(`page errors:\n${browser.pageErrors.join('\n')}`);
    console.error(`page console (last 30):\n${browser.console.slice(-30).join('\n')}`);
    const failureShot = run.args.screenshot.replace(/(\.png)?$/, '-failure.png');
    await browser.page.screenshot({ path: failureShot }).then(
      () => console.error(`screenshot of the failure: ${failureShot}`), () => {});
  }
  const server = run.servers.at(-1);
  if (server) console.error(`sitrepd log (last lines):\n${server.logTail()}`);
}
