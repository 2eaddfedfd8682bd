// The page checks its own layout, so that a browser test (and anyone with
// the console open) can ask whether anything is cut or scrolls sideways at
// the window's size: the page itself, the panels and bars, and in the table
// every cell whose text matters (time, sequence, mission and tier, severity,
// kind, municipality). Free text (headline, place, category line) may be cut
// with an ellipsis, its whole text in the tooltip: it is cut first.
// The answer is also on <html data-overflow="none|…">, kept up to date on
// resizes.
const SCROLLERS = ['.top-bar', '.filters', '.time-bar', '.time-banner', '.panels', '.table-scroll',
  '#situation', '#map-panel'];
const MUST_FIT = ['.col-time .time-text', '.col-time .time-detail', '.col-sequence',
  '.col-mission .mission-name', '.col-mission .tier', '.col-severity', '.col-kind'];
// Inline parts that must fit in their block: a municipality's Albanian name
// (its Serbian one after it may be cut).
const MUST_FIT_INLINE = ['.col-where .where-name'];
// A pixel of rounding is not an overflow.
const SLACK_PX = 1;

// What overflows, one line each; empty when nothing does.
export function layoutOverflow() {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + SLACK_PX) {
    problems.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
  }
  for (const selector of SCROLLERS) {
    for (const node of document.querySelectorAll(selector)) {
      if (isShown(node) && node.scrollWidth > node.clientWidth + SLACK_PX) {
        problems.push(`${selector} scrolls sideways (${node.scrollWidth} px in ${node.clientWidth} px)`);
      }
    }
  }
  const cells = document.querySelectorAll(MUST_FIT.map((each) => `#updates > tr[data-sequence] ${each}`).join(', '));
  for (const cell of cells) {
    if (isShown(cell) && cell.scrollWidth > cell.clientWidth + SLACK_PX) {
      problems.push(`"${cell.textContent}" is cut in ${cell.className || cell.parentElement.className} `
        + `of update ${cell.closest('tr').dataset.sequence} (${cell.scrollWidth} px in ${cell.clientWidth} px)`);
    }
  }
  const names = document.querySelectorAll(MUST_FIT_INLINE.map((each) => `#updates > tr[data-sequence] ${each}`).join(', '));
  for (const name of names) {
    const block = name.parentElement.getBoundingClientRect();
    const right = name.getBoundingClientRect().right;
    if (isShown(name) && right > block.right + SLACK_PX) {
      problems.push(`"${name.textContent}" is cut in ${name.className} of update `
        + `${name.closest('tr').dataset.sequence} (ends at ${Math.round(right)} px, its cell at ${Math.round(block.right)} px)`);
    }
  }
  return problems;
}

// Keeps <html data-overflow> up to date; `layoutOverflow` is also
// window.sitrep.layoutOverflow() for tests. Returns the function that asks
// for a check (after the table changed): at most one per CHECK_EVERY_MS, at
// the start of a frame, so that a busy feed never pays a forced layout.
const CHECK_EVERY_MS = 500;

export function watchLayout() {
  let timer = 0;
  const update = () => {
    timer = 0;
    const problems = layoutOverflow();
    document.documentElement.dataset.overflow = problems.length ? problems.join('; ') : 'none';
  };
  const schedule = () => {
    if (timer === 0) timer = setTimeout(() => requestAnimationFrame(update), CHECK_EVERY_MS);
  };
  new ResizeObserver(schedule).observe(document.body);
  return schedule;
}

// Columns the layout collapses on purpose (a zero width, hidden) are not shown.
function isShown(node) {
  return node.getClientRects().length > 0 && getComputedStyle(node).visibility !== 'hidden';
}
