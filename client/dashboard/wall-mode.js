// Wall-display mode, for a screen on the operations centre's wall (1920x1080
// and larger): large type, no controls, the map (#map-panel) and the
// situation side by side, and the time now in the header (on the clock the
// dashboard shows, UTC unless switched). On with `?wall=1` in the URL (a
// wall's browser opens that address) or the header's "Wall display" button,
// which keeps the URL in step; Escape leaves it. It is never switched on by
// the screen's size alone: a large desktop monitor is used at a desk, with
// the controls.
import { shortTime } from './format.js';

const PARAMETER = 'wall';
const CLOCK_TICK_MS = 1000;
let clock = null;
let clockTimer = 0;

// button: the header's "Wall display"; clockNode: the header's clock.
export function initWallMode(button, clockNode) {
  clock = clockNode;
  const on = new URLSearchParams(location.search).get(PARAMETER) === '1';
  setWallMode(on);
  button.addEventListener('click', () => setWallMode(true, { keepInUrl: true }));
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !isWallMode() || document.querySelector('dialog[open]')) return;
    setWallMode(false, { keepInUrl: true });
  });
}

export function isWallMode() {
  return document.documentElement.classList.contains('wall');
}

export function setWallMode(on, { keepInUrl = false } = {}) {
  document.documentElement.classList.toggle('wall', on);
  document.documentElement.dataset.wall = String(on);
  clearInterval(clockTimer);
  clockTimer = 0;
  if (clock) {
    clock.hidden = !on;
    if (on) {
      showTime();
      clockTimer = setInterval(showTime, CLOCK_TICK_MS);
    }
  }
  if (!keepInUrl) return;
  const url = new URL(location.href);
  if (on) url.searchParams.set(PARAMETER, '1');
  else url.searchParams.delete(PARAMETER);
  history.replaceState(history.state, '', url);
}

function showTime() {
  const now = new Date().toISOString();
  clock.dateTime = now;
  clock.textContent = shortTime(now);
}
