// Bearer tokens against real `hybrid coordinator` and `hybrid worker` processes (the built dist/cli.js):
// refusal at the HTTP upgrade (401, counted by reason), workers that bring the right token by file or by
// HYBRID_TOKEN train to completion, a per-task token does not open another task, and no token text ever
// reaches a log or a command-line flag.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { coordinatorTokens } from '../../launch/coordinator.js';
import { workerToken } from '../../launch/worker.js';
import { decode, encode, PROTOCOL_VERSION } from '../../proto/codec.js';
import { request } from '../support/http.js';
import { parsePrometheusText, samplesOf } from '../support/prometheus-text.js';
import { exitWithin, type Proc, signal, startHybrid, stopAll, waitForLine } from '../support/processes.js';

// Two small synthetic tasks: a whole distributed run takes a few seconds.
const CONFIG = {
  seed: 0,
  model: { arch: 'mlp', hidden: [16] },
  tasks: ['a', 'b'].map((name, i) => ({ name, dataset: { source: 'synthetic', features: 16, train: 256, test: 64, task_seed: i + 1 } })),
  train: { steps: 12, batch_size: 32 },
  distributed: { heartbeat_seconds: 1, round_timeout_seconds: 20 },
};

const procs: Proc[] = [];

function hybrid(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  // HYBRID_TOKEN is removed unless a test sets it, so no worker picks up a token by accident.
  const proc = startHybrid(args, { env, unset: ['HYBRID_TOKEN'] });
  procs.push(proc);
  return proc;
}

interface Coordinator extends Proc {
  url: string;
  metricsUrl: string;
}

async function startCoordinator(runDir: string, tokenFile: string): Promise<Coordinator> {
  const p = hybrid(['coordinator', '--config', join(dir, 'config.json'), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--out', runDir, '--token-file', tokenFile]);
  const m = await waitForLine(p, /listening on ws:\/\/127\.0\.0\.1:(\d+), metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics, tokens required/, 30_000);
  return { ...p, url: `ws://127.0.0.1:${m[1]}`, metricsUrl: `http://127.0.0.1:${m[2]}/metrics` };
}

function worker(coordinator: Coordinator, task: string, opts: { tokenFile?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const args = ['worker', '--coordinator', coordinator.url, '--task', task, '--backend', 'cpu', '--host', '127.0.0.1', '--metrics-port', '0'];
  if (opts.tokenFile) args.push('--token-file', opts.tokenFile);
  return hybrid(args, opts.env);
}

type Upgrade = { status: number; wwwAuthenticate?: string } | { opened: WebSocket } | { error: string };

/** One WebSocket upgrade with the given headers: the HTTP status it was refused with, or the open socket. */
function upgrade(url: string, headers: Record<string, string>): Promise<Upgrade> {
  return new Promise((resolveUpgrade) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      resolveUpgrade({ error: 'no answer within 5 s' });
    }, 5000);
    ws.on('unexpected-response', (req, res) => {
      clearTimeout(timer);
      resolveUpgrade({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'] });
      req.destroy();
    });
    ws.on('open', () => {
      clearTimeout(timer);
      resolveUpgrade({ opened: ws });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      resolveUpgrade({ error: err.message });
    });
  });
}

async function rejectedCount(metricsUrl: string, reason: string): Promise<number> {
  const reply = await request(metricsUrl);
  if (reply.status !== 200) throw new Error(`${metricsUrl}: HTTP ${reply.status}`);
  return samplesOf(parsePrometheusText(reply.body), 'hybrid_connections_rejected_total', { reason })[0]?.value ?? 0;
}

const hex = () => randomBytes(24).toString('hex');
const SHARED = hex();
const TOKEN_A = hex();
const TOKEN_B = hex();
const WRONG = hex();
let dir: string;
/** Started together in beforeAll: one with a shared token, one with a token per task. */
let sharedCoordinator: Promise<Coordinator>;
let perTaskCoordinator: Promise<Coordinator>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybrid-tokens-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  writeFileSync(join(dir, 'shared.token'), `# the run's shared token\n${SHARED}\n`);
  writeFileSync(join(dir, 'per-task.tokens'), `# one token per task\na: ${TOKEN_A}\nb: ${TOKEN_B}\n`);
  writeFileSync(join(dir, 'a.token'), `${TOKEN_A}\n`);
  sharedCoordinator = startCoordinator(join(dir, 'run-shared'), join(dir, 'shared.token'));
  perTaskCoordinator = startCoordinator(join(dir, 'run-per-task'), join(dir, 'per-task.tokens'));
  // Awaited by the suites that use them; a start failure shows there.
  sharedCoordinator.catch(() => {});
  perTaskCoordinator.catch(() => {});
});

