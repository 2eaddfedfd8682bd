// The current situation (GET /v1/situation) by municipality: for each open
// incident, who leads it (mission and tier of the security chain), who asked
// whom for support and how long it has waited, where it is, and whether it
// broke the chain on purpose (a chain exception), which is marked and never
// drawn as a normal chain. Clicking an incident opens its story.
//
// A situation may hold 10,000 open incidents (issue 24): cards for all of
// them took Chromium 6-18 s of style and layout. The list is therefore
// rendered a page at a time, in its order: the first PAGE_SIZE cards, and
// the next page whenever the end of what is shown comes within a screen of
// the list's visible part (an IntersectionObserver on a sentinel, no
// scroll handler). A refresh renders again as many cards as were shown, so
// the scroll position stays. The summary and each place's heading count
// every incident, shown or not yet.
import {
  kindLabel, leadOf, leadText, missionLabel, missionShort, municipalityLabel, roleLabel,
  roleTier, severityClass, severityLabel, severityRank, shortTime, statusMark,
} from './format.js';
import {
  exceptionText, requestParties, requestStateNode, requestsInForce,
} from './chain-facts.js';

// The usual holder of each tier, to name the steps of the chain.
const TIERS = [
  { tier: 1, label: '1st', holder: 'Kosovo Police' },
  { tier: 2, label: '2nd', holder: 'EULEX' },
  { tier: 3, label: '3rd', holder: 'KFOR' },
];

const KOSOVO_WIDE = '';
// Cards rendered at once: more than a tall screen holds.
export const PAGE_SIZE = 100;

export class SituationView {
  // onOpenIncident(incidentId, opener): an incident was clicked.
  constructor(container, summary, { onOpenIncident }) {
    this.container = container;
    this.summary = summary;
    // The incidents in the list's order, with their groups, and how many
    // have a card (rendered).
    this.order = [];
    this.rendered = 0;
    // Where the next card goes: its group's section and list.
    this.openGroup = null;
    this.sentinel = element('p', 'situation-more');
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.renderMore();
    }, { root: container, rootMargin: '100% 0px' });
    // A click anywhere on a card opens it; the keyboard has the headline's button.
    container.addEventListener('click', (event) => {
      const card = event.target.closest('li.incident');
      if (!card || !card.dataset.incidentId) return;
      // Selecting a card's text (to copy an id) is not a request to open it.
      if (!event.target.closest('.incident-open') && window.getSelection()?.type === 'Range') return;
      onOpenIncident(card.dataset.incidentId, card.querySelector('.incident-open'));
    });
  }

  clear(message = '') {
    this.order = [];
    this.rendered = 0;
    this.openGroup = null;
    this.container.replaceChildren();
    delete this.container.dataset.incidents;
    this.summary.textContent = message;
  }

  render(situation) {
    const incidents = situation.incidents ?? [];
    const groups = groupByMunicipality(incidents);
    // A keyboard user on a card keeps the focus across the refresh.
    const focused = this.container.contains(document.activeElement)
      ? document.activeElement.closest('li.incident')?.dataset.incidentId : undefined;
    const wanted = Math.max(PAGE_SIZE, this.rendered);
    this.order = groups.flatMap((group) => group.incidents.map((incident) => ({ group, incident })));
    this.rendered = 0;
    this.openGroup = null;
    this.container.replaceChildren();
    this.renderUpTo(wanted);
    if (focused) incidentButton(this.container, focused)?.focus({ preventScroll: true });
    this.summary.textContent = summaryText(incidents.length, groups.length, situation);
    // The point the view is consistent at, and how many incidents it holds
    // (cards or not yet), for tests and the curious.
    this.container.dataset.sequence = situation.sequence ?? '0';
    this.container.dataset.incidents = String(incidents.length);
  }

  // The next page of cards: the sentinel came near the visible part.
  renderMore() {
    if (this.rendered < this.order.length) this.renderUpTo(this.rendered + PAGE_SIZE);
  }

  // Cards for the incidents up to `count` (in the list's order), appended
  // in one go; the sentinel after them while more remain.
  renderUpTo(count) {
    const end = Math.min(count, this.order.length);
    const sections = [];
    for (; this.rendered < end; ++this.rendered) {
      const { group, incident } = this.order[this.rendered];
      if (this.openGroup?.group !== group) {
        this.openGroup = { group, ...renderGroup(group) };
        sections.push(this.openGroup.section);
      }
      this.openGroup.list.append(renderIncident(incident));
    }
    this.sentinel.remove();
    this.container.append(...sections);
    const left = this.order.length - this.rendered;
    if (left > 0) {
      this.sentinel.textContent = `${plural(left, 'more incident')} below: scroll to show them`;
      this.container.append(this.sentinel);
      // Observed anew, the sentinel is reported once whatever its state: a
      // page that left it near the visible part (a tall wall display) is
      // followed by the next one, not only after a scroll.
      this.observer.unobserve(this.sentinel);
      this.observer.observe(this.sentinel);
    }
    this.container.dataset.rendered = String(this.rendered);
  }
}

