// Measures (does not test) the dashboard's first complete paint of a big
// situation (issue 24): from navigation to the frame that shows the
// situation of as many incidents as the server's /v1/situation holds, in
// headless Debian Chromium against a running sitrepd
// (bench/fill_incidents.sh fills one). Complete: the list (its summary, and
// the cards of its first page: situation-view.js renders the rest as they
// are scrolled to) and the map say so (data-incidents on #situation and
// #map-panel); a dashboard that renders every card at once (before issue
// 24) is complete when #situation holds a card for each.
//
//   node tests/browser/situation_paint.mjs --url=http://127.0.0.1:PORT/ \
//        [--runs=3] [--chromium=/usr/bin/chromium] [--timeout_ms=60000]
//
// Prints one line per run and `RESULT<TAB>dashboard<TAB>first paint ms<TAB>`
// with the median. Exits 1 when a run does not complete within the timeout.
import { launchBrowser } from './lib/chromium.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, ...value] = arg.replace(/^--/, '').split('=');
  return [key, value.join('=')];
}));
const url = args.url;
if (!url) {
  console.error('usage: situation_paint.mjs --url=http://127.0.0.1:PORT/ [--runs=3]');
  process.exit(2);
}
const runs = Number(args.runs ?? 3);
const timeout = Number(args.timeout_ms ?? 60_000);
const chromium = args.chromium ?? '/usr/bin/chromium';

const response = await fetch(new URL('/v1/situation', url), {
  headers: { 'Accept-Encoding': 'gzip' },
});
const expected = (await response.json()).incidents?.length ?? 0;
console.log(`the server's situation holds ${expected} incidents`);

// The page's clock at the steps of the first load: app.js's marks (after
// issue 24) and the situation's request (Resource Timing).
async function whereTheTimeWent(page) {
  const steps = await page.evaluate(() => {
    const at = (entry) => Math.round(entry);
    const requests = performance.getEntriesByType('resource')
      .filter((entry) => new URL(entry.name).pathname === '/v1/situation');
    const request = requests[0];
    const marks = Object.fromEntries(performance.getEntriesByType('mark')
      .map((mark) => [mark.name.replace('sitrep:', ''), at(mark.startTime)]));
    return {
      modules: at(performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0),
      request: request ? `${at(request.startTime)}, first byte ${at(request.responseStart)}, `
        + `last ${at(request.responseEnd)} (${request.encodedBodySize} bytes`
        + `${requests.length > 1 ? `; ${requests.length} situation requests` : ''})` : '',
      marks,
      now: at(performance.now()),
    };
  });
  const marks = Object.entries(steps.marks).map(([name, time]) => `${name} ${time}`).join(', ');
  return ` (page ms: modules loaded ${steps.modules}; situation asked ${steps.request}`
    + `${marks ? `; ${marks}` : ''}; painted ${steps.now})`;
}

const times = [];
for (let run = 0; run < runs; ++run) {
  const browser = await launchBrowser(chromium);
  try {
    const start = Date.now();
    await browser.page.goto(url);
    await browser.page.waitForFunction(
      (n) => {
        const list = document.getElementById('situation');
        const map = document.getElementById('map-panel');
        if (list?.dataset.incidents !== undefined) {
          return Number(list.dataset.incidents) >= n && Number(map?.dataset.incidents) >= n
            && list.querySelectorAll('li.incident').length >= Math.min(n, 1);
        }
        return document.querySelectorAll('#situation li.incident').length >= n;
      },
      expected, { timeout, polling: 'raf' });
    // The frame that shows them.
    await browser.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
    const took = Date.now() - start;
    times.push(took);
    console.log(`run ${run + 1}: ${took} ms${await whereTheTimeWent(browser.page)}`);
  } catch (error) {
    console.error(`run ${run + 1}: no complete paint within ${timeout} ms: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
if (times.length > 0) {
  times.sort((a, b) => a - b);
  console.log(`RESULT\tdashboard ${expected} incidents\tfirst paint ms\t${times[Math.floor(times.length / 2)]}`);
}