afterAll(async () => {
  await stopAll(procs, 3000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('one shared token (hybrid coordinator --token-file)', () => {
  let coordinator: Coordinator;
  beforeAll(async () => {
    coordinator = await sharedCoordinator;
  });

  it('refuses an upgrade without a token with 401 before any protocol message, and counts it', async () => {
    const r = await upgrade(coordinator.url, {});
    expect(r).toEqual({ status: 401, wwwAuthenticate: 'Bearer' });
    expect(await rejectedCount(coordinator.metricsUrl, 'missing_token')).toBe(1);
    // Not a bearer credential at all (basic auth) counts as missing too.
    expect(await upgrade(coordinator.url, { authorization: `Basic ${Buffer.from(`u:${SHARED}`).toString('base64')}` })).toMatchObject({ status: 401 });
    expect(await rejectedCount(coordinator.metricsUrl, 'missing_token')).toBe(2);
  });

  it('refuses a wrong token, and a prefix or an extension of the right one, with 401', async () => {
    for (const token of [WRONG, SHARED.slice(0, -1), `${SHARED}0`]) {
      expect(await upgrade(coordinator.url, { authorization: `Bearer ${token}` })).toMatchObject({ status: 401 });
    }
    expect(await rejectedCount(coordinator.metricsUrl, 'wrong_token')).toBe(3);
  });

  it('accepts the right token at the upgrade', async () => {
    const r = await upgrade(coordinator.url, { authorization: `Bearer ${SHARED}` });
    expect(r).toHaveProperty('opened');
    if ('opened' in r) r.opened.close();
  });

  it('workers with the token from --token-file and from HYBRID_TOKEN train to completion', async () => {
    const byFile = worker(coordinator, 'a', { tokenFile: join(dir, 'shared.token') });
    const byEnv = worker(coordinator, 'b', { env: { HYBRID_TOKEN: SHARED } });
    const [codeA, codeB] = await Promise.all([exitWithin(byFile, 60_000, 'worker a'), exitWithin(byEnv, 60_000, 'worker b')]);
    expect(codeA, byFile.err()).toBe(0);
    expect(codeB, byEnv.err()).toBe(0);
    expect(byFile.err()).toMatch(/worker a: done: held-out accuracy/);
    expect(byEnv.err()).toMatch(/worker b: done: held-out accuracy/);
    expect(await exitWithin(coordinator, 20_000, 'the coordinator'), coordinator.err()).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'run-shared', 'results.json'), 'utf8')) as { tasks: { name: string }[] };
    expect(results.tasks.map((t) => t.name).sort()).toEqual(['a', 'b']);
  });
});

