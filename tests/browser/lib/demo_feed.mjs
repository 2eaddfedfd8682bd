// `sitrep demo` as a child process: a living synthetic feed for a real
// sitrepd (docs/cli.md). The tests and the screenshot script wait for what
// they need on the server (an update count, open incidents), each wait with a
// deadline, and end the demo with SIGKILL so that its incidents stay open
// (a SIGTERM would resolve them all before exiting).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const POLL_MS = 50;

export class DemoFeed {
  // args: more `sitrep demo` flags (--rate, --seed, ...).
  static start(cliBinary, server, workDir, args) {
    return new DemoFeed(cliBinary, server, workDir, args);
  }

  constructor(cliBinary, server, workDir, args) {
    this.server = server;
    this.logFile = path.join(workDir, 'demo.log');
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(cliBinary, ['-s', server.grpcAddress, 'demo', ...args],
      { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  // Waits until `condition(situation, head)` holds on the server (its current
  // situation and head sequence), polling; fails after `timeoutMs` or when
  // the demo exited.
  async waitFor(description, condition, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const situation = await getJson(this.server, '/v1/situation');
      const latest = await getJson(this.server, '/v1/updates?page_size=1&descending=true');
      if (condition(situation, BigInt(latest.headSequence ?? 0))) return situation;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`sitrep demo exited before ${description}: ${this.logTail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`the demo feed did not reach ${description} within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async kill() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  // For a process that must exit now: no waiting.
  killNow() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  logTail(lines = 20) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

// GET `pathAndQuery` on sitrepd's HTTP gateway, as JSON; a refusal throws
// with the gateway's message.
export async function getJson(server, pathAndQuery) {
  const response = await fetch(new URL(pathAndQuery, server.httpUrl), { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(`GET ${pathAndQuery}: HTTP ${response.status} ${body?.message ?? ''}`);
  }
  return body;
}
