// The live situation dashboard: wires the filter, the situation, the table
// of updates and the stream together (docs/http.md).
//
// Loading a view (at start and on every filter change) is three steps that
// fit together without a gap or a repeat:
//   1. GET /v1/situation  -> the incidents, consistent at sequence S;
//   2. GET /v1/updates    -> the newest updates up to S (the table's window);
//   3. GET /v1/stream     -> Server-Sent Events after S, live.
// From then on the situation is kept current from the stream: the incidents
// its updates name are asked for again, only they (getSituationOf), at most
// every SITUATION_REFRESH_MS; the whole situation only after the stream was
// away or when too many changed at once. With 10,000 open incidents a whole
// situation is megabytes; 200 dashboards asking for it every 2 s cost the
// server most of a core (issue 24).
// The browser resumes the stream by itself after a drop
// (Last-Event-ID); the dashboard steps in only when the browser gives up:
// to sign in again after a server restart, to back off, or to reload when
// the server's log is not the one the cursor belongs to.
//
// While the time control shows a past moment (time-travel.js) the stream
// stays open, but what it brings is held, not shown (`this.held`); back to
// live, the held updates are shown: none lost, none twice.
import {
  ApiError, MAX_INCIDENT_IDS, explainStreamRefusal, getLatestUpdates, getSituation, getSituationOf, streamUrl,
} from './api.js';
import { Attention } from './attention.js';
import { FilterForm, filterFromFragment, filterToFragment, sameFilter } from './filter-form.js';
import { takeFirstSituation } from './first-situation.js';
import {
  compareSequences, loadMunicipalityNames, setTimeZoneMode, timeMs, timeZoneMode, zoneLabel,
} from './format.js';
import { IncidentView } from './incident-view.js';
import { layoutOverflow, watchLayout } from './layout-check.js';
import { HEARTBEAT_SECONDS, LiveFeed } from './live-feed.js';
import { MapView } from './map.js';
import { hasStoredToken, renewSession, signIn, signOut } from './session.js';
import { mergeSituation } from './situation-merge.js';
import { SituationView, municipalitiesOf } from './situation-view.js';
import { TimeTravel } from './time-travel.js';
import { UpdatesTable } from './updates-table.js';
import { setTimerClock } from './wait-timer.js';
import { initWallMode } from './wall-mode.js';

// Rows kept in the table: enough for a shift's picture, few enough to stay fast.
const TABLE_CAPACITY = 500;
// The situation (its changed incidents) is fetched again after updates, at
// most this often.
const SITUATION_REFRESH_MS = 2000;
// Backoff of the dashboard's own retries (the browser's use the server's `retry:`).
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 15000;

