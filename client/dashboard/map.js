// The map of Kosovo: each open incident of the situation at its point, or
// else at its municipality's seat (GET /v1/municipalities), coloured by
// severity and shaped by the tier that leads it (circle: 1st, Kosovo Police;
// square: 2nd, EULEX; triangle: 3rd, KFOR; a letter inside says the mission
// that leads). Clicking a marker opens the incident's story; dragging a
// rectangle on the map sets the filter's bounding box, which the server
// applies (docs/http.md: filter.bounding_box.*).
//
// A big situation (more than MARKER_LIMIT incidents with a place, issue 24:
// 10,000 markers of six SVG nodes each took seconds of layout and made the
// map unreadable) is drawn as groups instead: one disc per cell of a
// GROUP_CELL grid, at its members' mean place, sized by their number and
// coloured by the worst severity among them. Clicking a group sets the
// filter's area to its members' extent, as a drag would; with few enough
// incidents there, the markers come back.
//
// The outline is Natural Earth's (kosovo-outline.geojson, served by sitrepd
// with the dashboard; data/SOURCES.md). Nothing is fetched off the machine.
//
// Projection: equirectangular, fitted to Kosovo: x grows with longitude
// scaled by cos(the extent's middle latitude), y with latitude, both in
// SVG user units of the viewBox (so the map scales with its panel). The
// extent is on the <svg> as data-min-lon/-max-lon/-min-lat/-max-lat.
import {
  leadOf, leadText, missionShort, municipalityLabel, municipalitySeat, roleTier,
  severityClass, severityLabel, severityRank,
} from './format.js';
import { isWallMode } from './wall-mode.js';

// A little more than Kosovo's extent (20.01..21.79 E, 41.85..43.27 N).
export const EXTENT = Object.freeze({ minLon: 19.95, maxLon: 21.85, minLat: 41.8, maxLat: 43.32 });
// viewBox units: about a CSS pixel each at the map's usual width, so that
// markers and strokes keep a readable size.
const WIDTH = 400;
const COS = Math.cos(((EXTENT.minLat + EXTENT.maxLat) / 2) * (Math.PI / 180));
const SCALE = WIDTH / ((EXTENT.maxLon - EXTENT.minLon) * COS);
const HEIGHT = Math.round((EXTENT.maxLat - EXTENT.minLat) * SCALE);
// Markers closer than CLUSTER apart (several incidents at one seat, or the
// two ends of one bridge) fan out around the first one's place.
const CLUSTER = 10;
const FAN_RADIUS = 12;
// Above this many placed incidents the map draws groups (see above).
export const MARKER_LIMIT = 500;
// The side of a group's cell, in viewBox units (the map is WIDTH wide).
const GROUP_CELL = 20;
// Degrees added around a group's extent for its area (~500 m), so that an
// incident on the edge stays inside.
const GROUP_MARGIN = 0.005;
// A drag shorter than this (viewBox units) is a click, not an area.
const MIN_DRAG = 5;
const SVG_NS = 'http://www.w3.org/2000/svg';

export function project(lon, lat) {
  return [(lon - EXTENT.minLon) * COS * SCALE, (EXTENT.maxLat - lat) * SCALE];
}

export function unproject(x, y) {
  return [x / (COS * SCALE) + EXTENT.minLon, EXTENT.maxLat - y / SCALE];
}

// Where an incident goes: its point, else its municipality's seat, else
// nowhere (Kosovo-wide, or the names table did not load).
export function placeOf(incident) {
  const location = incident.location ?? incident.latest?.location ?? {};
  const point = location.point;
  if (point && Number.isFinite(point.latitude) && Number.isFinite(point.longitude)) {
    return { lat: point.latitude, lon: point.longitude, placed: 'point' };
  }
  const seat = municipalitySeat(location.municipality);
  if (seat) return { lat: seat.latitude, lon: seat.longitude, placed: 'seat' };
  return null;
}

