// The current situation (GET /v1/situation) by municipality: for each open
// incident, the tier of the security chain it has reached, the support
// requested and acknowledged between tiers, and its severity. The list is
// small (the open incidents), so it is rebuilt whole on every refresh.
import {
  kindLabel, missionLabel, missionShort, municipalityLabel, roleLabel, roleTier,
  severityClass, severityLabel, severityRank, shortTime,
} from './format.js';

// The usual holder of each tier, to name the steps of the chain.
const TIERS = [
  { tier: 1, label: '1st', holder: 'Kosovo Police' },
  { tier: 2, label: '2nd', holder: 'EULEX' },
  { tier: 3, label: '3rd', holder: 'KFOR' },
];

const KOSOVO_WIDE = '';

export class SituationView {
  constructor(container, summary) {
    this.container = container;
    this.summary = summary;
  }

  clear(message = '') {
    this.container.replaceChildren();
    this.summary.textContent = message;
  }

  render(situation) {
    const incidents = situation.incidents ?? [];
    const groups = groupByMunicipality(incidents);
    this.container.replaceChildren(...groups.map(renderGroup));
    this.summary.textContent = summaryText(incidents.length, groups.length, situation);
  }
}

// The municipality ids of a situation, for the filter's suggestions.
export function municipalitiesOf(situation) {
  const ids = new Set();
  for (const incident of situation.incidents ?? []) {
    const id = incident.latest?.location?.municipality;
    if (id) ids.add(id);
  }
  return ids;
}

function groupByMunicipality(incidents) {
  const groups = new Map();
  for (const incident of incidents) {
    const id = incident.latest?.location?.municipality ?? KOSOVO_WIDE;
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
    || roleTier(b.currentTier) - roleTier(a.currentTier)
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
  const item = element('li', `incident ${severityClass(latest.severity)}`);
  item.dataset.incidentId = incident.incidentId ?? '';
  item.dataset.tier = String(roleTier(incident.currentTier));

  const head = element('div', 'incident-head');
  head.append(
    element('span', `badge ${severityClass(latest.severity)}`, severityLabel(latest.severity)),
    element('span', 'incident-headline', latest.headline ?? ''),
  );
  item.append(head, renderChain(incident), renderFacts(incident, latest));
  return item;
}

// Three steps, the ones up to the current tier filled in. The text says
// the same as the colours, for screen readers and colour-blind users.
function renderChain(incident) {
  const current = roleTier(incident.currentTier);
  const chain = element('ol', 'chain');
  chain.setAttribute('aria-label', current
    ? `Security chain: ${roleLabel(incident.currentTier).toLowerCase()} in charge`
    : 'Security chain: no responder tier yet');
  for (const step of TIERS) {
    const reached = step.tier <= current;
    const item = element('li', `step${reached ? ' reached' : ''}${step.tier === current ? ' current' : ''}`,
      step.label);
    item.title = `${step.label} responder (usually ${step.holder})`;
    if (step.tier === current) item.setAttribute('aria-current', 'step');
    chain.append(item);
  }
  chain.append(renderSupport(incident));
  return chain;
}

function renderSupport(incident) {
  if (incident.supportAcknowledged) {
    return element('li', 'support acknowledged', 'support acknowledged');
  }
  if (incident.supportRequested) {
    return element('li', 'support requested', 'support requested');
  }
  return element('li', 'support none', '');
}

function renderFacts(incident, latest) {
  const facts = element('p', 'incident-facts');
  const peak = element('span', `peak ${severityClass(incident.peakSeverity)}`,
    `peak ${severityLabel(incident.peakSeverity).toLowerCase()}`);
  const last = `${kindLabel(latest.kind)} by ${missionShort(latest.mission)} ${shortTime(latest.occurredAt)}`;
  const place = latest.location?.place ? ` · ${latest.location.place}` : '';
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
