// Debian's Chromium, headless, driven by playwright-core. Playwright never
// downloads a browser here: it is given the system's executable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

// Without the background-networking flags Chromium keeps trying to reach
// Google's hosts, which a machine without internet refuses at every start.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// A browser with a fresh, empty profile (no cookies, no storage), removed
// again by close(). `contextOptions`: more of Playwright's context options
// (timezoneId, viewport, ...).
export async function launchBrowser(executablePath, contextOptions = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-chromium-'));
  let context;
  try {
    // launchPersistentContext is Playwright's way to pass --user-data-dir.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 900 },
      timeout: 30_000,
      ...contextOptions,
    });
  } catch (error) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? await context.newPage();
  const browser = {
    context,
    page,
    // What the page said, for the failure report.
    console: [],
    // Uncaught exceptions of the page's scripts: each one fails the test.
    pageErrors: [],
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  page.on('console', (message) => browser.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => browser.pageErrors.push(error.stack || error.message));
  return browser;
}
