// Wall-display mode, for a screen on the operations centre's wall (1920x1080
// and larger): large type, no controls, the map (#map-panel) and the
// situation side by side. On with `?wall=1` in the URL (a wall's browser
// opens that address) or the header's "Wall display" button, which keeps
// the URL in step; Escape leaves it. It is never switched on by the screen's
// size alone: a large desktop monitor is used at a desk, with the controls.
const PARAMETER = 'wall';

export function initWallMode(button) {
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
  if (!keepInUrl) return;
  const url = new URL(location.href);
  if (on) url.searchParams.set(PARAMETER, '1');
  else url.searchParams.delete(PARAMETER);
  history.replaceState(history.state, '', url);
}