class Dashboard {
  constructor() {
    this.connection = document.getElementById('connection');
    this.connectionText = document.getElementById('connection-text');
    this.cursorText = document.getElementById('cursor');
    this.notice = document.getElementById('notice');
    this.updatesSummary = document.getElementById('updates-summary');
    this.signOutButton = document.getElementById('sign-out');
    this.loginDialog = document.getElementById('login');
    this.loginForm = document.getElementById('login-form');
    this.loginError = document.getElementById('login-error');

    this.filter = filterFromFragment(location.hash);
    // Bumped by every (re)load: answers to an older load are dropped.
    this.generation = 0;
    this.loadAbort = new AbortController();
    this.cursor = '';
    this.cursorFrame = 0;
    this.logId = '';
    // Set after a silent sign-in, so that a second 401 asks the user
    // instead of looping.
    this.renewedSession = false;
    this.serverError = '';
    this.retryDelay = RETRY_FIRST_MS;
    this.retryTimer = 0;
    this.situationTimer = 0;
    this.situationRequestedAt = -Infinity;
    this.situationSequence = '0';
    // The incidents updates named since the last refresh; whether the next
    // refresh asks for the whole situation; whether one is in flight;
    // whether this stream said hello before (a second hello is a resume).
    this.changedIncidents = new Set();
    this.situationWhole = false;
    this.situationBusy = false;
    this.helloSeen = false;
    // While a past moment is shown: {entries: [{update, leftView, arrived}],
    // arrived: count}, the live updates held meanwhile; null when live.
    this.held = null;

    this.incidentView = new IncidentView(document.getElementById('incident-view'));
    const openIncident = (incidentId, opener) => this.incidentView.open(incidentId, opener);
    // The form has no area control: the map's area stays as it is, unless
    // the form was reset.
    this.form = new FilterForm(document.getElementById('filters'),
      (filter) => this.applyFilter({ boundingBox: this.filter.boundingBox, ...filter }));
    this.form.write(this.filter);
    this.table = new UpdatesTable({
      scroller: document.getElementById('updates-scroller'),
      table: document.getElementById('updates-table'),
    }, {
      capacity: TABLE_CAPACITY,
      onChange: (rows) => {
        this.showRowCount(rows);
        this.checkLayout();
      },
      onOpenIncident: openIncident,
    });
    this.situation = new SituationView(document.getElementById('situation'),
      document.getElementById('situation-summary'), { onOpenIncident: openIncident });
    this.feed = new LiveFeed(this.feedHandlers());
    this.timeTravel = new TimeTravel(document.getElementById('time-travel'),
      document.getElementById('time-banner'), this.timeTravelView());
    this.attention = new Attention(document.getElementById('attention'), {
      onOpenIncident: (incidentId) => openIncident(incidentId),
    });
    this.checkLayout = watchLayout();
    initWallMode(document.getElementById('wall-toggle'), document.getElementById('wall-clock'));
    this.map = new MapView(document.getElementById('map-panel'), {
      onOpenIncident: openIncident,
      onArea: (boundingBox) => this.applyFilter({ ...this.filter, boundingBox }),
    });
    this.map.showArea(this.filter.boundingBox);

    this.loginForm.addEventListener('submit', (event) => this.onLoginSubmit(event));
    // Escape would close the dialog without a session: nothing to show then.
    this.loginDialog.addEventListener('cancel', (event) => event.preventDefault());
    this.signOutButton.addEventListener('click', () => this.onSignOut());
    this.zoneButton = document.getElementById('time-zone');
    this.zoneButton.addEventListener('click', () => this.toggleTimeZone());
    this.showTimeZone();
    window.addEventListener('hashchange', () => this.onFragmentChange());
  }

  feedHandlers() {
    return {
      onConnection: (connection) => this.showConnection(connection),
      onHello: (hello) => this.onHello(hello),
      onUpdate: (update) => this.onUpdates([update], { arrived: true }),
      onLeftView: (left) => {
        if (left?.update) this.onUpdates([left.update], { arrived: true, leftView: left.reason || 'left the filter' });
      },
      onSnapshot: (update) => this.onUpdates([update], { arrived: false }),
      // These markers need nothing more: their ids already moved the cursor.
      onSnapshotEnd: () => {},
      onCaughtUp: () => {},
      onGap: (gap) => this.situationGap(gap) || this.showNotice(`Updates ${gap.fromSequence}–${gap.toSequence} were removed `
        + 'by the server\'s retention before the dashboard could read them.'),
      onCursor: (cursor) => this.setCursor(cursor),
      // The status is shown until the stream is back; the whole message
      // (often a long explanation) is the indicator's tooltip.
      onServerError: (body) => {
        this.serverError = body.status ?? 'error';
        this.connection.title = body.message ?? '';
      },
      onGaveUp: () => this.recoverStream(),
      onSilent: () => {
        this.feed.markReconnecting();
        this.resumeStream();
      },
    };
  }

