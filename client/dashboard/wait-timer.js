// "waiting 2 min 13 s" for a support request nobody acknowledged yet, counting
// on by itself. One interval for the whole page, running only while such a
// timer is in the document; the times are the server's (received_at), so a
// browser clock that is off shows the wait off by as much.
//
// A wait longer than the threshold the user set (attention.js; 15 min by
// default) turns the timer red (`.late`, data-late="true"). While the
// dashboard shows a past moment (time-travel.js) the timers stand still at
// that moment: the wait as it was then.
import { durationText, timeMs } from './format.js';

const TICK_MS = 1000;
let ticker = 0;
let lateAfterMs = 15 * 60 * 1000;
let clock = () => Date.now();

// A <time> element that reads "waiting <duration since `since`>".
export function waitingTimer(since) {
  const node = document.createElement('time');
  node.className = 'waiting-timer';
  node.dateTime = since ?? '';
  node.dataset.since = String(timeMs(since));
  node.title = since ? `asked at ${since}; not acknowledged yet` : 'not acknowledged yet';
  show(node, clock());
  if (ticker === 0) ticker = setInterval(tick, TICK_MS);
  return node;
}

// A wait of at least `ms` is late (0: every wait is).
export function setLateAfterMs(ms) {
  lateAfterMs = Math.max(0, ms);
  tick();
}

// Where the timers read the time: `now` (a function returning ms since the
// epoch), or the browser's clock when null.
export function setTimerClock(now) {
  clock = now ?? (() => Date.now());
  tick();
}

function tick() {
  const timers = document.querySelectorAll('.waiting-timer');
  if (timers.length === 0) {
    clearInterval(ticker);
    ticker = 0;
    return;
  }
  const now = clock();
  for (const node of timers) show(node, now);
}

function show(node, now) {
  const since = Number(node.dataset.since);
  const waited = now - since;
  const late = !Number.isNaN(since) && waited >= lateAfterMs;
  node.textContent = Number.isNaN(since) ? 'waiting' : `waiting ${durationText(waited)}`;
  node.classList.toggle('late', late);
  node.dataset.late = String(late);
}
