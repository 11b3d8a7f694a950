// docs/architecture.md section 7 during a real run: a coordinator with its metrics server and two real workers over
// WebSockets. /metrics is scraped while rounds are running (the coordinator's input is held back at two
// versions so each scrape sees a known, still-running state), parsed as Prometheus text, and checked for
// every name of section 7 and for counters that move between the scrapes; /healthz and /readyz answer.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import { Coordinator, type CoordinatorCheckpoint, type Peer } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startProbeServer } from '../../lib/probe-server.js';
import { startServer } from '../../coordinator/server.js';
import { totalSize } from '../../model/spec.js';
import { decode } from '../../proto/codec.js';
import { WorkerMetrics } from '../../worker/metrics.js';
import { Worker } from '../../worker/worker.js';
import { COORDINATOR_METRICS } from '../support/design-metrics.js';
import { request } from '../support/http.js';
import { type Exposition, parsePrometheusText, sampleValue } from '../support/prometheus-text.js';

const quiet = () => {};
const TASKS = ['a', 'b'];
const STEPS = 12;
const BATCH = 16;
const LOCAL_BATCHES = 2;
/** The versions at which the coordinator's input is held back for a scrape. */
const FIRST = 3;
const SECOND = 7;

async function scrape(port: number): Promise<Exposition> {
  const reply = await request(`http://127.0.0.1:${port}/metrics`);
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

describe('coordinator metrics during a real run (docs/architecture.md section 7)', () => {
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
    const metricsServer = await startProbeServer({ name: 'metrics server', host: '127.0.0.1', port: 0, registry: metrics.registry, ready: () => coordinator.ready });
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
    const workerMetricsServer = await startProbeServer({ name: 'worker metrics server', host: '127.0.0.1', port: 0, registry: workerMetrics.registry });
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
    expect(await request(`${base}/healthz`)).toMatchObject({ status: 200 });
    expect(await request(`${base}/readyz`)).toMatchObject({ status: 200 });
    const s1 = await scrape(metricsServer.port);
    const w1 = await scrape(workerMetricsServer.port);
    for (const [name, type] of Object.entries(COORDINATOR_METRICS)) {
      expect(s1.types.get(name), `TYPE of ${name}`).toBe(type);
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      // One series per follower shard: a run of one coordinator has none (test/e2e/shards-recovery scrapes shards).
      if (name === 'hybrid_shard_link_up') {
        expect(s1.samples.some((s) => s.name === sampleName)).toBe(false);
        continue;
      }
      expect(
        s1.samples.some((s) => s.name === sampleName),
        `a sample of ${name}`,
      ).toBe(true);
    }
    expect(s1.types.get('process_cpu_seconds_total'), 'default process metrics').toBe('counter');
    expect(sampleValue(s1, 'hybrid_rounds_total')).toBe(FIRST);
    expect(sampleValue(s1, 'hybrid_shared_version')).toBe(FIRST);
    expect(sampleValue(s1, 'hybrid_workers_connected')).toBe(2);
    expect(sampleValue(s1, 'hybrid_round_duration_seconds_count')).toBe(FIRST);
    // Every accepted push is observed, all of staleness 0 in sync mode.
    expect(sampleValue(s1, 'hybrid_push_staleness_count')).toBe(FIRST * TASKS.length);
    expect(sampleValue(s1, 'hybrid_push_staleness_bucket', { le: '0' })).toBe(FIRST * TASKS.length);
    expect(sampleValue(s1, 'hybrid_checkpoint_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(sampleValue(s1, 'hybrid_checkpoint_duration_seconds_count')).toBe(1);
    for (const task of TASKS) {
      expect(sampleValue(s1, 'hybrid_task_samples_total', { task })).toBe(FIRST * perRound);
      expect(Number.isFinite(sampleValue(s1, 'hybrid_task_loss', { task })), `loss of ${task}`).toBe(true);
      const density = sampleValue(s1, 'hybrid_task_sparse_density', { task });
      expect(density).toBeGreaterThan(0);
      expect(density).toBeLessThanOrEqual(1);
      expect(sampleValue(s1, 'hybrid_stragglers_total', { task })).toBe(0);
      expect(sampleValue(s1, 'hybrid_task_replicas_configured', { task })).toBe(1);
      expect(sampleValue(s1, 'hybrid_task_replicas', { task })).toBe(1);
      // No task has been evaluated yet.
      expect(sampleValue(s1, 'hybrid_task_accuracy', { task })).toBeNaN();
    }
    // Nothing refused, and the refusal series exist at 0 all the same (so increase() sees the first one).
    expect(s1.samples.filter((s) => s.name === 'hybrid_pushes_rejected_total' && s.value !== 0)).toEqual([]);
    for (const reason of ['shape', 'non_finite', 'stale']) expect(sampleValue(s1, 'hybrid_pushes_rejected_total', { reason })).toBe(0);
    expect(w1.types.get('hybrid_worker_samples_total')).toBe('counter');
    expect(w1.types.get('hybrid_worker_step_duration_seconds')).toBe('histogram');
    // The worker counts what it trained, the held round included.
    expect(sampleValue(w1, 'hybrid_worker_samples_total', { task: 'a', replica: '0' })).toBe((FIRST + 1) * perRound);
    expect(sampleValue(w1, 'hybrid_worker_step_duration_seconds_count', { task: 'a', replica: '0' })).toBe(FIRST + 1);
    release();

    await second;
    await heldPushes();
    expect(await request(`${base}/readyz`)).toMatchObject({ status: 200 });
    const s2 = await scrape(metricsServer.port);
    const w2 = await scrape(workerMetricsServer.port);
    const moved = (name: string, labels: Record<string, string> = {}) => sampleValue(s2, name, labels) - sampleValue(s1, name, labels);
    const rounds = SECOND - FIRST;
    expect(moved('hybrid_rounds_total')).toBe(rounds);
    expect(sampleValue(s2, 'hybrid_shared_version')).toBe(SECOND);
    expect(moved('hybrid_round_duration_seconds_count')).toBe(rounds);
    expect(moved('hybrid_push_staleness_count')).toBe(rounds * TASKS.length);
    // At least the pushed gradients came in, and the broadcast weights went out, in those rounds.
    expect(moved('hybrid_bytes_received_total')).toBeGreaterThanOrEqual(rounds * TASKS.length * pushBytes);
    expect(moved('hybrid_bytes_sent_total')).toBeGreaterThanOrEqual(rounds * TASKS.length * pushBytes);
    for (const task of TASKS) expect(moved('hybrid_task_samples_total', { task })).toBe(rounds * perRound);
    expect(moved('hybrid_checkpoint_duration_seconds_count')).toBe(2);
    expect(sampleValue(w2, 'hybrid_worker_samples_total', { task: 'a', replica: '0' }) - sampleValue(w1, 'hybrid_worker_samples_total', { task: 'a', replica: '0' })).toBe(rounds * perRound);
    release();

    await done;
    const final = await outcomes;
    expect(final.map((o) => o.rounds)).toEqual([STEPS, STEPS]);
    const s3 = await scrape(metricsServer.port);
    expect(sampleValue(s3, 'hybrid_rounds_total')).toBe(STEPS);
    for (const [i, task] of TASKS.entries()) {
      expect(sampleValue(s3, 'hybrid_task_accuracy', { task })).toBe(final[i].evaluation!.accuracy);
      expect(sampleValue(s3, 'hybrid_task_samples_total', { task })).toBe(STEPS * perRound);
    }
    // Training is over: alive, but no longer accepting workers.
    expect(await request(`${base}/healthz`)).toMatchObject({ status: 200 });
    expect(await request(`${base}/readyz`)).toMatchObject({ status: 503 });
  });
});
