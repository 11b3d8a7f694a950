// TLS against real `hybrid coordinator` and `hybrid worker` processes, with certificates made here by
// openssl: a private CA and a server certificate it issued for 127.0.0.1/localhost, a self-signed one,
// and an expired one. A worker that trusts the CA (--ca) trains over wss://; plain ws:// is refused at
// once; certificate problems end a worker with an error naming them instead of a reconnect loop; the
// metrics port speaks HTTPS under TLS, plain HTTP with --metrics-plain.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const CLI = resolve('dist/cli.js');

// One small synthetic task: a whole run takes a few seconds.
const CONFIG = {
  seed: 0,
  model: { arch: 'mlp', hidden: [16] },
  tasks: [{ name: 'a', dataset: { source: 'synthetic', features: 16, train: 256, test: 64, task_seed: 1 } }],
  train: { steps: 12, batch_size: 32 },
  distributed: { heartbeat_seconds: 1, round_timeout_seconds: 20 },
};

interface Proc {
  child: ChildProcess;
  err(): string;
  exit: Promise<number>;
}

const procs: Proc[] = [];

function hybrid(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const base = { ...process.env };
  delete base.HYBRID_TOKEN;
  // Node must judge certificates by --ca alone, not by a CA bundle the environment points at.
  delete base.NODE_EXTRA_CA_CERTS;
  delete base.NODE_TLS_REJECT_UNAUTHORIZED;
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...base, ...env } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exit = new Promise<number>((r) => child.once('close', (code, signal) => r(code ?? (signal ? 128 : 1))));
  const proc = { child, err: () => stderr, exit };
  procs.push(proc);
  return proc;
}

function waitForLine(proc: Proc, re: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolveMatch, reject) => {
    const check = () => {
      const m = re.exec(proc.err());
      if (m) {
        done();
        resolveMatch(m);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${re} on stderr within ${ms} ms; stderr:\n${proc.err()}`));
    }, ms);
    const onExit = (code: number | null) => {
      check();
      done();
      reject(new Error(`exited (code ${code}) before ${re}; stderr:\n${proc.err()}`));
    };
    const done = () => {
      clearTimeout(timer);
      proc.child.stderr!.off('data', check);
      proc.child.off('exit', onExit);
    };
    proc.child.stderr!.on('data', check);
    proc.child.once('exit', onExit);
    check();
  });
}

async function exitWithin(proc: Proc, ms: number, what: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms; stderr:\n${proc.err()}`)), ms);
  });
  try {
    return await Promise.race([proc.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Pki {
  ca: string;
  server: { cert: string; key: string };
  selfSigned: { cert: string; key: string };
  expired: { cert: string; key: string };
}

/** A private CA, a server certificate it issued for 127.0.0.1 and localhost, a self-signed certificate
 *  for the same names, and a CA-issued one that expired in 2020 (`openssl ca` sets past dates). */
function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  const names = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  writeFileSync(join(dir, 'server.ext'), `${names}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  key('ca.key');
  ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=hybrid test CA', '-days', '2', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  key('server.key');
  ssl('req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem');
  key('self.key');
  ssl('req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=127.0.0.1', '-days', '2', '-addext', names, '-out', 'self.pem');
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(join(dir, 'db', 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    ['[ca]', 'default_ca = test', '[test]', 'dir = db', 'database = db/index.txt', 'serial = db/serial', 'new_certs_dir = db', 'certificate = ca.pem', 'private_key = ca.key', 'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', ''].join('\n'),
  );
  ssl('ca', '-batch', '-config', 'ca.cnf', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-in', 'server.csr', '-extfile', 'server.ext', '-notext', '-out', 'expired.pem');
  const p = (f: string) => join(dir, f);
  return { ca: p('ca.pem'), server: { cert: p('server.pem'), key: p('server.key') }, selfSigned: { cert: p('self.pem'), key: p('self.key') }, expired: { cert: p('expired.pem'), key: p('server.key') } };
}

interface Coordinator extends Proc {
  port: number;
  metricsUrl: string;
}

async function startCoordinator(name: string, cert: { cert: string; key: string }, extra: string[] = []): Promise<Coordinator> {
  const p = hybrid(['coordinator', '--config', join(dir, 'config.json'), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--out', join(dir, name), '--tls-cert', cert.cert, '--tls-key', cert.key, ...extra]);
  const m = await waitForLine(p, /listening on wss:\/\/127\.0\.0\.1:(\d+), metrics on (https?:\/\/127\.0\.0\.1:\d+\/metrics)/, 30_000);
  return { ...p, port: Number(m[1]), metricsUrl: m[2] };
}

function worker(url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
  return hybrid(['worker', '--coordinator', url, '--task', 'a', '--backend', 'cpu', '--host', '127.0.0.1', '--metrics-port', '0', ...args], env);
}

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolveGet, reject) => {
    const req = client.get(url, { ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
  });
}

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
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(
    procs.map(async (p) => {
      const t = setTimeout(() => p.child.kill('SIGKILL'), 3000);
      await p.exit;
      clearTimeout(t);
    }),
  );
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
