// An outsider publisher that never reads its acks (security: memory held
// per stream). Node's own HTTP/2 client opens PublishStream and writes large
// requests (256 KiB each, parseable, refused by validation) as fast as the
// transport takes them, while it reads nothing back. sitrepd answers each
// request with an ack it cannot write, so the requests stay unanswered; it
// reads a stream's next message only while the stream has fewer than 4,096
// unanswered requests and fewer than 4 MiB of them (server/api/publish_window.h).
// Past that it reads nothing, HTTP/2 flow control stops the client, and the
// server's memory stays bounded. With the request count alone, 4,096 such
// requests would be 1 GiB.
//
// The test asserts that the client's writes stall after at most 64 MiB
// (4 MiB of unanswered requests, plus the HTTP/2 windows and the loopback
// socket buffers between the two), that sitrepd's RSS grew by less than
// 96 MiB, and that another client (grpc-js) is still served meanwhile.
//
//   node publish_window_test.mjs --sitrepd=PATH --sitrep=PATH --proto_dir=DIR
//
// Loopback only, port 0, every wait bounded; exits 0 on success, 1 with the
// reason otherwise.
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import { createRequire } from 'node:module';
import { interopTest } from './sitrepd_child.mjs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const kMessageBytes = 256 * 1024;
const kMaxAcceptedBytes = 64 * 1024 * 1024;
const kMaxRssGrowthBytes = 96 * 1024 * 1024;
// A write that does not complete within this long counts as stalled.
const kStallMs = 3000;

const t = interopTest('publish_window_test', ['sitrepd', 'sitrep', 'proto_dir']);
const { args, fail } = t;
const { token, policy } = t.tokenPolicy({ name: 'kfor-desk', publish: ['KFOR'], read: ['*'] });

function rssBytes() {
  const status = fs.readFileSync(`/proc/${t.serverPid()}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) fail('no VmRSS in sitrepd\'s /proc status');
  return Number(match[1]) * 1024;
}

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(args.proto_dir, target);
root.loadSync('sitrep/v1/situation_feed.proto', { keepCase: true });
const PublishRequest = root.lookupType('sitrep.v1.PublishRequest');
// A well-formed request that validation refuses (the headline is far over
// its limit): it is read, counted and answered with an error ack, never
// stored.
const big = Buffer.from(PublishRequest.encode(PublishRequest.fromObject({
  update: {
    mission: 'MISSION_KFOR', role: 'ROLE_SUPPORT', severity: 'SEVERITY_MINOR',
    category: 'CATEGORY_PATROL', headline: 'x'.repeat(kMessageBytes),
    location: { municipality: 'Zubin Potok' },
  },
})).finish());

const port = await t.startSitrepd([`--auth_file=${policy}`]);
const address = `127.0.0.1:${port}`;
const definition = protoLoader.loadSync('sitrep/v1/situation_feed.proto', {
  includeDirs: [args.proto_dir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const sitrep = grpc.loadPackageDefinition(definition).sitrep.v1;
const metadata = () => { const m = new grpc.Metadata(); m.set('authorization', `Bearer ${token}`); return m; };

// grpc-js for the client that must still be served.
const other = new sitrep.SituationFeed(address, grpc.credentials.createInsecure(),
  { 'grpc.use_local_subchannel_pool': 1 });

function publishOne(who) {
  return new Promise((resolve, reject) => {
    other.Publish({
      update: {
        mission: 'MISSION_KFOR', role: 'ROLE_SUPPORT', severity: 'SEVERITY_MINOR',
        category: 'CATEGORY_PATROL', headline: `Patrol at Jarinje (${who})`,
        location: { municipality: 'Zubin Potok' },
      },
    }, metadata(), { deadline: new Date(Date.now() + 10000) },
    (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// Warm up both the server and the other client before the baseline.
await publishOne('before').catch((error) => fail(`the first publish failed: ${error.message}`));
const rssBefore = rssBytes();

// The stream, over Node's own HTTP/2 client (no gRPC library between the
// test and the wire): gRPC-framed requests written as flow control allows,
// and the response never read. The client's streams have a receive window
// of 0 bytes, so not one ack can reach it (an ack is ~100 bytes: 64 KiB of
// window would take hundreds) and sitrepd's acks back up from the first.
let streamError = null;
const session = http2.connect(`http://${address}`, { settings: { initialWindowSize: 0 } });
session.on('error', (error) => { streamError = error; });
const call = session.request({
  ':method': 'POST', ':path': '/sitrep.v1.SituationFeed/PublishStream',
  'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${token}`,
});
call.pause();
call.on('error', (error) => { streamError = error; });
const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), big]);
framed.writeUInt32BE(big.length, 1);

let accepted = 0;
for (;;) {
  if (accepted * big.length > kMaxAcceptedBytes) {
    fail(`sitrepd went on taking requests it had not answered: ${accepted} requests of ${big.length} bytes ` +
         `(${(accepted * big.length / 1048576).toFixed(0)} MiB), past ${kMaxAcceptedBytes / 1048576} MiB`);
  }
  if (streamError !== null) fail(`the stream failed before it stalled: ${streamError.message}`);
  const written = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), kStallMs);
    call.write(framed, () => { clearTimeout(timer); resolve(true); });
  });
  if (!written) break;
  ++accepted;
}
const acceptedBytes = accepted * big.length;
// The server read at least the byte bound's worth before it stopped (else
// the test measured something else, such as a stream refused at once).
if (acceptedBytes < 4 * 1024 * 1024) {
  fail(`the writes stalled after only ${accepted} requests (${acceptedBytes} bytes): less than the 4 MiB bound`);
}

const rssAfter = rssBytes();
const growth = rssAfter - rssBefore;
if (growth > kMaxRssGrowthBytes) {
  fail(`sitrepd's RSS grew by ${(growth / 1048576).toFixed(1)} MiB while the stream was stalled ` +
       `(bound ${kMaxRssGrowthBytes / 1048576} MiB)`);
}

// Another client is served while the stalled stream holds its window.
await publishOne('during').catch((error) => fail(`another client's publish failed: ${error.message}`));

call.close(http2.constants.NGHTTP2_CANCEL);
session.destroy();
other.close();
await t.pass(`writes stalled after ${accepted} requests of ${(big.length / 1024).toFixed(0)} KiB = ` +
             `${(acceptedBytes / 1048576).toFixed(1)} MiB; sitrepd's RSS grew by ` +
             `${(growth / 1048576).toFixed(1)} MiB; another client was served`);