// The button that opens incident `incidentId` under `root`, if shown.
export function incidentButton(root, incidentId) {
  return root.querySelector(`[data-incident-id="${CSS.escape(incidentId)}"] :is(.incident-open, .incident-link)`);
}

// Where an incident is: its own location (carried forward by the server
// when an update leaves it out); older servers only have the latest update's.
function locationOf(incident) {
  return incident.location ?? incident.latest?.location ?? {};
}

// The municipality ids of a situation, for the filter's suggestions.
export function municipalitiesOf(situation) {
  const ids = new Set();
  for (const incident of situation.incidents ?? []) {
    const id = locationOf(incident).municipality;
    if (id) ids.add(id);
  }
  return ids;
}

function groupByMunicipality(incidents) {
  const groups = new Map();
  for (const incident of incidents) {
    const id = locationOf(incident).municipality ?? KOSOVO_WIDE;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(urgencyKey(incident));
  }
  const list = [...groups].map(([id, keyed]) => ({
    id,
    incidents: keyed.sort(byUrgency).map((entry) => entry.incident),
    worst: keyed.reduce((worst, entry) => Math.max(worst, entry.severity), -Infinity),
  }));
  // The most severe municipality first; then the busiest; then by name.
  return list.sort((a, b) => b.worst - a.worst
    || b.incidents.length - a.incidents.length
    || groupName(a.id).localeCompare(groupName(b.id)));
}

// An incident's sort keys, computed once: a 10,000-incident sort compares
// ~130,000 pairs, and deriving them per comparison (leadOf's object, two
// BigInts) took most of the sort (issue 24).
function urgencyKey(incident) {
  const sequence = incident.latest?.sequence ?? '0';
  return {
    incident,
    severity: severityRank(incident.latest?.severity),
    tier: roleTier(leadOf(incident).tier),
    // A decimal uint64 without leading zeros: longer is larger, and equal
    // lengths compare as text (exact, unlike a Number above 2^53).
    sequenceLength: sequence.length,
    sequence,
  };
}

// The most severe first; then the highest tier in charge; then the newest.
function byUrgency(a, b) {
  return b.severity - a.severity
    || b.tier - a.tier
    || b.sequenceLength - a.sequenceLength
    || (a.sequence < b.sequence ? 1 : a.sequence > b.sequence ? -1 : 0);
}

function groupName(id) {
  return id === KOSOVO_WIDE ? 'Kosovo-wide' : municipalityLabel(id);
}

// A place's section, its heading counting all its incidents, and its list
// (empty: the cards are appended as they are rendered).
function renderGroup(group) {
  const section = element('section', 'municipality');
  section.dataset.municipality = group.id;
  const heading = element('h3', '', groupName(group.id));
  const count = element('span', 'count', plural(group.incidents.length, 'incident'));
  heading.append(' ', count);
  const list = element('ul', 'incidents');
  section.append(heading, list);
  return { section, list };
}

