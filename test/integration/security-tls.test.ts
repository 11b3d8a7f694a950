// TLS against real `hybrid coordinator` and `hybrid worker` processes, with certificates made here by
// openssl: a private CA and a server certificate it issued for 127.0.0.1/localhost, a self-signed one,
// and an expired one. A worker that trusts the CA (--ca) trains over wss://; plain ws:// is refused at
// once; certificate problems end a worker with an error naming them instead of a reconnect loop; the
// metrics port speaks HTTPS under TLS, plain HTTP with --metrics-plain.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makePki, type CertificateFiles, type Pki } from '../support/certificates.js';
import { request } from '../support/http.js';
import { exitWithin, type Proc, startHybrid, stopAll, waitForLine } from '../support/processes.js';

// One small synthetic task: a whole run takes a few seconds.
const CONFIG = {
  seed: 0,
  model: { arch: 'mlp', hidden: [16] },
  tasks: [{ name: 'a', dataset: { source: 'synthetic', features: 16, train: 256, test: 64, task_seed: 1 } }],
  train: { steps: 12, batch_size: 32 },
  distributed: { heartbeat_seconds: 1, round_timeout_seconds: 20 },
};

const procs: Proc[] = [];

function hybrid(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  // Node must judge certificates by --ca alone, not by a CA bundle the environment points at.
  const proc = startHybrid(args, { env, unset: ['HYBRID_TOKEN', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED'] });
  procs.push(proc);
  return proc;
}

interface Coordinator extends Proc {
  port: number;
  metricsUrl: string;
}

async function startCoordinator(name: string, cert: CertificateFiles, extra: string[] = []): Promise<Coordinator> {
  const p = hybrid([
    'coordinator',
    '--config',
    join(dir, 'config.json'),
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--out',
    join(dir, name),
    '--tls-cert',
    cert.cert,
    '--tls-key',
    cert.key,
    ...extra,
  ]);
  const m = await waitForLine(p, /listening on wss:\/\/127\.0\.0\.1:(\d+), metrics on (https?:\/\/127\.0\.0\.1:\d+\/metrics)/, 30_000);
  return { ...p, port: Number(m[1]), metricsUrl: m[2] };
}

function worker(url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
  return hybrid(['worker', '--coordinator', url, '--task', 'a', '--backend', 'cpu', '--host', '127.0.0.1', '--metrics-port', '0', ...args], env);
}

const get = (url: string, ca?: string) => request(url, { ca, timeoutMs: 5000 });

const TOKEN = randomBytes(24).toString('hex');
let dir: string;
let pki: Pki;
let trusted: Promise<Coordinator>;
let selfSigned: Promise<Coordinator>;
let expired: Promise<Coordinator>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybrid-tls-'));
  pki = makePki(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  // Three coordinators, started together: TLS with the CA's certificate (and a token, as deployed),
  // a self-signed certificate with --metrics-plain, and the expired certificate.
  trusted = startCoordinator('run-trusted', pki.server, ['--token-file', join(dir, 'token')]);
  selfSigned = startCoordinator('run-self-signed', pki.selfSigned, ['--metrics-plain']);
  expired = startCoordinator('run-expired', pki.expired);
  for (const c of [trusted, selfSigned, expired]) c.catch(() => {});
});

afterAll(async () => {
  await stopAll(procs, 3000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the metrics port', () => {
  it('serves HTTPS with the coordinator certificate under TLS, and nothing over plain HTTP', async () => {
    const c = await trusted;
    expect(c.metricsUrl).toMatch(/^https:/);
    const r = await get(c.metricsUrl, readFileSync(pki.ca, 'utf8'));
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^hybrid_rounds_total 0$/m);
    await expect(get(c.metricsUrl.replace('https:', 'http:'))).rejects.toThrow();
  });

  it('serves plain HTTP with --metrics-plain, while the WebSocket port stays TLS', async () => {
    const c = await selfSigned;
    expect(c.metricsUrl).toMatch(/^http:/);
    const r = await get(c.metricsUrl);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^hybrid_workers_connected 0$/m);
    expect((await get(c.metricsUrl.replace('/metrics', '/healthz'))).status).toBe(200);
  });
});

describe('wss:// with certificates that cannot be trusted', () => {
  it('a plain ws:// client against the TLS port fails at once instead of hanging', async () => {
    const c = await trusted;
    const t0 = Date.now();
    const outcome = await new Promise<string>((resolveOutcome) => {
      const ws = new WebSocket(`ws://127.0.0.1:${c.port}`, { headers: { authorization: `Bearer ${TOKEN}` }, handshakeTimeout: 10_000 });
      ws.on('open', () => resolveOutcome('open'));
      ws.on('unexpected-response', (_req, res) => resolveOutcome(`HTTP ${res.statusCode}`));
      ws.on('error', (err) => resolveOutcome(`error: ${err.message}`));
    });
    expect(outcome).toMatch(/^error: /);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  // Each failing worker is given 20 s: far more than one connection attempt needs, far less than a
  // reconnect loop's give-up time (10 minutes).
  it.concurrent.each([
    { what: 'a CA it was not given (no --ca)', coordinator: () => trusted, args: () => ['--token-file', join(dir, 'token')], message: /unable to verify the first certificate/ },
    { what: 'a self-signed certificate (--ca names another CA)', coordinator: () => selfSigned, args: () => ['--ca', pki.ca], message: /self[- ]signed certificate/ },
    { what: 'an expired certificate (issued by the trusted CA)', coordinator: () => expired, args: () => ['--ca', pki.ca], message: /certificate has expired/ },
  ])('a worker facing $what exits non-zero with an error naming the certificate problem', async ({ coordinator, args, message }) => {
    const c = await coordinator();
    const w = worker(`wss://127.0.0.1:${c.port}`, args());
    const code = await exitWithin(w, 20_000, 'the worker (certificate errors must be fatal, not retried)');
    expect(code).not.toBe(0);
    // The final error (cli.ts prints it as "hybrid: ...") names the certificate problem.
    expect(w.err()).toMatch(new RegExp(`^hybrid: .*${message.source}`, 'm'));
    expect(w.err()).not.toMatch(/reconnecting \(attempt [2-9]/);
  });
});

describe('wss:// with the private CA', () => {
  it('a worker given --ca trusting the CA (and the token) trains to completion', async () => {
    const c = await trusted;
    const w = worker(`wss://localhost:${c.port}`, ['--ca', pki.ca], { HYBRID_TOKEN: TOKEN });
    expect(await exitWithin(w, 60_000, 'the worker over wss://'), w.err()).toBe(0);
    expect(w.err()).toMatch(/worker a: done: held-out accuracy/);
    expect(await exitWithin(c, 20_000, 'the TLS coordinator'), c.err()).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'run-trusted', 'results.json'), 'utf8')) as { tasks: { name: string }[] };
    expect(results.tasks.map((t) => t.name)).toEqual(['a']);
  });
});
