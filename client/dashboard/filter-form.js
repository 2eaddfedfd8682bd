// The filter controls, and the filter as the page's URL fragment
// (#missions=MISSION_KFOR&min_severity=SEVERITY_SEVERE), so that a filtered
// view can be bookmarked and survives a reload.
//
// A filter is {missions: [], roles: [], minSeverity: '', municipalities: [],
// boundingBox: null} with enum values by their proto names; the server does
// the filtering. The bounding box is set on the map (map.js), not here, and
// kept across changes of these controls; in the fragment it is
// area=minLat,minLon,maxLat,maxLon.
import { MISSIONS, ROLES, SEVERITIES, municipalityName } from './format.js';

// Several clicks in a row (three missions ticked) make one reload.
const SETTLE_MS = 250;

export const EMPTY_FILTER = Object.freeze({
  missions: [], roles: [], minSeverity: '', municipalities: [], boundingBox: null,
});

export class FilterForm {
  // onChange(filter) is called once the controls settle after a change;
  // `filter` has no boundingBox (the map sets it), except after a reset:
  // boundingBox null.
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    this.timer = 0;
    this.resetPending = false;
    this.suggested = new Set();
    this.buildControls();
    form.addEventListener('change', () => this.settle());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.settle();
    });
    // `reset` fires before the controls are cleared. "Clear filters" clears
    // the map's area too.
    form.addEventListener('reset', () => {
      this.resetPending = true;
      setTimeout(() => this.settle());
    });
  }

  buildControls() {
    this.form.querySelector('#filter-missions').append(
      ...MISSIONS.map((mission) => checkbox('missions', mission.value, mission.label)));
    // Short labels ("1st") keep the bar on one line; the legend says what
    // they are and the title gives the long name.
    this.form.querySelector('#filter-roles').append(
      ...ROLES.map((role) => checkbox('roles', role.value, role.short, role.label)));
    this.form.querySelector('#filter-min-severity').append(
      ...SEVERITIES.map((severity) => new Option(severity.label, severity.value)));
    this.municipalities = this.form.querySelector('#filter-municipalities');
    this.suggestions = this.form.querySelector('#municipality-suggestions');
  }

  settle() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const filter = this.read();
      if (this.resetPending) filter.boundingBox = null;
      this.resetPending = false;
      this.onChange(filter);
    }, SETTLE_MS);
  }

  read() {
    const checked = (name) => [...this.form.querySelectorAll(`input[name="${name}"]:checked`)]
      .map((input) => input.value);
    return {
      missions: checked('missions'),
      roles: checked('roles'),
      minSeverity: this.form.elements.min_severity.value,
      municipalities: splitList(this.municipalities.value),
    };
  }

  write(filter) {
    for (const input of this.form.querySelectorAll('input[type="checkbox"]')) {
      input.checked = filter[input.name].includes(input.value);
    }
    this.form.elements.min_severity.value = filter.minSeverity;
    this.municipalities.value = filter.municipalities.join(', ');
  }

  // Offers the municipalities seen so far (canonical ids) as suggestions.
  suggestMunicipalities(ids) {
    let added = false;
    for (const id of ids) {
      if (!id || this.suggested.has(id)) continue;
      this.suggested.add(id);
      added = true;
    }
    if (!added) return;
    const names = [...this.suggested].map(municipalityName).sort((a, b) => a.localeCompare(b));
    this.suggestions.replaceChildren(...names.map((name) => new Option(name)));
  }
}

export function filterFromFragment(fragment) {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  const known = (list, value) => list.some((entry) => entry.value === value);
  return {
    missions: splitList(params.get('missions')).filter((value) => known(MISSIONS, value)),
    roles: splitList(params.get('roles')).filter((value) => known(ROLES, value)),
    minSeverity: known(SEVERITIES, params.get('min_severity')) ? params.get('min_severity') : '',
    municipalities: splitList(params.get('municipalities')),
    boundingBox: boxFromText(params.get('area')),
  };
}

// "42.8,20.7,43.0,21.0" -> a BoundingBox (JSON names); null if malformed.
function boxFromText(text) {
  const numbers = splitList(text).map(Number);
  if (numbers.length !== 4 || !numbers.every(Number.isFinite)) return null;
  const [minLatitude, minLongitude, maxLatitude, maxLongitude] = numbers;
  if (minLatitude > maxLatitude || minLongitude > maxLongitude) return null;
  return { minLatitude, minLongitude, maxLatitude, maxLongitude };
}

export function filterToFragment(filter) {
  const params = new URLSearchParams();
  if (filter.missions.length) params.set('missions', filter.missions.join(','));
  if (filter.roles.length) params.set('roles', filter.roles.join(','));
  if (filter.minSeverity) params.set('min_severity', filter.minSeverity);
  if (filter.municipalities.length) params.set('municipalities', filter.municipalities.join(','));
  const box = filter.boundingBox;
  if (box) params.set('area', [box.minLatitude, box.minLongitude, box.maxLatitude, box.maxLongitude].join(','));
  const text = params.toString();
  return text ? `#${text}` : '';
}

export function sameFilter(a, b) {
  return filterToFragment(a) === filterToFragment(b);
}

function splitList(text) {
  return (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function checkbox(name, value, text, title = '') {
  const label = document.createElement('label');
  label.className = 'check';
  if (title) label.title = title;
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.name = name;
  input.value = value;
  label.append(input, ` ${text}`);
  return label;
}
