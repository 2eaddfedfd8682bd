// One incident's story (GET /v1/incidents/{id}, docs/http.md) in a modal
// dialog: where the incident stands now, then its thread as a timeline of
// the security chain — who (mission, tier, publisher), what (kind,
// headline, description), when, how long each support request waited until
// it was acknowledged (or a running timer while it waits), where the lead
// changed hands, and every chain exception with the rule it bypassed and
// its reason, marked as such.
//
// The dialog is a native <dialog> opened with showModal(): the page behind
// is inert, Tab stays inside, Escape and the Close button close it, and the
// focus goes back to what opened it. While it is open, an update of the
// incident arriving on the stream reloads it (noteUpdate).
//
// While the time control shows a past moment (showAsOf), the story ends
// there: the steps up to the moment's sequence, the incident as it stood
// after the last of them, and the title says "as of #N".
import { ApiError, getIncident } from './api.js';
import { incidentButton } from './situation-view.js';
import {
  exceptionText, requestAsked, requestParties, requestStateNode,
} from './chain-facts.js';
import {
  categoryLabel, compareSequences, durationText, kindLabel, leadOf, leadText, missionLabel, missionShort,
  municipalityLabel, roleLabel, severityClass, severityLabel, shortTime, timeMs,
} from './format.js';

export class IncidentView {
  // dialog: the <dialog> of index.html, with [data-title], [data-body] and
  // a [data-close] button.
  constructor(dialog) {
    this.dialog = dialog;
    this.title = dialog.querySelector('[data-title]');
    this.body = dialog.querySelector('[data-body]');
    this.incidentId = '';
    this.opener = null;
    this.abort = null;
    // The past situation shown (its sequence and incidents), or null: live.
    this.asOf = null;
    // An update arrived while a load was in flight: load again after it.
    this.stale = false;
    dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
    // A click on the backdrop (the dialog element itself, outside its content).
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener('close', () => this.onClosed());
  }

