// The first situation, asked for as soon as this module's few imports are
// in (index.html loads it `async`, ahead of app.js): with thousands of
// incidents the situation is the longest wait of the first paint (issue
// 24), and app.js can only ask once all sixteen of its modules are loaded
// and run. Without a filter in the URL the request is the one index.html
// preloads, sent before any module (api.js: getFirstSituation). The answer
// serves the first load if that is for the same filter.
import { getFirstSituation } from './api.js';
import { filterFromFragment, sameFilter } from './filter-form.js';
import { loadMunicipalityNames } from './format.js';

// app.js waits for the names before its first render: asked now, they are
// in before the modules are.
loadMunicipalityNames();

// For situation_paint.mjs: when the first situation was asked for.
performance.mark('sitrep:situation-asked');
let first = {
  filter: filterFromFragment(location.hash),
  answer: getFirstSituation(filterFromFragment(location.hash)).catch(() => null),
};

// The early answer for `filter`, once, or null (another filter, or it
// failed: the load asks again and handles the failure).
export async function takeFirstSituation(filter) {
  const taken = first;
  first = null;
  if (!taken || !sameFilter(taken.filter, filter)) return null;
  return taken.answer;
}
