// The live table of updates, newest first, holding the latest `capacity`.
//
// It has to stay responsive under thousands of updates per second, so:
//  - updates are queued and applied once per animation frame, whatever
//    their rate;
//  - the table is virtualised: only the rows in view (and a few around
//    them) are in the DOM, between two spacer rows that stand for the
//    others. Laying out hundreds of rows at every frame was what made a
//    busy feed slow; a few dozen cost almost nothing. Every row has the
//    same height (style.css), which makes the arithmetic exact;
//  - rows are keyed by sequence: a row already on screen is never rebuilt,
//    and rows that leave the view are reused for the ones that enter;
//  - an update whose sequence is already held is ignored, so a replay after
//    a resume can never show a row twice.
// An update that came only because it is how its incident leaves a filtered
// view (the stream's `left_view` event) is a dimmed row that says so, not a
// match of the filter. A row of an incident opens the incident's story when
// clicked (its incident id is a button, for the keyboard).
// Screen readers get the real size through aria-rowcount / aria-rowindex.
import {
  categoryLabel, kindLabel, missionLabel, missionShort, municipalityLabel, municipalityName, roleLabel,
  roleShort, severityClass, severityLabel, statusMark, timeParts,
} from './format.js';

// The cells of a row, in the order of the table's header in index.html.
// Mission and tier share a cell, and the update's cell carries its category
// and incident on a second line, so that the headline keeps room.
const COLUMNS = ['time', 'sequence', 'mission', 'severity', 'kind', 'where', 'update'];
// Rows rendered beyond each edge of the view, so that scrolling shows no gap.
const OVERSCAN_ROWS = 8;
// More new rows than this in one frame are a flood: highlighting each would
// only flash the whole table.
const HIGHLIGHT_MAX_ROWS = 8;

