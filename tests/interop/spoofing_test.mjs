// Outsider clients against a real sitrepd: a KFOR publisher appends fields
// numbered like mission, sequence, received_at, publisher and
// incident_version, with other wire types, to an update sent as raw bytes
// (security issue H-3). protobuf (C++) keeps such fields as unknown fields;
// protobufjs, and so grpc-js with proto-loader, takes the last occurrence
// of a field number whatever its wire type. If sitrepd stored and relayed
// them, JavaScript clients would read a Kosovo Police update from kp-desk
// with sequence 7. The test asserts that grpc-js (Subscribe, ListUpdates)
// and protobufjs (the raw ListUpdates bytes) decode exactly what the C++
// client (`sitrep history`) decodes: mission KFOR, the real publisher, the
// real sequence.
//
//   node spoofing_test.mjs --sitrepd=PATH --sitrep=PATH --proto_dir=DIR
//
// Loopback only, port 0 (sitrepd reports its port through --port_file),
// every wait bounded; exits 0 on success, 1 with the reason otherwise.
import path from 'node:path';
import { createRequire } from 'node:module';
import { interopTest } from './sitrepd_child.mjs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const t = interopTest('spoofing_test', ['sitrepd', 'sitrep', 'proto_dir']);
const { args, fail, run } = t;
// A token for a KFOR publisher that reads everything.
const { token, policy } = t.tokenPolicy({ name: 'kfor-desk', publish: ['KFOR'], read: ['*'] });