  // Steps 1 to 3 above, for the current filter.
  async load() {
    const generation = this.startGeneration();
    if (this.held) {
      this.held = { entries: [], arrived: 0 };
      this.timeTravel.noteHeld(0);
    } else {
      this.table.clear();
      this.situation.clear('Loading…');
      this.map.clear();
    }
    this.showNotice('');
    try {
      const situation = await takeFirstSituation(this.filter)
        ?? await getSituation(this.filter, this.loadAbort.signal);
      if (generation !== this.generation) return;
      // For situation_paint.mjs: where the first paint's time goes.
      performance.mark('sitrep:situation-read');
      this.renderSituation(situation);
      performance.mark('sitrep:situation-rendered');
      this.logId = situation.logId ?? '';
      const anchor = situation.sequence ?? '0';
      if (anchor !== '0') {
        const page = await getLatestUpdates(this.filter, anchor, TABLE_CAPACITY, this.loadAbort.signal);
        if (generation !== this.generation) return;
        this.onUpdates(page.updates ?? [], { arrived: false });
        this.timeTravel.setBounds({ oldest: page.oldestSequence, head: page.headSequence });
      }
      this.setCursor(anchor);
      this.feed.open(this.streamUrlAfter(anchor));
    } catch (error) {
      if (generation === this.generation) this.onRequestFailed(error, () => this.load());
    }
  }

  // Forgets everything in flight for the previous view.
  startGeneration() {
    this.generation += 1;
    this.loadAbort.abort();
    this.loadAbort = new AbortController();
    this.feed.close();
    clearTimeout(this.retryTimer);
    clearTimeout(this.situationTimer);
    this.situationTimer = 0;
    this.situationSequence = '0';
    this.changedIncidents.clear();
    this.situationWhole = false;
    this.situationBusy = false;
    this.helloSeen = false;
    this.serverError = '';
    this.setCursor('');
    return this.generation;
  }

  // What to do when a request (not the stream) failed: sign in, retry
  // later, or show why the view cannot be shown.
  onRequestFailed(error, retry) {
    if (error.name === 'AbortError') return;
    if (error instanceof ApiError && error.needsLogin) {
      this.authenticate(retry);
    } else if (isTransient(error)) {
      this.feed.markReconnecting();
      this.retryLater(retry);
    } else {
      this.showFailure(error.message);
    }
  }

  // The browser stopped retrying the stream, which it does on an HTTP error
  // status. Find out which one, and resume from the cursor if that helps.
  async recoverStream() {
    const generation = this.generation;
    this.feed.markReconnecting();
    let refusal = null;
    try {
      refusal = await explainStreamRefusal(this.resumeUrl());
    } catch {
      // Unreachable again: a later attempt will tell.
    }
    if (generation !== this.generation) return;
    if (refusal === null || isTransient(refusal)) {
      this.retryLater(() => this.resumeStream());
    } else if (refusal.needsLogin) {
      this.authenticate(() => this.resumeStream());
    } else if (refusal.grpcStatus === 'FAILED_PRECONDITION' || refusal.grpcStatus === 'OUT_OF_RANGE') {
      // The cursor belongs to another log (a wiped or restored store).
      this.load().then(() => this.showNotice(`The server's log changed (${refusal.message}); `
        + 'the view was loaded again.'));
    } else {
      this.showFailure(refusal.message);
    }
  }

  resumeStream() {
    this.feed.open(this.resumeUrl(), { resuming: true });
  }

  resumeUrl() {
    return this.streamUrlAfter(this.cursor || '0');
  }

  streamUrlAfter(sequence) {
    return streamUrl(this.filter, {
      afterSequence: sequence, logId: this.logId, heartbeatSeconds: HEARTBEAT_SECONDS,
    });
  }

