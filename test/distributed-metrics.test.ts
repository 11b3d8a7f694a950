// DESIGN.md section 7 during a real run: a coordinator with its metrics server and two real workers over
// WebSockets. /metrics is scraped while rounds are running (the coordinator's input is held back at two
// versions so each scrape sees a known, still-running state), parsed as Prometheus text, and checked for
// every name of section 7 and for counters that move between the scrapes; /healthz and /readyz answer.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../config/load.js';
import { CheckpointStore } from '../coordinator/checkpoints.js';
import { Coordinator, type CoordinatorCheckpoint, type Peer } from '../coordinator/coordinator.js';
import { CoordinatorMetrics, startMetricsServer } from '../coordinator/metrics.js';
import { startServer } from '../coordinator/server.js';
import { totalSize } from '../model/spec.js';
import { decode } from '../proto/codec.js';
import { startWorkerMetricsServer, WorkerMetrics } from '../worker/metrics.js';
import { Worker } from '../worker/worker.js';

const quiet = () => {};
const TASKS = ['a', 'b'];
const STEPS = 12;
const BATCH = 16;
const LOCAL_BATCHES = 2;
/** The versions at which the coordinator's input is held back for a scrape. */
const FIRST = 3;
const SECOND = 7;

/** DESIGN.md section 7, coordinator side, with the TYPE each must carry. */
const COORDINATOR_METRICS: Record<string, 'counter' | 'gauge' | 'histogram'> = {
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
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One scrape, parsed: each family's TYPE, and every sample with its labels. */
interface Scrape {
  types: Map<string, string>;
  samples: Sample[];
}

/** Prometheus text format 0.0.4: `# TYPE` lines and `name{label="value",...} value [timestamp]` samples
 *  (label values unescaped). Anything else that is not a comment or blank is an error. */
function parsePrometheusText(text: string): Scrape {
  const scrape: Scrape = { types: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) scrape.types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const labelText = m[2] ?? '';
    const pair = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)",?/gy;
    let p: RegExpExecArray | null;
    let consumed = 0;
    while ((p = pair.exec(labelText))) {
      labels[p[1]] = p[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = pair.lastIndex;
    }
    if (consumed !== labelText.length) throw new Error(`bad labels in: ${JSON.stringify(line)}`);
    // Special values case-insensitively, as Prometheus reads them (Go's ParseFloat): prom-client prints "Nan".
    const raw = m[3].toLowerCase();
    const value = raw === 'nan' ? NaN : raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value in: ${JSON.stringify(line)}`);
    scrape.samples.push({ name: m[1], labels, value });
  }
  return scrape;
}

/** The value of the one sample with this name and exactly these labels; throws when there is none. */
function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const keys = Object.keys(labels);
  const found = scrape.samples.filter((s) => s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]));
  if (found.length !== 1) throw new Error(`${found.length} samples ${name}${JSON.stringify(labels)}`);
  return found[0].value;
}

function get(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

async function scrape(port: number): Promise<Scrape> {
  const reply = await get(`http://127.0.0.1:${port}/metrics`);
  expect(reply.status).toBe(200);
  expect(reply.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(reply.body);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('coordinator metrics during a real run (DESIGN.md section 7)', () => {
  it('exposes every name, moves the counters between two scrapes mid-run, and answers the probes', async () => {
    const config = parseRunConfig(
      {
        seed: 4,
        model: { arch: 'mlp', hidden: [16] },
        tasks: TASKS.map((name, i) => ({ name, dataset: { source: 'synthetic', features: 8, classes: 3 + i, hidden: 8, train: 256, test: 64, task_seed: i + 1 } })),
        train: { steps: STEPS, batch_size: BATCH, local_batches: LOCAL_BATCHES, optimizer: { type: 'adam', lr: 0.01 }, baseline: false },
        sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 2 },
        distributed: { round_timeout_seconds: 120, report_every: 2, checkpoint_every: 2, keep_checkpoints: 2 },
      },
      'metrics test',
    );
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-metrics-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const metrics = new CoordinatorMetrics(TASKS);
    const checkpoints = new CheckpointStore<CoordinatorCheckpoint>({ dir, keep: 2, warn: quiet });
    const coordinator = new Coordinator(config, { log: quiet, metrics, checkpoints });
    const metricsServer = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => coordinator.ready });
    const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, metrics, log: quiet });
    cleanups.push(async () => {
      coordinator.stop(false);
      await Promise.all([server.close(), metricsServer.close()]);
    });

    // Holding the coordinator's input back: the frames wait (copied) until released, so at a held version
    // the round is open, the workers are connected and nothing moves.
    const receive = coordinator.receive.bind(coordinator);
    const held: Array<[Peer, Uint8Array]> = [];
    let holding = false;
    coordinator.receive = (peer, frame) => (holding ? void held.push([peer, frame.slice()]) : receive(peer, frame));
    const release = () => {
      holding = false;
      for (const [peer, frame] of held.splice(0)) receive(peer, frame);
    };
    // 'round' fires before the new version's update goes out, so the hold is on before any push for it.
    const reach = (version: number) =>
      new Promise<void>((resolve) => {
        const onRound = (v: number) => {
          if (v !== version) return;
          holding = true;
          coordinator.off('round', onRound);
          resolve();
        };
        coordinator.on('round', onRound);
      });
    // Until both workers have trained the held round and pushed (into the hold): their own counts are then
    // settled too.
    const heldPushes = async () => {
      while (held.filter(([, frame]) => decode(frame).kind === 'push').length < TASKS.length) await new Promise((r) => setTimeout(r, 10));
    };
    const first = reach(FIRST);
    const second = reach(SECOND);
    const done = new Promise<void>((resolve) => coordinator.once('done', () => resolve()));

    const workerMetrics = new WorkerMetrics('a');
    const workerMetricsServer = await startWorkerMetricsServer({ host: '127.0.0.1', port: 0, registry: workerMetrics.registry });
    cleanups.push(() => workerMetricsServer.close());
    const url = `ws://127.0.0.1:${server.port}`;
    const workers = TASKS.map((task) => new Worker({ url, task, log: quiet, metrics: task === 'a' ? workerMetrics : undefined }));
    cleanups.push(() => Promise.all(workers.map((w) => w.stop())).then(() => {}));
    const outcomes = Promise.all(workers.map((w) => w.run()));

    const base = `http://127.0.0.1:${metricsServer.port}`;
    const perRound = BATCH * LOCAL_BATCHES;
    const pushBytes = 4 * totalSize(coordinator.spec.shared);

    await first;
    await heldPushes();
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200 });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200 });
    const s1 = await scrape(metricsServer.port);
    const w1 = await scrape(workerMetricsServer.port);
    for (const [name, type] of Object.entries(COORDINATOR_METRICS)) {
      expect(s1.types.get(name), `TYPE of ${name}`).toBe(type);
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      expect(s1.samples.some((s) => s.name === sampleName), `a sample of ${name}`).toBe(true);
    }
    expect(s1.types.get('process_cpu_seconds_total'), 'default process metrics').toBe('counter');
    expect(value(s1, 'hybrid_rounds_total')).toBe(FIRST);
    expect(value(s1, 'hybrid_shared_version')).toBe(FIRST);
    expect(value(s1, 'hybrid_workers_connected')).toBe(2);
    expect(value(s1, 'hybrid_round_duration_seconds_count')).toBe(FIRST);
    // Every accepted push is observed, all of staleness 0 in sync mode.
    expect(value(s1, 'hybrid_push_staleness_count')).toBe(FIRST * TASKS.length);
    expect(value(s1, 'hybrid_push_staleness_bucket', { le: '0' })).toBe(FIRST * TASKS.length);
    expect(value(s1, 'hybrid_checkpoint_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(value(s1, 'hybrid_checkpoint_duration_seconds_count')).toBe(1);
    for (const task of TASKS) {
      expect(value(s1, 'hybrid_task_samples_total', { task })).toBe(FIRST * perRound);
      expect(Number.isFinite(value(s1, 'hybrid_task_loss', { task })), `loss of ${task}`).toBe(true);
      const density = value(s1, 'hybrid_task_sparse_density', { task });
      expect(density).toBeGreaterThan(0);
      expect(density).toBeLessThanOrEqual(1);
      expect(value(s1, 'hybrid_stragglers_total', { task })).toBe(0);
      // No task has been evaluated yet.
      expect(value(s1, 'hybrid_task_accuracy', { task })).toBeNaN();
    }
    // Nothing refused, and the refusal series exist at 0 all the same (so increase() sees the first one).
    expect(s1.samples.filter((s) => s.name === 'hybrid_pushes_rejected_total' && s.value !== 0)).toEqual([]);
    for (const reason of ['shape', 'non_finite', 'stale']) expect(value(s1, 'hybrid_pushes_rejected_total', { reason })).toBe(0);
    expect(w1.types.get('hybrid_worker_samples_total')).toBe('counter');
    expect(w1.types.get('hybrid_worker_step_duration_seconds')).toBe('histogram');
    // The worker counts what it trained, the held round included.
    expect(value(w1, 'hybrid_worker_samples_total', { task: 'a' })).toBe((FIRST + 1) * perRound);
    expect(value(w1, 'hybrid_worker_step_duration_seconds_count', { task: 'a' })).toBe(FIRST + 1);
    release();

    await second;
    await heldPushes();
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200 });
    const s2 = await scrape(metricsServer.port);
    const w2 = await scrape(workerMetricsServer.port);
    const moved = (name: string, labels: Record<string, string> = {}) => value(s2, name, labels) - value(s1, name, labels);
    const rounds = SECOND - FIRST;
    expect(moved('hybrid_rounds_total')).toBe(rounds);
    expect(value(s2, 'hybrid_shared_version')).toBe(SECOND);
    expect(moved('hybrid_round_duration_seconds_count')).toBe(rounds);
    expect(moved('hybrid_push_staleness_count')).toBe(rounds * TASKS.length);
    // At least the pushed gradients came in, and the broadcast weights went out, in those rounds.
    expect(moved('hybrid_bytes_received_total')).toBeGreaterThanOrEqual(rounds * TASKS.length * pushBytes);
    expect(moved('hybrid_bytes_sent_total')).toBeGreaterThanOrEqual(rounds * TASKS.length * pushBytes);
    for (const task of TASKS) expect(moved('hybrid_task_samples_total', { task })).toBe(rounds * perRound);
    expect(moved('hybrid_checkpoint_duration_seconds_count')).toBe(2);
    expect(value(w2, 'hybrid_worker_samples_total', { task: 'a' }) - value(w1, 'hybrid_worker_samples_total', { task: 'a' })).toBe(rounds * perRound);
    release();

    await done;
    const final = await outcomes;
    expect(final.map((o) => o.rounds)).toEqual([STEPS, STEPS]);
    const s3 = await scrape(metricsServer.port);
    expect(value(s3, 'hybrid_rounds_total')).toBe(STEPS);
    for (const [i, task] of TASKS.entries()) {
      expect(value(s3, 'hybrid_task_accuracy', { task })).toBe(final[i].evaluation!.accuracy);
      expect(value(s3, 'hybrid_task_samples_total', { task })).toBe(STEPS * perRound);
    }
    // Training is over: alive, but no longer accepting workers.
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200 });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 503 });
  });
});
