// Sync mode, all tasks present, same seeds: the distributed run (a coordinator and workers talking over
// real WebSockets) computes the same W as single-process joint training (`hybrid train`); with
// train.baseline on, each worker's separate model gives the accuracy `hybrid train`'s gives.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startServer } from '../../coordinator/server.js';
import { runTrain } from '../../launch/train.js';
import { readBundle } from '../../model/bundle.js';
import type { RunResult } from '../../model/run-output.js';
import { initTensors } from '../../model/spec.js';
import { Worker } from '../../worker/worker.js';

const quiet = () => {};

function config(optimizer: object, baseline = false, aggregation: object = { method: 'weighted_sum' }, quantizeAware = 0) {
  return parseRunConfig(
    {
      seed: 11,
      model: { arch: 'mlp', hidden: [24] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 16, classes: 5, train: 512, test: 128, task_seed: 1 } },
        { name: 'b', dataset: { source: 'synthetic', features: 16, classes: 3, train: 512, test: 128, task_seed: 2 }, weight: 0.5 },
        { name: 'c', dataset: { source: 'synthetic', features: 16, classes: 4, train: 512, test: 128, task_seed: 3 } },
      ],
      train: { steps: 30, batch_size: 32, local_batches: 2, optimizer, baseline, quantize_aware_steps: quantizeAware },
      ...(quantizeAware > 0 ? { export: { quantize: 'int4' } } : {}),
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 3 },
      distributed: { round_timeout_seconds: 60, report_every: 7 },
      aggregation,
    },
    'equivalence test',
  );
}

async function distributed(cfg: ReturnType<typeof config>, outDir: string): Promise<RunResult | null> {
  const coordinator = new Coordinator(cfg, { log: quiet, outDir });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet });
  const done = new Promise<RunResult | null>((resolve) => coordinator.once('done', resolve));
  const workers = cfg.tasks.map((t) => new Worker({ url: `ws://127.0.0.1:${server.port}`, task: t.name, log: quiet }));
  const outcomes = await Promise.all(workers.map((w) => w.run()));
  const result = await done;
  coordinator.stop(false);
  await server.close();
  expect(outcomes.map((o) => o.evaluation !== null)).toEqual([true, true, true]);
  return result;
}