  retryLater(action) {
    const generation = this.generation;
    const delay = this.retryDelay * (0.8 + 0.4 * Math.random());
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) action();
    }, delay);
  }

  // A 401: sign in again with the kept token if there is one (the server
  // restarted and forgot its sessions), otherwise ask for a token.
  async authenticate(retry) {
    const generation = this.generation;
    if (!this.renewedSession) {
      try {
        if (await renewSession()) {
          this.renewedSession = true;
          if (generation === this.generation) retry();
          return;
        }
      } catch (error) {
        if (generation === this.generation) this.onRequestFailed(error, () => this.authenticate(retry));
        return;
      }
    }
    if (generation === this.generation) this.askForToken();
  }

  askForToken() {
    this.startGeneration();
    this.leavePastQuietly();
    this.renewedSession = false;
    this.incidentView.close();
    this.showConnection({ state: 'signed-out' });
    this.situation.clear();
    this.map.clear();
    this.signOutButton.hidden = true;
    this.loginError.textContent = '';
    if (!this.loginDialog.open) this.loginDialog.showModal();
    this.loginForm.elements.token.focus();
  }

  async onLoginSubmit(event) {
    event.preventDefault();
    const input = this.loginForm.elements.token;
    this.loginError.textContent = '';
    try {
      await signIn(input.value.trim());
    } catch (error) {
      this.loginError.textContent = error instanceof ApiError && error.needsLogin
        ? `The server refused this token: ${error.message}`
        : `Could not sign in: ${error.message}`;
      input.select();
      return;
    }
    input.value = '';
    this.loginDialog.close();
    this.signOutButton.hidden = false;
    this.renewedSession = false;
    this.load();
  }

  async onSignOut() {
    await signOut();
    this.table.clear();
    this.situation.clear();
    this.askForToken();
  }

  onHello(hello) {
    if (hello.logId) this.logId = hello.logId;
    this.retryDelay = RETRY_FIRST_MS;
    this.renewedSession = false;
    this.serverError = '';
    this.connection.title = '';
    this.signOutButton.hidden = !hasStoredToken();
    // A resumed stream: a refresh of the whole situation covers what changed
    // while it was away. (The first hello follows the situation just read.)
    if (this.helloSeen) this.scheduleSituationRefresh({ whole: true });
    this.helloSeen = true;
  }

  // Updates the retention removed: their incidents are unknown, so the
  // whole situation is asked again. Returns false: the notice is shown too.
  situationGap() {
    this.scheduleSituationRefresh({ whole: true });
    return false;
  }

  onUpdates(updates, options) {
    if (updates.length === 0) return;
    this.form.suggestMunicipalities(updates.map((update) => update.location?.municipality));
    if (this.held) {
      this.hold(updates, options);
      return;
    }
    this.table.add(updates, options);
    if (options.arrived) {
      for (const update of updates) {
        if (update.incidentId) this.changedIncidents.add(update.incidentId);
      }
      this.scheduleSituationRefresh();
      for (const update of updates) {
        this.incidentView.noteUpdate(update);
        if (!options.leftView) this.attention.noteArrived(update);
      }
    }
  }

  // Live updates that arrive while the past is shown, kept for the return
  // (at most the table's capacity: the newest).
  hold(updates, { arrived = false, leftView = '' }) {
    for (const update of updates) this.held.entries.push({ update, leftView, arrived });
    if (this.held.entries.length > 2 * TABLE_CAPACITY) {
      this.held.entries.sort((a, b) => compareSequences(b.update.sequence, a.update.sequence));
      this.held.entries.length = TABLE_CAPACITY;
    }
    if (arrived) {
      this.held.arrived += updates.length;
      this.timeTravel.noteHeld(this.held.arrived);
    }
  }

  // The view time-travel.js drives (see there).
  timeTravelView() {
    return {
      filter: () => this.filter,
      tableCapacity: TABLE_CAPACITY,
      enterPast: () => this.enterPast(),
      showPast: (situation, updates) => {
        this.table.clear();
        this.table.add(updates, { arrived: false });
        this.showPastSituation(situation);
      },
      showStep: (update) => this.table.add([update], { arrived: true }),
      showPastSituation: (situation) => this.showPastSituation(situation),
      returnToLive: () => this.returnToLive(),
      onError: (error) => {
        if (error instanceof ApiError && error.needsLogin) this.authenticate(() => this.load());
        else this.showNotice(`Time travel: ${error.message}`);
      },
    };
  }

  enterPast() {
    this.showNotice('');
    if (this.held) return;
    this.held = { entries: this.table.snapshot().map((entry) => ({ ...entry, arrived: false })), arrived: 0 };
    clearTimeout(this.situationTimer);
    this.situationTimer = 0;
    this.liveSituation = this.lastSituation;
    this.timeTravel.noteHeld(0);
  }

  // The past's situation, on the map too; the request timers stand at its
  // moment, and an incident's story opened now ends there.
  showPastSituation(situation) {
    this.lastSituation = situation;
    const asOf = timeMs(situation.asOf);
    setTimerClock(Number.isNaN(asOf) ? null : () => asOf);
    this.situation.render(situation);
    this.map.render(situation);
    this.incidentView.showAsOf(situation);
  }

  // Back from the past: the live table as it was, with what arrived since,
  // and the situation now.
  returnToLive() {
    const held = this.held;
    this.held = null;
    setTimerClock(null);
    this.table.clear();
    for (const { update, leftView, arrived } of held?.entries ?? []) {
      this.table.add([update], { leftView, arrived });
    }
    this.lastSituation = this.liveSituation;
    this.incidentView.showAsOf(null);
    if (this.lastSituation) {
      this.situation.render(this.lastSituation);
      this.map.render(this.lastSituation);
    } else {
      this.situation.clear('Loading…');
      this.map.clear();
    }
    clearTimeout(this.situationTimer);
    this.situationTimer = 0;
    // What the held updates changed: the whole situation, now.
    this.situationWhole = true;
    if (!this.situationBusy) this.refreshSituation();
  }

  // Signed out or failed: the view is loaded again from scratch.
  leavePastQuietly() {
    if (!this.held) return;
    this.held = null;
    setTimerClock(null);
    this.incidentView.showAsOf(null);
    this.timeTravel.reset();
  }

  // At most one GET /v1/situation per SITUATION_REFRESH_MS and one at a
  // time, the last one after the last update. `whole`: the whole
  // situation, not only the incidents updates named.
  scheduleSituationRefresh({ whole = false } = {}) {
    if (whole) this.situationWhole = true;
    if (this.situationTimer !== 0 || this.situationBusy || this.held) return;
    const wait = Math.max(0, this.situationRequestedAt + SITUATION_REFRESH_MS - performance.now());
    this.situationTimer = setTimeout(() => this.refreshSituation(), wait);
  }

  async refreshSituation() {
    this.situationTimer = 0;
    const generation = this.generation;
    const changed = [...this.changedIncidents];
    this.changedIncidents.clear();
    const base = this.held ? this.liveSituation : this.lastSituation;
    const whole = this.situationWhole || !base || changed.length > MAX_INCIDENT_IDS;
    this.situationWhole = false;
    if (!whole && changed.length === 0) return;
    this.situationRequestedAt = performance.now();
    this.situationBusy = true;
    // Every update up to the cursor was seen: its incident is in `changed`
    // or was asked for before.
    const cursor = this.cursor;
    try {
      if (whole) {
        const situation = await getSituation(this.filter, this.loadAbort.signal);
        if (generation === this.generation) this.renderSituation(situation);
      } else {
        const answer = await getSituationOf(this.filter, changed, this.loadAbort.signal);
        const current = this.held ? this.liveSituation : this.lastSituation;
        if (generation === this.generation && current) {
          this.renderSituation(mergeSituation(current, answer, changed, cursor));
        }
      }
    } catch (error) {
      if (generation !== this.generation || error.name === 'AbortError') return;
      // Asked again with the next refresh.
      for (const id of changed) this.changedIncidents.add(id);
      if (whole) this.situationWhole = true;
      if (error instanceof ApiError && error.needsLogin) {
        this.authenticate(() => this.scheduleSituationRefresh());
      }
      // Other failures: the stream's state says what is wrong; the next
      // update asks again.
      return;
    } finally {
      if (generation === this.generation) this.situationBusy = false;
    }
    if (this.changedIncidents.size > 0 || this.situationWhole) this.scheduleSituationRefresh();
  }

  // One click switches every time shown between UTC (Zulu) and local.
  toggleTimeZone() {
    setTimeZoneMode(timeZoneMode() === 'utc' ? 'local' : 'utc');
    this.showTimeZone();
    if (this.lastSituation) this.situation.render(this.lastSituation);
    this.table.refill();
    this.incidentView.refresh();
    this.timeTravel.refresh();
  }

  showTimeZone() {
    const utc = timeZoneMode() === 'utc';
    this.zoneButton.textContent = `Times: ${zoneLabel()}`;
    this.zoneButton.setAttribute('aria-pressed', String(!utc));
    this.zoneButton.dataset.zone = timeZoneMode();
    document.getElementById('time-zone-column').textContent = utc ? 'UTC' : 'local';
  }

  // Answers can cross; an older situation never replaces a newer one.
  renderSituation(situation) {
    const sequence = situation.sequence ?? '0';
    if (compareSequences(sequence, this.situationSequence) < 0) return;
    this.situationSequence = sequence;
    if (this.held) {
      this.liveSituation = situation;
      return;
    }
    this.lastSituation = situation;
    this.situation.render(situation);
    this.map.render(situation);
    this.form.suggestMunicipalities(municipalitiesOf(situation));
  }

  applyFilter(filter) {
    if (sameFilter(filter, this.filter)) return;
    this.filter = filter;
    this.map.showArea(filter.boundingBox);
    const fragment = filterToFragment(filter);
    history.replaceState(null, '', fragment || `${location.pathname}${location.search}`);
    this.load();
    this.timeTravel.filterChanged();
  }

  onFragmentChange() {
    const filter = filterFromFragment(location.hash);
    this.form.write(filter);
    this.applyFilter(filter);
  }

  // Every event moves the cursor; the footer shows it once per frame.
  setCursor(cursor) {
    this.cursor = cursor;
    this.timeTravel?.setHead(cursor);
    if (this.cursorFrame !== 0) return;
    this.cursorFrame = requestAnimationFrame(() => {
      this.cursorFrame = 0;
      this.cursorText.textContent = `cursor ${this.cursor || '—'}`;
      this.cursorText.dataset.cursor = this.cursor;
      this.cursorText.title = `the stream's cursor in log ${this.logId || '(unknown)'}: every `
        + 'update up to it was received or skipped by the filter';
    });
  }

  showRowCount(rows) {
    this.updatesSummary.textContent = rows === TABLE_CAPACITY
      ? `— the latest ${rows}`
      : `— ${rows} shown`;
  }

  // state: connecting | live | reconnecting | error | signed-out.
  showConnection({ state, reconnects = this.feed?.reconnects ?? 0, attempts = 0, message = '' }) {
    this.connection.dataset.state = state;
    this.connection.dataset.reconnects = String(reconnects);
    this.connectionText.textContent = connectionText(state, reconnects, attempts, message || this.serverError);
  }

  // Also in the notice: the indicator is small, and the message usually
  // says what to change (a municipality the server does not know, ...).
  showFailure(message) {
    this.startGeneration();
    this.leavePastQuietly();
    this.showConnection({ state: 'error', message });
    this.showNotice(message);
    this.situation.clear();
    this.map.clear();
  }

  showNotice(text) {
    this.notice.textContent = text;
    this.notice.hidden = text === '';
  }
}

