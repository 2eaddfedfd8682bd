// "waiting 2 min 13 s" for a support request nobody acknowledged yet, counting
// on by itself. One interval for the whole page, running only while such a
// timer is in the document; the times are the server's (received_at), so a
// browser clock that is off shows the wait off by as much.
import { durationText, timeMs } from './format.js';

const TICK_MS = 1000;
let ticker = 0;

// A <time> element that reads "waiting <duration since `since`>".
export function waitingTimer(since) {
  const node = document.createElement('time');
  node.className = 'waiting-timer';
  node.dateTime = since ?? '';
  node.dataset.since = String(timeMs(since));
  node.title = since ? `asked at ${since}; not acknowledged yet` : 'not acknowledged yet';
  show(node, Date.now());
  if (ticker === 0) ticker = setInterval(tick, TICK_MS);
  return node;
}

function tick() {
  const timers = document.querySelectorAll('.waiting-timer');
  if (timers.length === 0) {
    clearInterval(ticker);
    ticker = 0;
    return;
  }
  const now = Date.now();
  for (const node of timers) show(node, now);
}

function show(node, now) {
  const since = Number(node.dataset.since);
  node.textContent = Number.isNaN(since) ? 'waiting' : `waiting ${durationText(now - since)}`;
}
