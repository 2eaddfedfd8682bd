// A real sitrepd as a child process on free loopback ports, and the bundled
// `sitrep` CLI to publish to it. Everything waits for a condition with a
// deadline; nothing sleeps for a fixed time to synchronise.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const START_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 10_000;
const CLI_DEADLINE_MS = 15_000;
const POLL_MS = 25;

export class Sitrepd {
  // options: {binary, workDir, dataDir, httpPort (0: any free port), authFile}
  // The log of every start is appended to workDir/sitrepd.log.
  static async start(options) {
    const server = new Sitrepd(options);
    await server.launch();
    return server;
  }

  constructor({ binary, workDir, dataDir, httpPort = 0, authFile = '' }) {
    this.binary = binary;
    this.workDir = workDir;
    this.dataDir = dataDir;
    this.requestedHttpPort = httpPort;
    this.authFile = authFile;
    this.logFile = path.join(workDir, 'sitrepd.log');
    this.child = null;
    this.exited = null;
  }

  async launch() {
    const portFile = path.join(this.workDir, 'grpc.port');
    const httpPortFile = path.join(this.workDir, 'http.port');
    fs.rmSync(portFile, { force: true });
    fs.rmSync(httpPortFile, { force: true });
    const args = [
      '--listen=127.0.0.1:0', `--port_file=${portFile}`,
      `--http_address=127.0.0.1:${this.requestedHttpPort}`, `--http_port_file=${httpPortFile}`,
      '--metrics_address=', `--data_dir=${this.dataDir}`, '--fsync=off',
    ];
    if (this.authFile) args.push(`--auth_file=${this.authFile}`);
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(this.binary, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const deadline = Date.now() + START_DEADLINE_MS;
    this.grpcPort = await this.waitForPortFile(portFile, deadline);
    this.httpPort = await this.waitForPortFile(httpPortFile, deadline);
  }

  get grpcAddress() {
    return `127.0.0.1:${this.grpcPort}`;
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.httpPort}/`;
  }

  // sitrepd writes a port file by renaming a complete temporary file, so a
  // file that exists holds the whole port.
  async waitForPortFile(file, deadline) {
    for (;;) {
      const text = readIfExists(file);
      if (text !== null && /^\d+\s*$/.test(text)) return Number(text.trim());
      const exit = await Promise.race([this.exited, delay(POLL_MS)]);
      if (exit) {
        throw new Error(`sitrepd exited before writing ${path.basename(file)} `
          + `(${describeExit(exit)}); its log:\n${this.logTail()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`sitrepd did not write ${path.basename(file)} within `
          + `${START_DEADLINE_MS / 1000} s; its log:\n${this.logTail()}`);
      }
    }
  }

  // SIGKILL: a crash, nothing is flushed or said to the clients.
  // SIGTERM: a clean shutdown (streams end with UNAVAILABLE).
  async stop(signal = 'SIGTERM') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const exit = await Promise.race([this.exited, delay(STOP_DEADLINE_MS)]);
    if (!exit) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`sitrepd did not stop within ${STOP_DEADLINE_MS / 1000} s of ${signal}`);
    }
  }

  // For a test that must exit now (its deadline, a signal): no waiting.
  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  logTail(lines = 40) {
    const text = readIfExists(this.logFile) ?? '';
    return text.split('\n').slice(-lines).join('\n');
  }
}

// `sitrepd new-token` and `sitrepd hash-token`: a token and its SHA-256 for
// an access policy, made by the server's own commands.
export async function makeToken(sitrepdBinary) {
  const { stdout: token } = await run(sitrepdBinary, ['new-token']);
  const { stdout: hash } = await run(sitrepdBinary, ['hash-token'], token);
  return { token: token.trim(), sha256: hash.trim() };
}

// Publishes one update with the CLI (`sitrep publish`); `fields` are its
// flags without dashes ({mission: 'kfor', headline: '...'}). Resolves to
// the update's sequence, as a string like the JSON's.
export async function publish(cliBinary, server, fields, { token = '' } = {}) {
  const flags = Object.entries(fields).map(([flag, value]) => `--${flag}=${value}`);
  return publishWith(cliBinary, server, flags, '', token);
}

// Publishes `update` (a SituationUpdate in protobuf JSON, for fields the
// CLI has no flag for, such as chainException) with `sitrep publish -`.
export async function publishJson(cliBinary, server, update, { token = '' } = {}) {
  return publishWith(cliBinary, server, ['-'], JSON.stringify(update), token);
}

// Publishes `updates` (SituationUpdates in protobuf JSON) in one stream with
// `sitrep import -`: thousands in a few seconds, for a big situation.
export async function importUpdates(cliBinary, server, updates) {
  const input = updates.map((update) => JSON.stringify(update)).join('\n');
  await run(cliBinary, ['-s', server.grpcAddress, 'import', '-'], `${input}\n`);
}

async function publishWith(cliBinary, server, publishArgs, input, token) {
  const args = ['-s', server.grpcAddress, 'publish', '-o', 'json', ...publishArgs];
  const env = { ...process.env };
  if (token) env.SITREP_TOKEN = token;
  else delete env.SITREP_TOKEN;
  const { stdout } = await run(cliBinary, args, input, env);
  const response = JSON.parse(stdout);
  if (!response.sequence) throw new Error(`sitrep publish printed no sequence: ${stdout}`);
  return String(response.sequence);
}

function run(binary, args, input = '', env = process.env) {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, args, { timeout: CLI_DEADLINE_MS, env }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${path.basename(binary)} ${args.join(' ')} failed `
          + `(${error.killed ? 'timed out' : `exit ${error.code}`}): ${stderr.trim()}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
    // A child that needs no input (sitrep publish) may have exited before
    // the pipe is closed: EPIPE then is no failure; its exit status tells.
    child.stdin.on('error', (error) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(input);
  });
}

function readIfExists(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

function describeExit({ code, signal, error }) {
  if (error) return error.message;
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}