function connectionText(state, reconnects, attempts, message) {
  switch (state) {
    case 'live':
      return reconnects > 0 ? `Live · ${reconnects} reconnect${reconnects === 1 ? '' : 's'}` : 'Live';
    case 'reconnecting':
      return `Reconnecting… attempt ${Math.max(attempts, 1)}${message ? ` (${message})` : ''}`;
    case 'error':
      return `Error: ${message}`;
    case 'signed-out':
      return 'Sign-in required';
    default:
      return 'Connecting…';
  }
}

// Worth retrying as it is: the server is unreachable, overloaded or
// restarting. fetch reports an unreachable server as a TypeError.
function isTransient(error) {
  if (error instanceof ApiError) {
    return error.httpStatus >= 500 || error.httpStatus === 429 || error.httpStatus === 408;
  }
  return error instanceof TypeError;
}

// The names first (one small cached request), so that the first rows show
// them; the dashboard works without them.
loadMunicipalityNames().finally(() => {
  const dashboard = new Dashboard();
  // For tests and the console: whether anything is cut or scrolls sideways
  // (layout-check.js), and the sequences the live table holds.
  window.sitrep = Object.freeze({
    layoutOverflow,
    liveSequences: () => (dashboard.held?.entries ?? dashboard.table.snapshot())
      .map((entry) => entry.update.sequence),
  });
  dashboard.load();
  dashboard.timeTravel.goToUrlPoint();
});
