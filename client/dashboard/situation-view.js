// The current situation (GET /v1/situation) by municipality: for each open
// incident, who leads it (mission and tier of the security chain), who asked
// whom for support and how long it has waited, where it is, and whether it
// broke the chain on purpose (a chain exception), which is marked and never
// drawn as a normal chain. The list is small (the open incidents), so it is
// rebuilt whole on every refresh. Clicking an incident opens its story.
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

export class SituationView {
  // onOpenIncident(incidentId, opener): an incident was clicked.
  constructor(container, summary, { onOpenIncident }) {
    this.container = container;
    this.summary = summary;
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
    this.container.replaceChildren();
    this.summary.textContent = message;
  }

  render(situation) {
    const incidents = situation.incidents ?? [];
    const groups = groupByMunicipality(incidents);
    // A keyboard user on a card keeps the focus across the refresh.
    const focused = this.container.contains(document.activeElement)
      ? document.activeElement.closest('li.incident')?.dataset.incidentId : undefined;
    this.container.replaceChildren(...groups.map(renderGroup));
    if (focused) incidentButton(this.container, focused)?.focus({ preventScroll: true });
    this.summary.textContent = summaryText(incidents.length, groups.length, situation);
    // The point the view is consistent at, for tests and the curious.
    this.container.dataset.sequence = situation.sequence ?? '0';
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
    groups.get(id).push(incident);
  }
  const list = [...groups].map(([id, members]) => ({
    id,
    incidents: members.sort(byUrgency),
    worst: Math.max(...members.map((incident) => severityRank(incident.latest?.severity))),
  }));
  // The most severe municipality first; then the busiest; then by name.
  return list.sort((a, b) => b.worst - a.worst
    || b.incidents.length - a.incidents.length
    || groupName(a.id).localeCompare(groupName(b.id)));
}

function byUrgency(a, b) {
  return severityRank(b.latest?.severity) - severityRank(a.latest?.severity)
    || roleTier(leadOf(b).tier) - roleTier(leadOf(a).tier)
    || Number(BigInt(b.latest?.sequence ?? 0) - BigInt(a.latest?.sequence ?? 0));
}

function groupName(id) {
  return id === KOSOVO_WIDE ? 'Kosovo-wide' : municipalityLabel(id);
}

function renderGroup(group) {
  const section = element('section', 'municipality');
  section.dataset.municipality = group.id;
  const heading = element('h3', '', groupName(group.id));
  const count = element('span', 'count', plural(group.incidents.length, 'incident'));
  heading.append(' ', count);
  const list = element('ul', 'incidents');
  list.append(...group.incidents.map(renderIncident));
  section.append(heading, list);
  return section;
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
