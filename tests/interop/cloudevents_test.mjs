// sitrep's CloudEvents 1.0 webhooks read by the CloudEvents SDK for
// JavaScript (npm `cloudevents`), not by sitrep's own encoder: a real
// sitrepd posts every update to three sinks of a local receiver, in
// structured mode (format "cloudevents"), in binary mode
// ("cloudevents-binary") and as CAP 1.2 ("cap"). The SDK's HTTP.toEvent
// must accept each CloudEvent (its strict validation of the spec's
// attributes included) with the attributes docs/interop.md promises.
//
//   node cloudevents_test.mjs --sitrepd=PATH --sitrep=PATH --proto_dir=DIR
//
// Loopback only, port 0 everywhere, every wait bounded; exits 0 on
// success, 1 with the reason otherwise.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { HTTP } = require('cloudevents');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.join('=')];
}));
for (const needed of ['sitrepd', 'sitrep']) {
  if (!args[needed]) {
    console.error(`usage: node cloudevents_test.mjs --sitrepd=PATH --sitrep=PATH (missing --${needed})`);
    process.exit(2);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-cloudevents-'));
let server = null;
let serverLog = '';
let receiver = null;
function cleanUp() {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (receiver) receiver.close();
  fs.rmSync(work, { recursive: true, force: true });
}
function fail(message) {
  console.error(`interop cloudevents_test: FAILED: ${message}`);
  if (serverLog) console.error(`sitrepd's log:\n${serverLog.slice(-4000)}`);
  cleanUp();
  process.exit(1);
}
const deadline = setTimeout(() => fail('did not finish within 60 s'), 60000);
deadline.unref();

// Every POST, by path.
const received = { '/structured': [], '/binary': [], '/cap': [] };
receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    (received[request.url] ??= []).push({
      headers: request.headers, body: Buffer.concat(chunks).toString('utf8'),
    });
    response.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${receiver.address().port}`;

const webhooks = path.join(work, 'webhooks.json');
fs.writeFileSync(webhooks, JSON.stringify({ webhooks: [
  { name: 'structured', url: `${base}/structured`, format: 'cloudevents' },
  { name: 'binary', url: `${base}/binary`, format: 'cloudevents-binary' },
  { name: 'cap', url: `${base}/cap`, format: 'cap' },
] }));

const portFile = path.join(work, 'port');
server = spawn(args.sitrepd, [
  '--listen=127.0.0.1:0', `--port_file=${portFile}`, `--data_dir=${path.join(work, 'data')}`,
  '--fsync=off', '--metrics_address=', '--http_address=', `--webhooks_file=${webhooks}`,
], { stdio: ['ignore', 'ignore', 'pipe'] });
server.stderr.on('data', (chunk) => { serverLog += chunk; });
let port = 0;
for (let i = 0; i < 200 && !port; ++i) {
  if (server.exitCode !== null) fail(`sitrepd exited with ${server.exitCode}`);
  if (fs.existsSync(portFile)) port = Number(fs.readFileSync(portFile, 'utf8').trim());
  if (!port) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!port) fail('sitrepd did not write its port file within 20 s');

function publish(update) {
  const result = spawnSync(args.sitrep, ['publish', '-', '-o', 'json', `--server=127.0.0.1:${port}`],
    { input: JSON.stringify(update), encoding: 'utf8', timeout: 20000 });
  if (result.status !== 0) fail(`sitrep publish: exit ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
const published = [
  publish({ eventId: 'kp-1', mission: 'MISSION_KOSOVO_POLICE', role: 'ROLE_FIRST_RESPONDER',
    severity: 'SEVERITY_SEVERE', category: 'CATEGORY_CIVIL_DISTURBANCE', incidentId: 'kp-2026-7',
    kind: 'KIND_NEW', headline: 'Crowd at the "bridge" – 200 people', status: 'STATUS_ACTUAL' }),
  publish({ eventId: 'ex-2', mission: 'MISSION_KOSOVO_POLICE', role: 'ROLE_SUPPORT',
    severity: 'SEVERITY_MINOR', category: 'CATEGORY_PATROL', headline: 'Drill',
    status: 'STATUS_EXERCISE' }),
].map((r) => r.sequence);

// Each sink posts both updates (one per POST): at most 30 s.
for (let i = 0; i < 300; ++i) {
  if (Object.values(received).every((posts) => posts.length >= 2)) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
for (const [sink, posts] of Object.entries(received)) {
  if (posts.length !== 2) fail(`${sink} received ${posts.length} POSTs, want 2`);
}

function checkEvent(mode, post, index) {
  let event;
  try {
    event = HTTP.toEvent({ headers: post.headers, body: post.body });
  } catch (error) {
    fail(`${mode} #${index}: the SDK refuses the event: ${error.message} ${JSON.stringify(error.errors ?? '')}`);
  }
  if (Array.isArray(event)) fail(`${mode} #${index}: a batch, want one event`);
  const want = index === 0
    ? { id: 'kp-1', subject: 'kp-2026-7', sitrepstatus: 'actual' }
    : { id: 'ex-2', subject: undefined, sitrepstatus: 'exercise' };
  const checks = {
    specversion: ['1.0', event.specversion],
    type: ['eu.sitrep.update.v1', event.type],
    id: [want.id, event.id],
    subject: [want.subject, event.subject],
    source: [true, /^\/sitrep\/[0-9a-f]{32}\/publishers\/anonymous$/.test(event.source)],
    time: [true, !Number.isNaN(Date.parse(event.time))],
    datacontenttype: ['application/json', event.datacontenttype],
    dataschema: ['urn:sitrep:schema:sitrep.v1.SituationUpdate', event.dataschema],
    sitrepsequence: [String(published[index]), event.sitrepsequence],
    sitrepstatus: [want.sitrepstatus, event.sitrepstatus],
    'data.sequence': [String(published[index]), event.data?.sequence],
    'data.eventId': [want.id, event.data?.eventId],
  };
  for (const [name, [expected, actual]] of Object.entries(checks)) {
    if (expected !== actual) fail(`${mode} #${index}: ${name} is ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  }
  if (!event.validate()) fail(`${mode} #${index}: event.validate() is false`);
}

received['/structured'].forEach((post, i) => {
  if (post.headers['content-type'] !== 'application/cloudevents+json') {
    fail(`structured #${i}: Content-Type ${post.headers['content-type']}`);
  }
  checkEvent('structured', post, i);
});
received['/binary'].forEach((post, i) => {
  if (post.headers['ce-specversion'] !== '1.0') fail(`binary #${i}: no ce-specversion header`);
  if (post.headers['content-type'] !== 'application/json') {
    fail(`binary #${i}: Content-Type ${post.headers['content-type']}`);
  }
  checkEvent('binary', post, i);
});
received['/cap'].forEach((post, i) => {
  if (post.headers['content-type'] !== 'application/cap+xml') {
    fail(`cap #${i}: Content-Type ${post.headers['content-type']}`);
  }
  if (!post.body.includes('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">')) {
    fail(`cap #${i}: no CAP 1.2 alert: ${post.body.slice(0, 200)}`);
  }
  const status = i === 0 ? 'Actual' : 'Exercise';
  if (!post.body.includes(`<status>${status}</status>`)) fail(`cap #${i}: status is not ${status}`);
});

console.log('interop cloudevents_test: 4 CloudEvents accepted by the SDK, 2 CAP alerts posted');
console.log('1 passed, 0 failed');
cleanUp();
process.exit(0);