export class MapView {
  // onOpenIncident(incidentId, opener): a marker was clicked.
  // onArea(box | null): an area was dragged (or cleared); box is a
  // BoundingBox in the JSON form {minLatitude, minLongitude, maxLatitude,
  // maxLongitude}.
  constructor(panel, { onOpenIncident, onArea }) {
    this.panel = panel;
    this.onOpenIncident = onOpenIncident;
    this.onArea = onArea;
    this.summary = panel.querySelector('[data-map-summary]');
    this.clearButton = panel.querySelector('[data-clear-area]');
    this.svg = svgElement('svg', {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'map', role: 'group',
      'aria-label': 'Map of Kosovo with the current incidents; drag to select an area',
      'data-min-lon': EXTENT.minLon, 'data-max-lon': EXTENT.maxLon,
      'data-min-lat': EXTENT.minLat, 'data-max-lat': EXTENT.maxLat,
    });
    this.outline = svgElement('path', { class: 'map-outline', 'data-outline': '' });
    this.areaRect = svgElement('rect', { class: 'map-area', visibility: 'hidden' });
    this.dragRect = svgElement('rect', { class: 'map-drag', visibility: 'hidden' });
    this.markers = svgElement('g', { class: 'map-markers' });
    this.svg.append(this.outline, this.areaRect, this.markers, this.dragRect);
    panel.querySelector('[data-map]').append(this.svg);
    this.clearButton.addEventListener('click', () => this.onArea(null));
    this.listenForClicks();
    this.listenForDrags();
    this.loadOutline();
  }

  async loadOutline() {
    try {
      const response = await fetch('/dashboard/kosovo-outline.geojson', { cache: 'default' });
      if (!response.ok) return;
      const outline = await response.json();
      this.outline.setAttribute('d', pathOf(outline.geometry));
    } catch {
      // The markers still stand in the right places without the outline.
    }
  }

  clear() {
    this.markers.replaceChildren();
    this.summary.textContent = '';
    delete this.panel.dataset.incidents;
    delete this.panel.dataset.grouped;
  }

  render(situation) {
    const incidents = situation.incidents ?? [];
    const placed = [];  // {incident, place, x, y}
    for (const incident of incidents) {
      const place = placeOf(incident);
      if (!place) continue;
      const [x, y] = project(place.lon, place.lat);
      placed.push({ incident, place, x, y });
    }
    const grouped = placed.length > MARKER_LIMIT;
    const nodes = grouped ? groupMarkers(placed) : incidentMarkers(placed);
    // A keyboard user on a marker keeps the focus across the refresh.
    const focused = this.markers.contains(document.activeElement)
      ? document.activeElement.closest('.map-marker')?.dataset.incidentId : undefined;
    this.markers.replaceChildren(...nodes);
    if (focused) {
      this.markers.querySelector(`.map-marker[data-incident-id="${CSS.escape(focused)}"]`)
        ?.focus({ preventScroll: true });
    }
    const unplaced = incidents.length - placed.length;
    this.summary.textContent = `${placed.length} on the map`
      + (grouped ? ` in ${plural(nodes.length, 'group')} (click one to show its area)` : '')
      + (unplaced ? ` · ${unplaced} Kosovo-wide or without a place` : '');
    // What the map shows, for tests and the curious.
    this.panel.dataset.incidents = String(incidents.length);
    this.panel.dataset.grouped = grouped ? 'true' : '';
  }

  // The filter's area, drawn on the map; null hides it.
  showArea(box) {
    this.clearButton.hidden = !box;
    this.panel.dataset.area = box ? 'set' : '';
    if (!box) {
      this.areaRect.setAttribute('visibility', 'hidden');
      return;
    }
    const [x1, y1] = project(box.minLongitude, box.maxLatitude);
    const [x2, y2] = project(box.maxLongitude, box.minLatitude);
    setRect(this.areaRect, x1, y1, x2, y2);
    this.areaRect.setAttribute('visibility', 'visible');
  }