export class UpdatesTable {
  // scroller: the element that scrolls the table; table: the <table> with
  // its <thead> and an empty <tbody>. onChange(count) after each render;
  // onOpenIncident(incidentId, opener) when a row of an incident is clicked.
  constructor({ scroller, table }, { capacity, onChange, onOpenIncident }) {
    this.scroller = scroller;
    this.table = table;
    this.thead = table.tHead;
    this.tbody = table.tBodies[0];
    this.capacity = capacity;
    this.onChange = onChange;
    this.entries = []; // {key: BigInt, update, arrived, leftView}, newest first, at most capacity
    this.pending = []; // entries not merged yet, any order
    this.sequencesHeld = new Set(); // of entries and pending
    this.rowBySequence = new Map(); // the rows in the DOM
    this.spareRows = [];
    this.rowHeight = 0; // measured on the first row rendered
    this.firstShownKey = null; // the entry at the top of the view
    this.frame = 0;
    this.topSpacer = createSpacer();
    this.bottomSpacer = createSpacer();
    this.tbody.append(this.topSpacer, this.bottomSpacer);
    scroller.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    new ResizeObserver(() => this.scheduleRender()).observe(scroller);
    this.tbody.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-incident-id]');
      if (!row || !row.dataset.incidentId) return;
      // Selecting a row's text (to copy it) is not a request to open it.
      if (!event.target.closest('.incident-link') && window.getSelection()?.type === 'Range') return;
      onOpenIncident?.(row.dataset.incidentId, row.querySelector('.incident-link'));
    });
  }

  get size() {
    return this.entries.length;
  }

  // Queues updates (any order) for the next frame. `arrived` marks updates
  // that came live, so that they are briefly highlighted; `leftView` is the
  // reason they left the filtered view (a `left_view` event), if they did.
  add(updates, { arrived = false, leftView = '' } = {}) {
    for (const update of updates) {
      if (!update?.sequence || this.sequencesHeld.has(update.sequence)) continue;
      this.sequencesHeld.add(update.sequence);
      this.pending.push({ key: BigInt(update.sequence), update, arrived, leftView });
    }
    // A hidden tab gets no animation frames: keep the queue bounded anyway.
    if (this.pending.length > 2 * this.capacity) this.mergePending();
    if (this.pending.length > 0) this.scheduleRender();
  }

  // The updates held (shown or queued), newest first, with the reason
  // each left the view, if it did.
  snapshot() {
    return this.entries.concat(this.pending)
      .sort((a, b) => (a.key === b.key ? 0 : a.key > b.key ? -1 : 1))
      .map(({ update, leftView }) => ({ update, leftView }));
  }

  clear() {
    this.entries = [];
    this.pending = [];
    this.sequencesHeld.clear();
    this.firstShownKey = null;
    this.scroller.scrollTop = 0;
    this.scheduleRender();
  }

  scheduleRender() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    const insertedAbove = this.mergePending();
    this.keepReadingPosition(insertedAbove);
    this.renderRowsInView();
    this.onChange(this.entries.length);
  }

  // Folds the queue into the newest-first window and forgets what fell out.
  // Returns how many new entries went above the row at the top of the view.
  mergePending() {
    if (this.pending.length === 0) return 0;
    if (this.pending.length > HIGHLIGHT_MAX_ROWS) {
      for (const entry of this.pending) entry.arrived = false;
    }
    const top = this.firstShownKey;
    const insertedAbove = top === null ? 0 : this.pending.filter((entry) => entry.key > top).length;
    const merged = this.entries.concat(this.pending);
    this.pending = [];
    merged.sort((a, b) => (a.key === b.key ? 0 : a.key > b.key ? -1 : 1));
    for (const dropped of merged.splice(this.capacity)) {
      this.sequencesHeld.delete(dropped.update.sequence);
    }
    this.entries = merged;
    return insertedAbove;
  }

  // At the top, the view follows the feed; scrolled down to read, the rows
  // being read stay where they are while new ones arrive above.
  keepReadingPosition(insertedAbove) {
    if (insertedAbove > 0 && this.scroller.scrollTop > 0 && this.rowHeight > 0) {
      this.scroller.scrollTop += insertedAbove * this.rowHeight;
    }
  }

  renderRowsInView() {
    const { first, last } = this.rangeInView();
    const rowHeight = this.rowHeight || 1;
    setSpacer(this.topSpacer, first * rowHeight);
    setSpacer(this.bottomSpacer, (this.entries.length - last) * rowHeight);
    this.placeRows(this.entries.slice(first, last), first);
    this.table.setAttribute('aria-rowcount', String(this.entries.length + 1));
    this.firstShownKey = this.entries[first]?.key ?? null;
    if (this.rowHeight === 0) this.measureRowHeight();
  }

  // Before the first row is measured, renders enough rows to measure one.
  rangeInView() {
    const count = this.entries.length;
    if (this.rowHeight === 0) return { first: 0, last: Math.min(count, 1) };
    const top = Math.max(0, this.scroller.scrollTop - this.thead.offsetHeight);
    const first = clamp(Math.floor(top / this.rowHeight) - OVERSCAN_ROWS, 0, count);
    const shown = Math.ceil(this.scroller.clientHeight / this.rowHeight);
    const last = clamp(first + shown + 2 * OVERSCAN_ROWS, first, count);
    return { first, last };
  }

  measureRowHeight() {
    const row = this.topSpacer.nextElementSibling;
    if (row === this.bottomSpacer) return;
    this.rowHeight = row.getBoundingClientRect().height;
    if (this.rowHeight > 0) this.scheduleRender();
  }

  // Makes the rows between the spacers show `entries` (which start at index
  // `first` of the window), touching only the rows that appear, move or go.
  placeRows(entries, first) {
    const wanted = new Set();
    let next = this.topSpacer.nextElementSibling;
    entries.forEach((entry, offset) => {
      const sequence = entry.update.sequence;
      wanted.add(sequence);
      let row = this.rowBySequence.get(sequence);
      if (!row) {
        row = this.rowFor(entry);
        this.rowBySequence.set(sequence, row);
      }
      row.setAttribute('aria-rowindex', String(first + offset + 2));
      if (row === next) {
        next = next.nextElementSibling;
      } else {
        this.tbody.insertBefore(row, next);
      }
    });
    for (const [sequence, row] of this.rowBySequence) {
      if (!wanted.has(sequence)) {
        this.rowBySequence.delete(sequence);
        row.remove();
        this.spareRows.push(row);
      }
    }
  }

  // Fills the rows on screen again: the clock changed (UTC or local).
  refill() {
    const bySequence = new Map(this.entries.map((entry) => [entry.update.sequence, entry]));
    for (const [sequence, row] of this.rowBySequence) {
      const entry = bySequence.get(sequence);
      if (entry) fillRow(row, { ...entry, arrived: false });
    }
  }

  rowFor(entry) {
    const row = this.spareRows.pop() ?? createRow();
    fillRow(row, entry);
    // Highlighted once: scrolled out and back in, it is not new any more.
    entry.arrived = false;
    return row;
  }
}

// A row standing for the rows above or below the view.
function createSpacer() {
  const row = document.createElement('tr');
  row.className = 'spacer';
  row.setAttribute('aria-hidden', 'true');
  const cell = document.createElement('td');
  cell.colSpan = COLUMNS.length;
  row.append(cell);
  return row;
}