// protobuf's wire format, written out.
function varint(value) {
  const out = [];
  let v = BigInt(value);
  while (v >= 0x80n) { out.push(Number((v & 0x7fn) | 0x80n)); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}
const tag = (number, wireType) => varint((number << 3) | wireType);
const field = (number, bytes) => Buffer.concat([tag(number, 2), varint(bytes.length), bytes]);
const raw = (...bytes) => Buffer.from(bytes);

// Each spoofing field is read by protobufjs as the real field, and skipped
// by protobuf as an unknown field of another wire type.
const spoof = Buffer.concat([
  tag(2, 5), raw(0x03, 0x78, 0x80, 0x01),                       // mission: 3 (KOSOVO_POLICE)
  tag(102, 1), Buffer.from('\x07kp-desk', 'latin1'),              // publisher: "kp-desk"
  // (field 99, length 4, hides the rest of the 8 bytes: 1..23 are all known,
  // 99 is the highest number below the server-set range 100..199)
  tag(100, 1), raw(0x07, 0x9a, 0x06, 0x04), Buffer.from('zzzz'), // sequence: 7
  tag(101, 1), raw(0x07, 0x08, 0x01, 0x7a, 0x03), Buffer.from('zzz'),  // received_at: 1970
  tag(103, 5), raw(0x09, 0x78, 0x80, 0x01),                      // incident_version: 9
]);

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(args.proto_dir, target);
root.loadSync('sitrep/v1/situation_feed.proto', { keepCase: true });
const SituationUpdate = root.lookupType('sitrep.v1.SituationUpdate');
const ListUpdatesResponse = root.lookupType('sitrep.v1.ListUpdatesResponse');
const PublishResponse = root.lookupType('sitrep.v1.PublishResponse');

// First: protobufjs really is fooled by such bytes (else the test proves
// nothing).
{
  const honest = SituationUpdate.encode(SituationUpdate.fromObject({
    mission: 'MISSION_KFOR', sequence: 1, publisher: 'kfor-desk',
  })).finish();
  const fooled = SituationUpdate.toObject(SituationUpdate.decode(Buffer.concat([honest, spoof])),
    { enums: String, longs: String });
  if (fooled.mission !== 'MISSION_KOSOVO_POLICE' || fooled.publisher !== 'kp-desk' || fooled.sequence !== '7') {
    fail(`protobufjs no longer misreads the spoofing fields (${JSON.stringify(fooled)}); revise the test`);
  }
}

const port = await t.startSitrepd([`--auth_file=${policy}`]);
const address = `127.0.0.1:${port}`;
const definition = protoLoader.loadSync('sitrep/v1/situation_feed.proto', {
  includeDirs: [args.proto_dir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const sitrep = grpc.loadPackageDefinition(definition).sitrep.v1;
const client = new sitrep.SituationFeed(address, grpc.credentials.createInsecure());
const metadata = () => { const m = new grpc.Metadata(); m.set('authorization', `Bearer ${token}`); return m; };
const callOptions = () => ({ deadline: new Date(Date.now() + 20000) });
const identity = (b) => b;

function rawUnary(method, bytes) {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(`/sitrep.v1.SituationFeed/${method}`, identity, identity, bytes,
      metadata(), callOptions(), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// The spoofing publish, as raw bytes: a valid KFOR update plus the fields.
const update = SituationUpdate.encode(SituationUpdate.fromObject({
  mission: 'MISSION_KFOR', role: 'ROLE_SUPPORT', severity: 'SEVERITY_MINOR', category: 'CATEGORY_PATROL',
  headline: 'Patrol at Jarinje', location: { municipality: 'Zubin Potok' },
})).finish();
let published;
try {
  published = PublishResponse.toObject(
    PublishResponse.decode(await rawUnary('Publish', field(1, Buffer.concat([update, spoof])))),
    { longs: String });
} catch (error) {
  fail(`the spoofing publish was refused: ${error.message}`);
}
const sequence = published.sequence;

function check(who, got) {
  const want = { mission: 'MISSION_KFOR', publisher: 'kfor-desk', sequence, incident_version: '0' };
  for (const [key, value] of Object.entries(want)) {
    if (String(got[key]) !== String(value)) {
      fail(`${who} decoded ${key} = ${JSON.stringify(got[key])}, the C++ client and the server say ${JSON.stringify(value)}`);
    }
  }
  const seconds = Number(got.received_at && got.received_at.seconds);
  if (!(seconds > 1e9)) fail(`${who} decoded received_at = ${JSON.stringify(got.received_at)}`);
}

// grpc-js, ListUpdates.
const listed = await new Promise((resolve, reject) => {
  client.ListUpdates({}, metadata(), callOptions(), (error, response) => (error ? reject(error) : resolve(response)));
}).catch((error) => fail(`ListUpdates: ${error.message}`));
if (listed.updates.length !== 1) fail(`ListUpdates returned ${listed.updates.length} updates`);
check('grpc-js ListUpdates', listed.updates[0]);

// protobufjs, on the raw ListUpdates bytes.
const listedBytes = await rawUnary('ListUpdates', Buffer.alloc(0)).catch((e) => fail(`raw ListUpdates: ${e.message}`));
const decoded = ListUpdatesResponse.toObject(ListUpdatesResponse.decode(listedBytes),
  { enums: String, longs: String, defaults: true });
check('protobufjs ListUpdatesResponse', decoded.updates[0]);
if (listedBytes.includes(Buffer.from('kp-desk'))) fail('the relayed bytes still hold the spoofing fields');

// grpc-js, Subscribe from the beginning until CaughtUp.
const streamed = await new Promise((resolve, reject) => {
  const updates = [];
  const call = client.Subscribe({ from_beginning: true }, metadata(), callOptions());
  call.on('data', (message) => {
    updates.push(...message.updates);
    if (message.caught_up) { call.cancel(); resolve(updates); }
  });
  call.on('error', (error) => { if (error.code !== grpc.status.CANCELLED) reject(error); });
  call.on('end', () => resolve(updates));
}).catch((error) => fail(`Subscribe: ${error.message}`));
if (streamed.length !== 1) fail(`Subscribe delivered ${streamed.length} updates`);
check('grpc-js Subscribe', streamed[0]);

// The C++ client's view.
const cpp = JSON.parse(run(args.sitrep, ['--server', address, `--token=${token}`, 'history', '-o', 'jsonl']).trim());
check('sitrep history (C++)', {
  mission: cpp.mission, publisher: cpp.publisher, sequence: cpp.sequence,
  incident_version: cpp.incidentVersion ?? '0',
  received_at: { seconds: Date.parse(cpp.receivedAt) / 1000 },
});

client.close();
await t.pass(`grpc-js, protobufjs and the C++ client agree: KFOR, kfor-desk, sequence ${sequence}`);
