// What the interop tests share: their command line, a work directory, a
// deadline for the whole test, a sitrepd child on 127.0.0.1 (port 0, read
// back from --port_file) and failing with the child's log.
//
//   const t = interopTest('spoofing_test', ['sitrepd', 'sitrep', 'proto_dir']);
//   const { token, policy } = t.tokenPolicy({ name: 'kfor-desk', publish: ['KFOR'], read: ['*'] });
//   const port = await t.startSitrepd([`--auth_file=${policy}`]);
//   if (!ok) t.fail('why');      // exits 1, printing the server's log
//   await t.pass('what held');   // stops sitrepd, exits 0
//
// run_interop_test.sh copies this file next to the test it runs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function interopTest(name, needed, { timeoutMs = 60000 } = {}) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }));
  for (const flag of needed) {
    if (!args[flag]) {
      console.error(`usage: node ${name}.mjs ${needed.map((f) => `--${f}=...`).join(' ')} (missing --${flag})`);
      process.exit(2);
    }
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-interop-'));
  let server = null;
  let serverLog = '';
  const cleanUps = [];
  function cleanUp() {
    for (const f of cleanUps) f();
    if (server && server.exitCode === null) server.kill('SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
  }
  function fail(message) {
    console.error(`interop ${name}: FAILED: ${message}`);
    if (serverLog) console.error(`sitrepd's log:\n${serverLog.slice(-4000)}`);
    cleanUp();
    process.exit(1);
  }
  const deadline = setTimeout(() => fail(`did not finish within ${timeoutMs / 1000} s`), timeoutMs);
  deadline.unref();

  function run(command, argv, options = {}) {
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 20000, ...options });
    if (result.status !== 0) {
      fail(`${path.basename(command)} ${argv.join(' ')}: exit ${result.status}: ${result.stderr}`);
    }
    return result.stdout;
  }

  return {
    args,
    work,
    fail,
    run,
    // Called before the work directory goes, on failure or success.
    onCleanUp(f) { cleanUps.push(f); },
    // A new bearer token and an access policy file holding `principal` with it.
    tokenPolicy(principal) {
      const token = run(args.sitrepd, ['new-token']).trim();
      const hash = run(args.sitrepd, ['hash-token'], { input: token }).trim();
      const policy = path.join(work, 'policy.json');
      fs.writeFileSync(policy, JSON.stringify({ principals: [{ ...principal, tokenSha256: [hash] }] }));
      return { token, policy };
    },
    // Starts sitrepd (fsync off, no metrics or HTTP listener unless `flags`
    // say otherwise) and returns its gRPC port once it listens: at most 20 s.
    async startSitrepd(flags = []) {
      const portFile = path.join(work, 'port');
      server = spawn(args.sitrepd, [
        '--listen=127.0.0.1:0', `--port_file=${portFile}`, `--data_dir=${path.join(work, 'data')}`,
        '--fsync=off', '--metrics_address=', '--http_address=', ...flags,
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      server.stderr.on('data', (chunk) => { serverLog += chunk; });
      for (let i = 0; i < 200; ++i) {
        if (server.exitCode !== null) fail(`sitrepd exited with ${server.exitCode}`);
        if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim() !== '') {
          return Number(fs.readFileSync(portFile, 'utf8').trim());
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      fail('sitrepd did not write its port file within 20 s');
      return 0;
    },
    serverPid() { return server.pid; },
    // Stops sitrepd with SIGTERM, cleans up and exits 0 after printing `message`.
    async pass(message) {
      if (server) {
        server.kill('SIGTERM');
        await new Promise((resolve) => { if (server.exitCode !== null) resolve(); else server.on('exit', resolve); });
      }
      cleanUp();
      console.log(`interop ${name}: OK (${message})`);
      process.exit(0);
    },
  };
}