function setSpacer(spacer, height) {
  spacer.hidden = height === 0;
  spacer.firstChild.style.height = `${height}px`;
}

function clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

function createRow() {
  const row = document.createElement('tr');
  for (const column of COLUMNS) {
    // The update's cell names the row for screen readers.
    const cell = document.createElement(column === 'update' ? 'th' : 'td');
    if (column === 'update') cell.scope = 'row';
    cell.className = `col-${column}`;
    row.append(cell);
  }
  const [time, , mission, , , where, update] = row.cells;
  // Under the time: its day when not today, and the sequence in the
  // narrow layout without its column (style.css).
  const detail = span('time-detail');
  detail.append(span('time-day'), span('time-sequence'));
  time.append(span('time-text'), detail);
  mission.append(span('mission-name'), ' ', span('tier'));
  // The municipality on the first line (its Serbian name only where there
  // is room), the place on the second.
  const municipality = span('where-municipality');
  municipality.append(span('where-name'), span('where-alternative'));
  where.append(municipality, span('where-place'));
  const meta = span('update-meta');
  const incident = document.createElement('button');
  incident.type = 'button';
  incident.className = 'incident-link';
  incident.setAttribute('aria-haspopup', 'dialog');
  meta.append(span('left-view-reason'), span('category'), incident);
  update.append(span('headline'), meta);
  return row;
}

function span(className) {
  const node = document.createElement('span');
  node.className = className;
  return node;
}

function fillRow(row, { update, arrived, leftView }) {
  const [time, sequence, mission, severity, kind, where, headline] = row.cells;
  row.className = `${severityClass(update.severity)}${arrived ? ' arrived' : ''}`
    + `${leftView ? ' left-view' : ''}`;
  row.dataset.sequence = update.sequence;
  row.dataset.mission = update.mission ?? '';
  row.dataset.municipality = update.location?.municipality ?? '';
  row.dataset.incidentId = update.incidentId ?? '';
  if (leftView) row.dataset.leftView = leftView;
  else delete row.dataset.leftView;
  const { time: timeOfDay, day } = timeParts(update.occurredAt);
  setText(time.firstChild, timeOfDay, timesTitle(update));
  setText(time.lastChild.firstChild, day, '');
  setText(time.lastChild.lastChild, `#${update.sequence}`, '');
  setText(sequence, update.sequence, `sequence ${update.sequence}`);
  setText(mission.firstChild, missionShort(update.mission), missionLabel(update.mission));
  setText(mission.lastChild, roleShort(update.role), roleLabel(update.role));
  setText(severity, severityLabel(update.severity), '');
  setText(kind, kindLabel(update.kind), versionTitle(update));
  fillWhere(where, update.location);
  setText(headline.firstChild, `${statusMark(update)}${update.headline ?? ''}`, headlineTitle(update));
  const [reason, category, incident] = headline.lastChild.children;
  setText(reason, leftView ? `left your view: ${leftView}` : '',
    leftView ? 'The incident no longer matches the filter; this is its last update in this view.' : '');
  setText(category, categoryLabel(update.category), '');
  incident.hidden = !update.incidentId;
  setText(incident, update.incidentId ?? '',
    update.incidentId ? `Open the story of incident ${update.incidentId}` : '');
}

function setText(node, text, title) {
  node.textContent = text;
  if (title) node.title = title;
  else node.removeAttribute('title');
}

function fillWhere(cell, location) {
  const [municipality, place] = cell.children;
  const [name, alternative] = municipality.children;
  const id = location?.municipality;
  const label = municipalityLabel(id);
  const albanian = municipalityName(id);
  name.textContent = albanian;
  alternative.textContent = label.startsWith(`${albanian} / `) ? label.slice(albanian.length) : '';
  place.textContent = location?.place ?? '';
  const whole = [label, location?.place].filter(Boolean).join(' · ');
  if (whole) cell.title = whole;
  else cell.removeAttribute('title');
}

// Cells are cut to one line; the tooltip has the whole text.
function headlineTitle(update) {
  const headline = update.headline ?? '';
  return update.description ? `${headline}\n\n${update.description}` : headline;
}

function timesTitle(update) {
  const lines = [];
  if (update.occurredAt) lines.push(`occurred ${update.occurredAt}`);
  if (update.receivedAt) lines.push(`received ${update.receivedAt}`);
  if (update.publisher) lines.push(`published by ${update.publisher}`);
  return lines.join('\n');
}

function versionTitle(update) {
  return update.incidentVersion ? `incident version ${update.incidentVersion}` : '';
}
