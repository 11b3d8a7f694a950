import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorMetrics, startMetricsServer } from '../coordinator/metrics.js';
import { WorkerMetrics, startWorkerMetricsServer } from '../worker/metrics.js';

// DESIGN.md section 7, with the TYPE each must carry.
const COORDINATOR_TYPES: Record<string, string> = {
  hybrid_rounds_total: 'counter',
  hybrid_round_duration_seconds: 'histogram',
  hybrid_shared_version: 'gauge',
  hybrid_workers_connected: 'gauge',
  hybrid_task_loss: 'gauge',
  hybrid_task_accuracy: 'gauge',
  hybrid_task_samples_total: 'counter',
  hybrid_bytes_received_total: 'counter',
  hybrid_bytes_sent_total: 'counter',
  hybrid_push_staleness: 'histogram',
  hybrid_pushes_rejected_total: 'counter',
  hybrid_stragglers_total: 'counter',
  hybrid_checkpoint_last_success_timestamp_seconds: 'gauge',
  hybrid_checkpoint_duration_seconds: 'histogram',
  hybrid_task_sparse_density: 'gauge',
  hybrid_connections_rejected_total: 'counter',
  process_cpu_seconds_total: 'counter',
};
const WORKER_TYPES: Record<string, string> = {
  hybrid_worker_step_duration_seconds: 'histogram',
  hybrid_worker_samples_total: 'counter',
  process_cpu_seconds_total: 'counter',
};
const TASKS = ['digits', 'fashion'];

interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  /** Sample value by `name{label="value",...}` exactly as printed. */
  samples: Map<string, number>;
}

/** Prometheus text format 0.0.4, as far as these tests need it. */
function parseExposition(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'TYPE' ? out.types : out.help).set(meta[2], meta[3]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)(?: \d+)?$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const raw = sample[2].toLowerCase();
    const value = raw === 'nan' ? NaN : raw === '+inf' ? Infinity : raw === '-inf' ? -Infinity : Number(sample[2]);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value in: ${line}`);
    out.samples.set(sample[1], value);
  }
  return out;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

function get(url: string, options: { method?: string; ca?: string } = {}): Promise<Reply> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: options.method ?? 'GET', ca: options.ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function coordinatorServer(readyFlag: { ready: boolean }, tls?: { cert: string; key: string }) {
  const metrics = new CoordinatorMetrics(TASKS);
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => readyFlag.ready, tls });
  closers.push(() => server.close());
  return { metrics, server, base: `${tls ? 'https' : 'http'}://127.0.0.1:${server.port}` };
}