function renderIncident(incident) {
  const latest = incident.latest ?? {};
  const lead = leadOf(incident);
  const exceptions = incident.exceptions ?? [];
  const item = element('li', `incident ${severityClass(latest.severity)}`
    + `${exceptions.length ? ' has-exception' : ''}`);
  item.dataset.incidentId = incident.incidentId ?? '';
  item.dataset.tier = String(roleTier(lead.tier));
  item.dataset.leadMission = lead.mission;
  item.dataset.exceptions = String(exceptions.length);
  item.dataset.latestSequence = latest.sequence ?? '';
  item.dataset.version = String(incident.version ?? '');

  const head = element('div', 'incident-head');
  // The headline is the card's button: Tab reaches it, Enter opens the story.
  const open = element('button', 'incident-open incident-headline',
    `${statusMark(latest)}${latest.headline ?? ''}`);
  open.type = 'button';
  open.setAttribute('aria-haspopup', 'dialog');
  open.title = `Open the story of incident ${incident.incidentId ?? ''}`;
  head.append(element('span', `badge ${severityClass(latest.severity)}`, severityLabel(latest.severity)), open);
  if (exceptions.length) head.append(renderExceptionMark(exceptions));
  item.append(head, renderChain(incident, lead, exceptions.length > 0), renderSupport(incident),
    renderFacts(incident, latest));
  return item;
}

// Three steps, the ones up to the tier in charge filled in, and who leads.
// The text says the same as the colours, for screen readers and colour-blind
// users. An incident with a chain exception gets a hatched chain: it did not
// get there the normal way.
function renderChain(incident, lead, exceptional) {
  const current = roleTier(lead.tier);
  const chain = element('ol', `chain${exceptional ? ' exception' : ''}`);
  chain.setAttribute('aria-label', (current
    ? `Security chain: ${leadText(lead)} in charge`
    : 'Security chain: no responder tier yet')
    + (exceptional ? ', reached with a chain exception' : ''));
  for (const step of TIERS) {
    const reached = step.tier <= current;
    const item = element('li', `step${reached ? ' reached' : ''}${step.tier === current ? ' current' : ''}`,
      step.label);
    item.title = `${step.label} responder (usually ${step.holder})`;
    if (step.tier === current) item.setAttribute('aria-current', 'step');
    chain.append(item);
  }
  const leader = element('li', 'lead', current ? `led by ${leadText(lead)}` : '');
  if (incident.lead?.since) {
    leader.title = `${missionLabel(lead.mission)} leads as ${roleLabel(lead.tier).toLowerCase()} `
      + `since ${incident.lead.since}`;
  }
  chain.append(leader);
  return chain;
}

function renderExceptionMark(exceptions) {
  const mark = element('span', 'exception-mark',
    exceptions.length === 1 ? 'chain exception' : `${exceptions.length} chain exceptions`);
  mark.title = exceptions.map(exceptionText).join('\n');
  return mark;
}

// The requests in force: who asked whom, waiting (a running timer) or
// acknowledged. Closed ones are history: the incident's story has them.
function renderSupport(incident) {
  const requests = requestsInForce(incident);
  const list = element('ul', 'support-requests');
  list.hidden = requests.length === 0;
  for (const request of requests) {
    const item = element('li', 'support-request');
    item.dataset.state = request.state ?? '';
    item.append(element('span', 'parties', requestParties(request)), ' ', requestStateNode(request));
    list.append(item);
  }
  return list;
}

function renderFacts(incident, latest) {
  const facts = element('p', 'incident-facts');
  const peak = element('span', `peak ${severityClass(incident.peakSeverity)}`,
    `peak ${severityLabel(incident.peakSeverity).toLowerCase()}`);
  const last = `${kindLabel(latest.kind)} by ${missionShort(latest.mission)} ${shortTime(latest.occurredAt)}`;
  const placeName = locationOf(incident).place;
  const place = placeName ? ` · ${placeName}` : '';
  facts.append(peak, ` · ${last}${place} · `, element('code', 'incident-id', incident.incidentId ?? ''));
  facts.title = [
    `opened by ${missionLabel(incident.openedBy)} ${incident.openedAt ?? ''}`,
    `${incident.version ?? 0} updates`,
  ].join('\n');
  return facts;
}

function summaryText(incidentCount, groupCount, situation) {
  if (incidentCount === 0) return 'No current incidents match the filter.';
  return `${plural(incidentCount, 'current incident')} in ${plural(groupCount, 'place')}, `
    + `as of ${shortTime(situation.asOf)}`;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