describe('one token per task ("task: token" lines)', () => {
  let coordinator: Coordinator;
  beforeAll(async () => {
    coordinator = await perTaskCoordinator;
  });

  it("a worker that presents task a's token for task b is refused and exits non-zero", async () => {
    const w = worker(coordinator, 'b', { tokenFile: join(dir, 'a.token') });
    const code = await exitWithin(w, 30_000, "the worker with the wrong task's token");
    expect(code).not.toBe(0);
    expect(w.err()).toMatch(/refused this worker: this connection's token is for task "a", not "b"/);
    expect(await rejectedCount(coordinator.metricsUrl, 'unauthorized')).toBe(1);
    // The shared-token path is closed: a token of no task is refused at the upgrade.
    expect(await upgrade(coordinator.url, { authorization: `Bearer ${SHARED}` })).toMatchObject({ status: 401 });
  });

  it("a task's own token opens its task: hello for task a with a's token is welcomed", async () => {
    const r = await upgrade(coordinator.url, { authorization: `Bearer ${TOKEN_A}` });
    if (!('opened' in r)) throw new Error(`upgrade with task a's token: ${JSON.stringify(r)}`);
    const ws = r.opened;
    const reply = await new Promise<string>((resolveReply, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply to hello within 10 s')), 10_000);
      ws.once('message', (data: Buffer) => {
        clearTimeout(timer);
        resolveReply(decode(new Uint8Array(data)).kind);
      });
      ws.send(encode('hello', { protocolVersion: PROTOCOL_VERSION, task: 'a', modelFingerprint: '', workerId: 'security-test' }));
    });
    ws.close();
    expect(reply).toBe('welcome');
  });

  it('a worker may read the per-task file itself and takes its own line', () => {
    const file = join(dir, 'per-task.tokens');
    expect(workerToken(file, 'a', {})).toBe(TOKEN_A);
    expect(workerToken(file, 'b', {})).toBe(TOKEN_B);
    expect(() => workerToken(file, 'c', {})).toThrow(/none for task "c"/);
    expect(workerToken(undefined, 'a', { HYBRID_TOKEN: ` ${SHARED}\n` })).toBe(SHARED);
    expect(workerToken(undefined, 'a', {})).toBeUndefined();
  });
});

describe('token text never leaks', () => {
  it('no coordinator or worker log holds a token', async () => {
    // Wait for the per-task coordinator to be stopped, so its last lines are in.
    for (const p of procs) signal(p, 'SIGTERM');
    await Promise.all(procs.map((p) => exitWithin(p, 15_000, 'a process stopped with SIGTERM')));
    const coordinators = procs.filter((p) => p.child.spawnargs.includes('coordinator'));
    expect(coordinators.length).toBe(2);
    for (const p of coordinators) expect(p.err()).toMatch(/refused/);
    for (const p of procs) {
      for (const token of [SHARED, TOKEN_A, TOKEN_B, WRONG, SHARED.slice(0, -1)]) expect(p.err()).not.toContain(token);
    }
  });

  it('errors about a token file name the file and the line, never the token', () => {
    const bad = join(dir, 'bad.tokens');
    writeFileSync(bad, `a: ${TOKEN_A}\n${TOKEN_B}\n`);
    expect(() => coordinatorTokens(bad, ['a', 'b'])).toThrow(bad);
    try {
      coordinatorTokens(bad, ['a', 'b']);
    } catch (err) {
      expect((err as Error).message).not.toContain(TOKEN_B);
    }
    writeFileSync(bad, `z: ${TOKEN_A}\n`);
    expect(() => coordinatorTokens(bad, ['a', 'b'])).toThrow(/no task "z"/);
    expect(() => workerToken(join(dir, 'absent.token'), 'a', {})).toThrow(/cannot read token file .*absent\.token/);
  });

  it('no command takes the token itself on the command line (ps would show it)', async () => {
    const commands = ['worker', 'coordinator', 'local'];
    const helps = commands.map((command) => hybrid([command, '--help']));
    for (const [i, command] of commands.entries()) {
      const p = helps[i];
      expect(await exitWithin(p, 20_000, `hybrid ${command} --help`)).toBe(0);
      const flags = [...p.out().matchAll(/^ +(-\S.*?)(?: {2,}|$)/gm)].map((m) => m[1]);
      expect(flags, p.out()).toContain('-h, --help');
      for (const flag of flags.filter((f) => /token/i.test(f))) expect(flag).toBe('--token-file <file>');
      if (command === 'worker') expect(flags).toContain('--token-file <file>');
    }
  });
});