  listenForClicks() {
    const open = (event) => {
      const marker = event.target.closest?.('.map-marker');
      if (marker) this.onOpenIncident(marker.dataset.incidentId, marker);
      // A group stands for its area (a wall display only shows).
      const group = event.target.closest?.('.map-group');
      if (group && !isWallMode()) this.onArea(JSON.parse(group.dataset.area));
    };
    this.markers.addEventListener('click', open);
    this.markers.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open(event);
      }
    });
  }

  // A drag that starts off the markers draws the area; a short one is a
  // click on the map and does nothing.
  listenForDrags() {
    let start = null;
    this.svg.addEventListener('pointerdown', (event) => {
      // A wall display has no controls: its map only shows.
      if (event.button !== 0 || event.target.closest('.map-marker, .map-group') || isWallMode()) return;
      start = this.toViewBox(event);
      this.svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    this.svg.addEventListener('pointermove', (event) => {
      if (!start) return;
      const [x, y] = this.toViewBox(event);
      setRect(this.dragRect, start[0], start[1], x, y);
      this.dragRect.setAttribute('visibility', 'visible');
    });
    const finish = (event, cancelled) => {
      if (!start) return;
      const [x0, y0] = start;
      start = null;
      this.dragRect.setAttribute('visibility', 'hidden');
      if (cancelled) return;
      const [x, y] = this.toViewBox(event);
      if (Math.abs(x - x0) < MIN_DRAG || Math.abs(y - y0) < MIN_DRAG) return;
      const [lonA, latA] = unproject(x0, y0);
      const [lonB, latB] = unproject(x, y);
      this.onArea({
        minLatitude: round(Math.min(latA, latB)), minLongitude: round(Math.min(lonA, lonB)),
        maxLatitude: round(Math.max(latA, latB)), maxLongitude: round(Math.max(lonA, lonB)),
      });
    };
    this.svg.addEventListener('pointerup', (event) => finish(event, false));
    this.svg.addEventListener('pointercancel', (event) => finish(event, true));
  }

  toViewBox(event) {
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(this.svg.getScreenCTM().inverse());
    return [clamp(point.x, 0, WIDTH), clamp(point.y, 0, HEIGHT)];
  }
}

// Four decimals (~10 m): a short, readable URL fragment.
function round(degrees) {
  return Math.round(degrees * 1e4) / 1e4;
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

// One marker per incident; markers closer than CLUSTER fan out around the
// first one's place.
function incidentMarkers(placed) {
  const clusters = [];  // {x, y, members: [{marker, x, y}]}
  for (const { incident, place, x, y } of placed) {
    // At most MARKER_LIMIT incidents: a linear search is fine.
    let cluster = clusters.find((c) => Math.hypot(c.x - x, c.y - y) < CLUSTER);
    if (!cluster) {
      cluster = { x, y, members: [] };
      clusters.push(cluster);
    }
    cluster.members.push({ marker: renderMarker(incident, place, x, y), x, y });
  }
  const nodes = [];
  for (const cluster of clusters) {
    cluster.members.forEach((member, index) => fan(member, index, cluster));
    nodes.push(...cluster.members.map((member) => member.marker));
  }
  return nodes;
}

// One disc per GROUP_CELL cell holding incidents (see the top): one pass
// over the incidents, one node per group.
function groupMarkers(placed) {
  const cells = new Map();
  for (const member of placed) {
    const key = `${Math.floor(member.x / GROUP_CELL)},${Math.floor(member.y / GROUP_CELL)}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = {
        count: 0, x: 0, y: 0, worst: -Infinity, severity: undefined,
        minLat: Infinity, maxLat: -Infinity, minLon: Infinity, maxLon: -Infinity,
      };
      cells.set(key, cell);
    }
    cell.count += 1;
    cell.x += member.x;
    cell.y += member.y;
    const severity = member.incident.latest?.severity;
    if (severityRank(severity) > cell.worst) {
      cell.worst = severityRank(severity);
      cell.severity = severity;
    }
    cell.minLat = Math.min(cell.minLat, member.place.lat);
    cell.maxLat = Math.max(cell.maxLat, member.place.lat);
    cell.minLon = Math.min(cell.minLon, member.place.lon);
    cell.maxLon = Math.max(cell.maxLon, member.place.lon);
  }
  return [...cells.values()].map(renderGroup);
}

function renderGroup(cell) {
  const x = cell.x / cell.count;
  const y = cell.y / cell.count;
  const area = {
    minLatitude: round(cell.minLat - GROUP_MARGIN), minLongitude: round(cell.minLon - GROUP_MARGIN),
    maxLatitude: round(cell.maxLat + GROUP_MARGIN), maxLongitude: round(cell.maxLon + GROUP_MARGIN),
  };
  const label = `${plural(cell.count, 'incident')}, the worst ${severityLabel(cell.severity).toLowerCase()}`;
  const group = svgElement('g', {
    class: `map-group ${severityClass(cell.severity)}`,
    transform: `translate(${x.toFixed(2)} ${y.toFixed(2)})`,
    tabindex: '0', role: 'button', 'data-count': String(cell.count), 'data-area': JSON.stringify(area),
    'aria-label': `${label}: show this area`,
  });
  const title = svgElement('title');
  title.textContent = `${label}\nClick to show this area`;
  const text = svgElement('text', { class: 'map-group-count', y: 3.5, 'text-anchor': 'middle' });
  text.textContent = String(cell.count);
  group.append(title, svgElement('circle', {
    class: 'map-shape', r: Math.min(7 + 2 * Math.log2(cell.count), 18).toFixed(1),
  }), text);
  return group;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// The marker's group stands at the incident's place (its transform); the
// shape inside may be moved aside when several share the place.
function renderMarker(incident, place, x, y) {
  const latest = incident.latest ?? {};
  const lead = leadOf(incident);
  const tier = roleTier(lead.tier);
  const marker = svgElement('g', {
    class: `map-marker ${severityClass(latest.severity)}`,
    transform: `translate(${x.toFixed(2)} ${y.toFixed(2)})`,
    tabindex: '0', role: 'button', 'aria-haspopup': 'dialog',
    'data-incident-id': incident.incidentId ?? '',
    'data-latitude': String(place.lat), 'data-longitude': String(place.lon),
    'data-placed': place.placed, 'data-tier': String(tier), 'data-lead-mission': lead.mission,
  });
  const where = municipalityLabel((incident.location ?? latest.location ?? {}).municipality);
  marker.setAttribute('aria-label', `${severityLabel(latest.severity)}: ${latest.headline ?? ''}`
    + ` (${where || 'Kosovo-wide'}; ${tier ? `led by ${leadText(lead)}` : 'no tier leads'})`);
  const title = svgElement('title');
  title.textContent = `${latest.headline ?? ''}\n${severityLabel(latest.severity)} · `
    + `${tier ? leadText(lead) : 'no tier leads'} · ${where || 'Kosovo-wide'}`
    + `${place.placed === 'seat' ? ' (at the municipality\'s seat)' : ''}`;
  const body = svgElement('g', { class: 'map-marker-body' });
  body.append(shapeOf(tier), letterOf(lead.mission));
  marker.append(title, body);
  return marker;
}

// Circle: 1st tier; square: 2nd; triangle: 3rd; diamond: no tier yet.
function shapeOf(tier) {
  switch (tier) {
    case 1: return svgElement('circle', { class: 'map-shape', r: 8 });
    case 2: return svgElement('rect', { class: 'map-shape', x: -7.5, y: -7.5, width: 15, height: 15 });
    case 3: return svgElement('path', { class: 'map-shape', d: 'M0,-10 L9.5,7 L-9.5,7 Z' });
    default: return svgElement('path', { class: 'map-shape', d: 'M0,-9 L9,0 L0,9 L-9,0 Z' });
  }
}

// P (Kosovo Police), E (EULEX), K (KFOR).
function letterOf(mission) {
  const text = svgElement('text', { class: 'map-letter', y: 3.5, 'text-anchor': 'middle' });
  text.textContent = { MISSION_KOSOVO_POLICE: 'P', MISSION_EULEX: 'E', MISSION_KFOR: 'K' }[mission]
    ?? (mission ? missionShort(mission).slice(0, 1) : '');
  return text;
}

// Moves the shape of the index-th member of `cluster` onto a circle around
// the cluster's place; the marker itself (its anchor) stays at its own.
function fan({ marker, x, y }, index, cluster) {
  const count = cluster.members.length;
  if (count === 1) return;
  const angle = (2 * Math.PI * index) / count - Math.PI / 2;
  const radius = FAN_RADIUS * Math.min(1 + count / 8, 2.5);
  const dx = cluster.x + radius * Math.cos(angle) - x;
  const dy = cluster.y + radius * Math.sin(angle) - y;
  const body = marker.querySelector('.map-marker-body');
  body.setAttribute('transform', `translate(${dx.toFixed(1)} ${dy.toFixed(1)})`);
  // A leader from the true place to the moved shape.
  body.before(svgElement('line', { class: 'map-leader', x1: 0, y1: 0, x2: dx.toFixed(1), y2: dy.toFixed(1) }),
    svgElement('circle', { class: 'map-anchor', r: 2 }));
}

function pathOf(geometry) {
  const polygons = geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates];
  return polygons.flatMap((rings) => rings.map((ring) => `M${ring.map(([lon, lat]) => {
    const [x, y] = project(lon, lat);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  }).join('L')}Z`)).join('');
}

function setRect(rect, x1, y1, x2, y2) {
  rect.setAttribute('x', Math.min(x1, x2).toFixed(1));
  rect.setAttribute('y', Math.min(y1, y2).toFixed(1));
  rect.setAttribute('width', Math.abs(x2 - x1).toFixed(1));
  rect.setAttribute('height', Math.abs(y2 - y1).toFixed(1));
}

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}