/** The largest difference between two bundles' W, relative to each tensor's largest magnitude. */
function worstRelative(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => {
    const scale = Math.max(...Array.from(w, Math.abs));
    w.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j]) / scale)));
  });
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('distributed sync training equals single-process joint training', () => {
  for (const optimizer of [
    { type: 'sgd', lr: 0.05, momentum: 0.9 },
    { type: 'adam', lr: 0.01 },
  ]) {
    it(`W agrees to 1e-5 relative after 30 rounds (${optimizer.type})`, async () => {
      const cfg = config(optimizer);
      const dir = mkdtempSync(join(tmpdir(), 'hybrid-eq-'));
      const single = await runTrain(cfg, { outDir: join(dir, 'single'), log: quiet });
      const multi = await distributed(cfg, join(dir, 'multi'));
      const a = readBundle(join(dir, 'single', 'bundle'));
      const b = readBundle(join(dir, 'multi', 'bundle'));
      expect(worstRelative(a.shared, b.shared)).toBeLessThanOrEqual(1e-5);
      // W really moved, so agreement is not the trivial one of two untouched initialisations
      const init = initTensors(a.spec.shared, cfg.seed, 'shared');
      expect(Math.max(...Array.from(a.shared[0], (x, j) => Math.abs(x - init[0][j])))).toBeGreaterThan(1e-3);
      // the task states the coordinator collected match the single-process trainers too
      expect(multi!.tasks.map((t) => t.nnz)).toEqual(single.tasks.map((t) => t.nnz));
      expect(multi!.tasks.map((t) => t.hybrid_accuracy)).toEqual(single.tasks.map((t) => t.hybrid_accuracy));
      a.tasks.forEach((t, k) => t.head.forEach((h, i) => h.forEach((x, j) => expect(Math.abs(x - b.tasks[k].head[i][j])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(x))))));
    });
  }

  // Each multi-task method combines the same gradients in both, with the same seeds (PCGrad's order from
  // the run's seed and the round), so the two agree as the weighted sum does, and differ from it.
  // The loss-based ones weigh from the same losses, their state moving round by round alike (DWA's
  // epochs of 3 rounds, so that its weights move within the 30).
  for (const aggregation of [
    { method: 'pcgrad' },
    { method: 'cagrad', c: 0.5 },
    { method: 'mgda', normalize: 'l2' },
    { method: 'imtl_g' },
    { method: 'nash_mtl' },
    { method: 'uncertainty', lr: 0.2 },
    { method: 'dwa', window: 3 },
    { method: 'famo', lr: 0.5 },
  ]) {
    it(`W agrees to 1e-5 relative after 30 rounds under ${aggregation.method}, and differs from the weighted sum's`, async () => {
      const adam = { type: 'adam', lr: 0.01 };
      const cfg = config(adam, false, aggregation);
      const dir = mkdtempSync(join(tmpdir(), 'hybrid-eq-agg-'));
      const singleResult = await runTrain(cfg, { outDir: join(dir, 'single'), log: quiet });
      const multiResult = await distributed(cfg, join(dir, 'multi'));
      await runTrain(config(adam), { outDir: join(dir, 'weighted-sum'), log: quiet });
      // The results name the method and the last round's coefficients, the same in both.
      for (const r of [singleResult, multiResult]) expect(r?.aggregation?.method).toBe(aggregation.method);
      const weights = (r: typeof singleResult | null) => ['a', 'b', 'c'].map((t) => r?.aggregation?.last_weights[t] ?? Number.NaN);
      weights(multiResult).forEach((w, k) => expect(w).toBeCloseTo(weights(singleResult)[k], 4));
      const [single, multi, plain] = ['single', 'multi', 'weighted-sum'].map((d) => readBundle(join(dir, d, 'bundle')).shared);
      expect(worstRelative(single, multi)).toBeLessThanOrEqual(1e-5);
      expect(worstRelative(single, plain)).toBeGreaterThan(1e-3);
    });
  }

  // Quantisation-aware fine-tuning: the last rounds train against int4-fake-quantised W on both sides.
  it('W agrees to 1e-5 relative after 30 rounds with the last 10 quantisation-aware (int4), and differs from training without', async () => {
    const adam = { type: 'adam', lr: 0.01 };
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-eq-qat-'));
    const cfg = config(adam, false, undefined, 10);
    const singleResult = await runTrain(cfg, { outDir: join(dir, 'single'), log: quiet });
    await distributed(cfg, join(dir, 'multi'));
    await runTrain(config(adam), { outDir: join(dir, 'plain'), log: quiet });
    const [single, multi, plain] = ['single', 'multi', 'plain'].map((d) => readBundle(join(dir, d, 'bundle')).shared);
    expect(worstRelative(single, multi)).toBeLessThanOrEqual(1e-5);
    expect(worstRelative(single, plain)).toBeGreaterThan(1e-4);
    expect(singleResult.quantized?.encoding).toBe('int4');
  });

  it('the separate models a distributed run trains (train.baseline) give the accuracies hybrid train gives', async () => {
    const cfg = config({ type: 'adam', lr: 0.01 }, true);
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-eq-'));
    const single = await runTrain(cfg, { log: quiet });
    const multi = await distributed(cfg, join(dir, 'multi'));
    const separate = single.tasks.map((t) => t.separate_accuracy);
    expect(separate.every((a) => a !== null && a > 0)).toBe(true);
    expect(multi!.tasks.map((t) => t.separate_accuracy)).toEqual(separate);
    expect(multi!.tasks.map((t) => t.hybrid_accuracy)).toEqual(single.tasks.map((t) => t.hybrid_accuracy));
  });
});