describe('coordinator metrics server', () => {
  it('exposes every DESIGN.md section 7 name with its TYPE and HELP right after construction', async () => {
    const { server, base } = await coordinatorServer({ ready: false });
    expect(server.port).toBeGreaterThan(0);
    const reply = await get(`${base}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parseExposition(reply.body);
    for (const [name, type] of Object.entries(COORDINATOR_TYPES)) {
      expect(exposition.types.get(name), name).toBe(type);
      expect(exposition.help.get(name)?.length ?? 0, `${name} help`).toBeGreaterThan(10);
    }
    // The per-task series exist before any task has reported.
    for (const task of TASKS) {
      expect(exposition.samples.get(`hybrid_task_samples_total{task="${task}"}`)).toBe(0);
      expect(exposition.samples.get(`hybrid_stragglers_total{task="${task}"}`)).toBe(0);
      expect(exposition.samples.get(`hybrid_task_loss{task="${task}"}`)).toBeNaN();
      expect(exposition.samples.get(`hybrid_task_sparse_density{task="${task}"}`)).toBeNaN();
    }
    // Its own registry: nothing leaks into prom-client's global one.
    expect(globalRegistry.getSingleMetric('hybrid_rounds_total')).toBeUndefined();
  });

  it('reports what the coordinator records', async () => {
    const { metrics, base } = await coordinatorServer({ ready: true });
    metrics.roundsTotal.inc();
    metrics.roundsTotal.inc();
    metrics.roundDuration.observe(0.3);
    metrics.sharedVersion.set(42);
    metrics.workersConnected.set(2);
    metrics.taskLoss.set({ task: 'digits' }, 0.25);
    metrics.taskAccuracy.set({ task: 'digits' }, 0.97);
    metrics.taskSamples.inc({ task: 'digits' }, 640);
    metrics.bytesReceived.inc(123_456);
    metrics.bytesSent.inc(654_321);
    metrics.pushStaleness.observe(2);
    metrics.pushesRejected.inc({ reason: 'stale' });
    metrics.stragglers.inc({ task: 'fashion' });
    metrics.checkpointLastSuccess.set(1_700_000_000);
    metrics.checkpointDuration.observe(0.7);
    metrics.taskSparseDensity.set({ task: 'fashion' }, 0.02);
    metrics.connectionsRejected.inc({ reason: 'auth' }, 3);
    const s = parseExposition((await get(`${base}/metrics`)).body).samples;
    expect(s.get('hybrid_rounds_total')).toBe(2);
    expect(s.get('hybrid_round_duration_seconds_count')).toBe(1);
    expect(s.get('hybrid_round_duration_seconds_bucket{le="0.25"}')).toBe(0);
    expect(s.get('hybrid_round_duration_seconds_bucket{le="0.5"}')).toBe(1);
    expect(s.get('hybrid_shared_version')).toBe(42);
    expect(s.get('hybrid_workers_connected')).toBe(2);
    expect(s.get('hybrid_task_loss{task="digits"}')).toBe(0.25);
    expect(s.get('hybrid_task_accuracy{task="digits"}')).toBe(0.97);
    expect(s.get('hybrid_task_samples_total{task="digits"}')).toBe(640);
    expect(s.get('hybrid_task_samples_total{task="fashion"}')).toBe(0);
    expect(s.get('hybrid_bytes_received_total')).toBe(123_456);
    expect(s.get('hybrid_bytes_sent_total')).toBe(654_321);
    expect(s.get('hybrid_push_staleness_bucket{le="1"}')).toBe(0);
    expect(s.get('hybrid_push_staleness_bucket{le="2"}')).toBe(1);
    expect(s.get('hybrid_pushes_rejected_total{reason="stale"}')).toBe(1);
    expect(s.get('hybrid_stragglers_total{task="fashion"}')).toBe(1);
    expect(s.get('hybrid_checkpoint_last_success_timestamp_seconds')).toBe(1_700_000_000);
    expect(s.get('hybrid_checkpoint_duration_seconds_sum')).toBe(0.7);
    expect(s.get('hybrid_task_sparse_density{task="fashion"}')).toBe(0.02);
    expect(s.get('hybrid_connections_rejected_total{reason="auth"}')).toBe(3);
  });

  it('answers /healthz, flips /readyz with ready(), and 404s anything else', async () => {
    const flag = { ready: false };
    const { base } = await coordinatorServer(flag);
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await get(`${base}/readyz`)).status).toBe(503);
    flag.ready = true;
    expect((await get(`${base}/readyz`)).status).toBe(200);
    flag.ready = false;
    expect((await get(`${base}/readyz`)).status).toBe(503);
    expect((await get(`${base}/`)).status).toBe(404);
    expect((await get(`${base}/metrics/extra`)).status).toBe(404);
    expect((await get(`${base}/metrics?name[]=x`)).status).toBe(200);
    expect((await get(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reports a port already in use, naming it', async () => {
    const { server } = await coordinatorServer({ ready: true });
    const metrics = new CoordinatorMetrics([]);
    await expect(startMetricsServer({ host: '127.0.0.1', port: server.port, registry: metrics.registry, ready: () => true })).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${server.port}.*EADDRINUSE`),
    );
  });

  it('stops serving after close()', async () => {
    const metrics = new CoordinatorMetrics(TASKS);
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => true });
    expect((await get(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    await server.close();
    await expect(get(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('over TLS', () => {
    let dir: string;
    let tls: { cert: string; key: string };
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-tls-'));
      const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        { stdio: 'pipe' },
      );
      tls = { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('serves /metrics and the probes over HTTPS with the given certificate', async () => {
      const { base, server } = await coordinatorServer({ ready: true }, tls);
      expect(base.startsWith('https://')).toBe(true);
      const reply = await get(`${base}/metrics`, { ca: tls.cert });
      expect(reply.status).toBe(200);
      expect(parseExposition(reply.body).types.get('hybrid_rounds_total')).toBe('counter');
      expect((await get(`${base}/readyz`, { ca: tls.cert })).status).toBe(200);
      // A client that does not trust this certificate refuses it: the server really presents it.
      await expect(get(`${base}/healthz`)).rejects.toThrow(/self[- ]signed/i);
      // And plain HTTP on that port gets no metrics.
      const plain = await get(`http://127.0.0.1:${server.port}/metrics`).catch((error: Error) => error);
      expect(plain instanceof Error || plain.status !== 200).toBe(true);
    });
  });
});

describe('worker metrics server', () => {
  it('exposes the worker names with their TYPE, counts samples and answers /healthz', async () => {
    const metrics = new WorkerMetrics('digits');
    const server = await startWorkerMetricsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry });
    closers.push(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;

    const first = await get(`${base}/metrics`);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = parseExposition(first.body);
    for (const [name, type] of Object.entries(WORKER_TYPES)) expect(before.types.get(name), name).toBe(type);
    expect(before.samples.get('hybrid_worker_samples_total{task="digits"}')).toBe(0);
    expect(before.samples.get('hybrid_worker_step_duration_seconds_count{task="digits"}')).toBe(0);

    metrics.samples.inc({ task: 'digits' }, 128);
    metrics.stepDuration.observe({ task: 'digits' }, 0.02);
    const after = parseExposition((await get(`${base}/metrics`)).body).samples;
    expect(after.get('hybrid_worker_samples_total{task="digits"}')).toBe(128);
    expect(after.get('hybrid_worker_step_duration_seconds_count{task="digits"}')).toBe(1);
    expect(after.get('hybrid_worker_step_duration_seconds_bucket{le="0.01",task="digits"}')).toBe(0);
    expect(after.get('hybrid_worker_step_duration_seconds_bucket{le="0.025",task="digits"}')).toBe(1);

    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await get(`${base}/readyz`)).status).toBe(404);
  });
});
