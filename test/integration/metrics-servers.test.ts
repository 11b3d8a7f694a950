import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startProbeServer } from '../../lib/probe-server.js';
import { WorkerMetrics } from '../../worker/metrics.js';
import { makeSelfSigned } from '../support/certificates.js';
import { COORDINATOR_METRICS, EXTRA_COORDINATOR_METRICS, WORKER_METRICS } from '../support/design-metrics.js';
import { request } from '../support/http.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

// docs/architecture.md section 7, with the TYPE each must carry.
const COORDINATOR_TYPES: Record<string, string> = { ...COORDINATOR_METRICS, ...EXTRA_COORDINATOR_METRICS, process_cpu_seconds_total: 'counter' };
const WORKER_TYPES: Record<string, string> = { ...WORKER_METRICS, process_cpu_seconds_total: 'counter' };
const TASKS = ['digits', 'fashion'];

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function coordinatorServer(readyFlag: { ready: boolean }, tls?: { cert: string; key: string }) {
  const metrics = new CoordinatorMetrics(TASKS);
  const server = await startProbeServer({ name: 'metrics server', host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => readyFlag.ready, tls });
  closers.push(() => server.close());
  return { metrics, server, base: `${tls ? 'https' : 'http'}://127.0.0.1:${server.port}` };
}

describe('coordinator metrics server', () => {
  it('exposes every docs/architecture.md section 7 name with its TYPE and HELP right after construction', async () => {
    const { server, base } = await coordinatorServer({ ready: false });
    expect(server.port).toBeGreaterThan(0);
    const reply = await request(`${base}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parsePrometheusText(reply.body);
    for (const [name, type] of Object.entries(COORDINATOR_TYPES)) {
      expect(exposition.types.get(name), name).toBe(type);
      expect(exposition.help.get(name)?.length ?? 0, `${name} help`).toBeGreaterThan(10);
    }
    // The per-task series exist before any task has reported.
    for (const task of TASKS) {
      expect(exposition.series.get(`hybrid_task_samples_total{task="${task}"}`)).toBe(0);
      expect(exposition.series.get(`hybrid_stragglers_total{task="${task}"}`)).toBe(0);
      expect(exposition.series.get(`hybrid_task_loss{task="${task}"}`)).toBeNaN();
      expect(exposition.series.get(`hybrid_task_sparse_density{task="${task}"}`)).toBeNaN();
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
    const s = parsePrometheusText((await request(`${base}/metrics`)).body).series;
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
    expect(await request(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await request(`${base}/readyz`)).status).toBe(503);
    flag.ready = true;
    expect((await request(`${base}/readyz`)).status).toBe(200);
    flag.ready = false;
    expect((await request(`${base}/readyz`)).status).toBe(503);
    expect((await request(`${base}/`)).status).toBe(404);
    expect((await request(`${base}/metrics/extra`)).status).toBe(404);
    expect((await request(`${base}/metrics?name[]=x`)).status).toBe(200);
    expect((await request(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reports a port already in use, naming it', async () => {
    const { server } = await coordinatorServer({ ready: true });
    const metrics = new CoordinatorMetrics([]);
    await expect(startProbeServer({ name: 'metrics server', host: '127.0.0.1', port: server.port, registry: metrics.registry, ready: () => true })).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${server.port}.*EADDRINUSE`),
    );
  });

  it('stops serving after close()', async () => {
    const metrics = new CoordinatorMetrics(TASKS);
    const server = await startProbeServer({ name: 'metrics server', host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => true });
    expect((await request(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    await server.close();
    await expect(request(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('over TLS', () => {
    let dir: string;
    let tls: { cert: string; key: string };
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-tls-'));
      const files = makeSelfSigned(dir);
      tls = { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') };
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('serves /metrics and the probes over HTTPS with the given certificate', async () => {
      const { base, server } = await coordinatorServer({ ready: true }, tls);
      expect(base.startsWith('https://')).toBe(true);
      const reply = await request(`${base}/metrics`, { ca: tls.cert });
      expect(reply.status).toBe(200);
      expect(parsePrometheusText(reply.body).types.get('hybrid_rounds_total')).toBe('counter');
      expect((await request(`${base}/readyz`, { ca: tls.cert })).status).toBe(200);
      // A client that does not trust this certificate refuses it: the server really presents it.
      await expect(request(`${base}/healthz`)).rejects.toThrow(/self[- ]signed/i);
      // And plain HTTP on that port gets no metrics.
      const plain = await request(`http://127.0.0.1:${server.port}/metrics`).catch((error: Error) => error);
      expect(plain instanceof Error || plain.status !== 200).toBe(true);
    });
  });
});

describe('worker metrics server', () => {
  it('exposes the worker names with their TYPE, counts samples and answers /healthz', async () => {
    const metrics = new WorkerMetrics('digits');
    const server = await startProbeServer({ name: 'worker metrics server', host: '127.0.0.1', port: 0, registry: metrics.registry });
    closers.push(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;

    const first = await request(`${base}/metrics`);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = parsePrometheusText(first.body);
    for (const [name, type] of Object.entries(WORKER_TYPES)) expect(before.types.get(name), name).toBe(type);
    expect(before.series.get('hybrid_worker_samples_total{task="digits",replica="0"}')).toBe(0);
    expect(before.series.get('hybrid_worker_step_duration_seconds_count{task="digits",replica="0"}')).toBe(0);

    metrics.samples.inc({ task: 'digits', replica: '0' }, 128);
    metrics.stepDuration.observe({ task: 'digits', replica: '0' }, 0.02);
    const after = parsePrometheusText((await request(`${base}/metrics`)).body).series;
    expect(after.get('hybrid_worker_samples_total{task="digits",replica="0"}')).toBe(128);
    expect(after.get('hybrid_worker_step_duration_seconds_count{task="digits",replica="0"}')).toBe(1);
    expect(after.get('hybrid_worker_step_duration_seconds_bucket{le="0.01",task="digits",replica="0"}')).toBe(0);
    expect(after.get('hybrid_worker_step_duration_seconds_bucket{le="0.025",task="digits",replica="0"}')).toBe(1);

    expect(await request(`${base}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await request(`${base}/readyz`)).status).toBe(404);
  });

  it('moves its series to the replica slot the coordinator gave, leaving none at the slot it assumed', async () => {
    const metrics = new WorkerMetrics('digits');
    metrics.assignReplica(2);
    const text = await metrics.registry.metrics();
    const series = parsePrometheusText(text).series;
    expect(series.get('hybrid_worker_samples_total{task="digits",replica="2"}')).toBe(0);
    expect(series.get('hybrid_worker_step_duration_seconds_count{task="digits",replica="2"}')).toBe(0);
    expect(text).not.toMatch(/replica="0"/);
    metrics.assignReplica(2);
    expect(parsePrometheusText(await metrics.registry.metrics()).series.get('hybrid_worker_samples_total{task="digits",replica="2"}')).toBe(0);
  });
});