  // Shows incident `incidentId`; `opener` gets the focus back on close.
  open(incidentId, opener) {
    this.incidentId = incidentId;
    this.opener = opener ?? document.activeElement;
    this.dialog.dataset.incidentId = incidentId;
    this.title.textContent = `Incident ${incidentId}`;
    this.body.replaceChildren(paragraph('incident-loading', 'Loading the incident’s story…'));
    this.dialog.dataset.state = 'loading';
    if (!this.dialog.open) this.dialog.showModal();
    this.load();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  // The time control shows `situation` (a past one), or live (null): an
  // open story is shown again up to that moment.
  showAsOf(situation) {
    const before = this.asOf?.sequence ?? null;
    this.asOf = situation ? { sequence: situation.sequence ?? '0', incidents: situation.incidents ?? [] } : null;
    if (!this.dialog.open || (this.asOf?.sequence ?? null) === before) return;
    if (this.thread && this.asOf && compareSequences(this.asOf.sequence, this.thread.sequence ?? '0') <= 0) {
      this.render(this.thread);
    } else {
      this.load();
    }
  }

  // An update arrived on the stream: the story of its incident changed.
  noteUpdate(update) {
    if (!this.dialog.open || update?.incidentId !== this.incidentId) return;
    if (this.abort) {
      this.stale = true;
    } else {
      this.load();
    }
  }

  async load() {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.stale = false;
    const incidentId = this.incidentId;
    try {
      const thread = await getIncident(incidentId, abort.signal);
      if (this.abort !== abort) return;
      this.render(thread);
    } catch (error) {
      if (error.name === 'AbortError' || this.abort !== abort) return;
      this.showError(error);
    }
    if (this.abort !== abort) return;
    this.abort = null;
    if (this.stale) this.load();
  }

  onClosed() {
    this.abort?.abort();
    this.abort = null;
    this.stale = false;
    // The opener may have been replaced meanwhile (the situation is rebuilt
    // on every refresh): then the same incident's button takes the focus.
    const opener = this.opener?.isConnected ? this.opener : incidentButton(document, this.incidentId);
    this.opener = null;
    this.incidentId = '';
    delete this.dialog.dataset.incidentId;
    this.dialog.dataset.state = 'closed';
    // Dropping the content also stops its waiting timers.
    this.body.replaceChildren();
    opener?.focus();
  }

  showError(error) {
    this.dialog.dataset.state = 'error';
    const text = error instanceof ApiError && error.httpStatus === 404
      ? `No incident ${this.incidentId} that you may read (${error.message}).`
      : `Could not load the incident: ${error.message}`;
    this.body.replaceChildren(paragraph('incident-error', text));
  }

  // Renders the open incident again (the clock changed: UTC or local).
  refresh() {
    if (this.thread && this.dialog.open) this.render(this.thread);
  }

  render(thread) {
    this.thread = thread;
    const shown = this.asOf ? threadAsOf(thread, this.asOf) : thread;
    const incident = shown.incident ?? {};
    const latest = incident.latest ?? {};
    const asOfText = this.asOf ? ` — as of #${this.asOf.sequence}` : '';
    this.title.textContent = (latest.headline
      ? `${latest.headline} — ${incident.incidentId ?? this.incidentId}`
      : `Incident ${incident.incidentId ?? this.incidentId}`) + asOfText;
    if (this.asOf) this.dialog.dataset.asOfSequence = this.asOf.sequence;
    else delete this.dialog.dataset.asOfSequence;
    const scroll = this.body.scrollTop;
    if (!shown.incident) {
      this.body.replaceChildren(paragraph('incident-truncated', `Not yet reported as of #${this.asOf.sequence}.`));
      this.dialog.dataset.state = 'shown';
      return;
    }
    this.body.replaceChildren(
      ...(this.asOf ? [paragraph('incident-as-of', `As of #${this.asOf.sequence}, the moment the time control `
        + `shows: ${shown.later} later update${shown.later === 1 ? '' : 's'} not shown.`)] : []),
      renderSummary(incident),
      ...renderExceptions(incident),
      ...renderRequests(incident),
      ...renderTimeline(shown, incident),
    );
    this.body.scrollTop = scroll;
    this.dialog.dataset.state = 'shown';
  }
}

// The thread as it stood at `asOf.sequence`: its steps up to there, the
// incident after the last of them (the step's state; when retention took
// the states, the past situation's incident), and how many steps came later.
// No incident when the thread starts after the moment.
function threadAsOf(thread, asOf) {
  const steps = thread.steps ?? [];
  const before = steps.filter((step) => compareSequences(step.update?.sequence ?? '0', asOf.sequence) <= 0);
  const last = before.at(-1);
  const listed = asOf.incidents.find((incident) => incident.incidentId === thread.incident?.incidentId);
  let incident = null;
  if (last?.state) incident = { incidentId: thread.incident?.incidentId, ...last.state, latest: last.update };
  else if (listed) incident = listed;
  else if (last) incident = { incidentId: thread.incident?.incidentId, latest: last.update };
  return { ...thread, incident, steps: before, later: steps.length - before.length };
}

// Open or closed, who leads since when, where, how bad, who opened it.
function renderSummary(incident) {
  const facts = element('dl', 'incident-summary');
  const lead = leadOf(incident);
  const latest = incident.latest ?? {};
  const add = (term, value, className = '') => {
    const dd = element('dd', className);
    dd.append(value);
    facts.append(element('dt', '', term), dd);
  };
  add('Status', incident.closed ? `closed (${kindLabel(latest.kind)})` : 'open',
    incident.closed ? 'closed' : 'open');
  const since = incident.lead?.since ? ` since ${shortTime(incident.lead.since)}` : '';
  add('Led by', `${leadText(lead)}${since}`, 'lead');
  add('Where', placeText(incident.location ?? latest.location) || 'Kosovo-wide', 'where');
  add('Severity', `${severityLabel(latest.severity)} now, peak ${severityLabel(incident.peakSeverity).toLowerCase()}`);
  add('Category', categoryLabel(incident.category ?? latest.category));
  add('Opened', `${shortTime(incident.openedAt)} by ${missionLabel(incident.openedBy)}`
    + `${incident.openedByPublisher ? ` (${incident.openedByPublisher})` : ''}`);
  add('Updates', String(incident.version ?? 0));
  return facts;
}

function renderExceptions(incident) {
  const exceptions = incident.exceptions ?? [];
  if (exceptions.length === 0) return [];
  const list = element('ul', 'exception-list');
  for (const record of exceptions) {
    const item = element('li', 'exception-mark-line', `#${record.sequence} ${shortTime(record.at)} — `
      + exceptionText(record));
    item.dataset.sequence = record.sequence ?? '';
    item.dataset.rule = record.rule ?? '';
    list.append(item);
  }
  return [element('h3', 'exception-heading', 'Chain exceptions — not the normal chain'), list];
}

function renderRequests(incident) {
  const requests = incident.supportRequests ?? [];
  if (requests.length === 0) return [];
  const list = element('ul', 'request-list');
  for (const request of requests) {
    const item = element('li', 'support-request');
    item.dataset.state = request.state ?? '';
    item.append(element('span', 'parties', requestParties(request)),
      ` asked ${shortTime(request.requestedAt)} · `, requestStateNode(request));
    list.append(item);
  }
  return [element('h3', '', 'Support requests'), list];
}

function renderTimeline(thread, incident) {
  const steps = thread.steps ?? [];
  const parts = [element('h3', '', 'Timeline')];
  if (thread.historyTruncated) {
    parts.push(paragraph('incident-truncated', 'Retention removed the first updates of this '
      + 'thread: the timeline starts later, without the lead at each step.'));
  }
  const context = {
    requests: incident.supportRequests ?? [],
    exceptions: new Map((incident.exceptions ?? []).map((record) => [record.sequence, record])),
  };
  const list = element('ol', 'timeline');
  let previous = null;
  for (const step of steps) {
    list.append(renderStep(step, previous, context));
    if (step.state) previous = step.state;
  }
  parts.push(list);
  return parts;
}

function renderStep(step, previousState, context) {
  const update = step.update ?? {};
  const exception = context.exceptions.get(update.sequence);
  const notes = chainNotes(update, step.state, previousState, context);
  const item = element('li', `timeline-step ${severityClass(update.severity)}`
    + `${exception ? ' exception' : ''}${notes.leadChanged ? ' lead-change' : ''}`);
  item.dataset.sequence = update.sequence ?? '';
  item.dataset.kind = update.kind ?? '';
  item.dataset.mission = update.mission ?? '';
  item.dataset.locationCarried = String(Boolean(update.locationCarried));

  const when = element('time', 'step-when', shortTime(update.occurredAt));
  when.dateTime = update.occurredAt ?? '';
  when.title = [
    update.occurredAt && `occurred ${update.occurredAt}`,
    update.receivedAt && `received ${update.receivedAt}`,
    update.locationCarried && `no location given: the incident's (${placeText(update.location) || 'Kosovo-wide'})`,
    `sequence ${update.sequence}`,
  ].filter(Boolean).join('\n');

  const who = element('div', 'step-who');
  who.append(element('strong', 'mission', missionShort(update.mission)),
    ` · ${roleLabel(update.role).toLowerCase()}`);
  if (update.publisher) who.append(' · ', element('span', 'publisher', update.publisher));

  const what = element('div', 'step-what');
  what.append(
    element('span', 'step-kind', kindLabel(update.kind)), ' ',
    element('span', `badge ${severityClass(update.severity)}`, severityLabel(update.severity)), ' ',
    element('span', 'step-headline', update.headline ?? ''),
  );
  if (update.description) what.append(paragraph('step-description', update.description));

  item.append(when, who, what);
  if (exception) notes.items.push(exceptionNote(exception));
  if (notes.items.length) {
    const list = element('ul', 'step-chain');
    list.append(...notes.items);
    item.append(list);
  }
  return item;
}

// What a step did to the chain: lead changes, requests made, answered or
// closed, a location kept from before.
function chainNotes(update, state, previousState, { requests }) {
  const items = [];
  let leadChanged = false;
  if (state) {
    const before = previousState ? leadOf(previousState) : { mission: '', tier: '' };
    const after = leadOf(state);
    if (before.tier !== after.tier || before.mission !== after.mission) {
      leadChanged = true;
      items.push(note('lead', before.tier
        ? `lead: ${leadText(before)} → ${leadText(after)}`
        : `${leadText(after)} leads`));
    }
  }
  for (const request of requests) {
    if (request.requestedSequence === update.sequence) {
      const item = note('request', `asked ${requestAsked(request)} for support · `);
      item.append(requestStateNode(request));
      items.push(item);
    }
    if (request.acknowledgedSequence === update.sequence) {
      const waited = timeMs(request.acknowledgedAt) - timeMs(request.requestedAt);
      items.push(note('acknowledge', `acknowledged the request ${requestParties(request)} `
        + `after ${durationText(waited)} (asked ${shortTime(request.requestedAt)})`));
    }
    if (request.closedSequence === update.sequence) {
      items.push(note('closed', `closed the request ${requestParties(request)}`));
    }
  }
  // Where: said when an update sets it (a follow-up without one keeps the
  // incident's place, and the server marks it as carried).
  if (!update.locationCarried) {
    const here = placeText(update.location) || 'Kosovo-wide';
    if (!previousState) {
      items.push(note('where', `at ${here}`));
    } else if (here !== (placeText(previousState.location) || 'Kosovo-wide')) {
      items.push(note('where', `moved to ${here}`));
    }
  }
  return { items, leadChanged };
}

function exceptionNote(record) {
  const item = note('exception', '');
  item.append(element('strong', '', record.beforeRules ? 'before the rules' : 'chain exception'),
    ` ${exceptionText(record)}`);
  return item;
}

function note(kind, text) {
  const item = element('li', `note note-${kind}`, text);
  item.dataset.note = kind;
  return item;
}

function placeText(location) {
  if (!location) return '';
  const municipality = municipalityLabel(location.municipality);
  return [municipality, location.place].filter(Boolean).join(' · ');
}

function paragraph(className, text) {
  return element('p', className, text);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
