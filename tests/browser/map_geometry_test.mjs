// Unit test of the map's arithmetic (client/dashboard/map.js) and of the
// area in the URL fragment (filter-form.js), with node's test runner: no
// browser. The browser test map_e2e.mjs checks the drawn map.
import assert from 'node:assert/strict';
import test from 'node:test';

const map = await import('../../client/dashboard/map.js');
const form = await import('../../client/dashboard/filter-form.js');

test('the projection is fitted to Kosovo and inverts', () => {
  const [left] = map.project(map.EXTENT.minLon, 42.5);
  const [, top] = map.project(21, map.EXTENT.maxLat);
  assert.equal(left, 0);
  assert.equal(top, 0);
  // Prishtinë lies right of and below Pejë; Leposaviq above both.
  const [peX, peY] = map.project(20.28828, 42.65913);
  const [prX, prY] = map.project(21.16688, 42.67272);
  const [, leY] = map.project(20.80278, 43.10389);
  assert.ok(prX > peX && Math.abs(prY - peY) < 10 && leY < prY);
  for (const [lon, lat] of [[20.84028, 42.9075], [21.58028, 42.57806], [20.0, 41.85]]) {
    const [backLon, backLat] = map.unproject(...map.project(lon, lat));
    assert.ok(Math.abs(backLon - lon) < 1e-9 && Math.abs(backLat - lat) < 1e-9);
  }
  // Equirectangular at Kosovo's latitude: a degree of longitude is
  // cos(42.56°) ≈ 0.736 of a degree of latitude on screen.
  const [x0, y0] = map.project(20, 42);
  const [x1] = map.project(21, 42);
  const [, y1] = map.project(20, 43);
  assert.ok(Math.abs((x1 - x0) / (y0 - y1) - 0.736) < 0.002);
});

test('an incident stands at its point, else nowhere without the seats', () => {
  const point = { latitude: 42.8925, longitude: 20.8662 };
  assert.deepEqual(map.placeOf({ location: { municipality: 'mitrovice-e-veriut', point } }),
    { lat: 42.8925, lon: 20.8662, placed: 'point' });
  // The seats come from GET /v1/municipalities, not loaded here.
  assert.equal(map.placeOf({ location: { municipality: 'zvecan' } }), null);
  assert.equal(map.placeOf({}), null);
});

test('the area goes into the fragment and back', () => {
  const box = { minLatitude: 42.85, minLongitude: 20.45, maxLatitude: 43.3, maxLongitude: 21.05 };
  const filter = { ...form.EMPTY_FILTER, missions: ['MISSION_KFOR'], boundingBox: box };
  const fragment = form.filterToFragment(filter);
  assert.equal(fragment, '#missions=MISSION_KFOR&area=42.85%2C20.45%2C43.3%2C21.05');
  assert.deepEqual(form.filterFromFragment(fragment).boundingBox, box);
  assert.ok(form.sameFilter(form.filterFromFragment(fragment), filter));
  assert.ok(!form.sameFilter(form.filterFromFragment(fragment), { ...filter, boundingBox: null }));
});

test('a malformed area in the fragment is no area', () => {
  for (const area of ['1,2,3', 'a,b,c,d', '43,20,42,21', '42,21,43,20', '']) {
    assert.equal(form.filterFromFragment(`#area=${area}`).boundingBox, null, area);
  }
});
