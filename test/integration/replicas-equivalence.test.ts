// Replicas are data parallelism and nothing else: in sync mode a task on 2 replicas of batch 32 computes
// the W, S_t and head that one worker of batch 64 computes on the same examples (the replicas draw the
// round's 64 examples together and each takes its 32), through warm-up, pruning and fine-tuning; 3 tasks
// x 2 replicas compute what `hybrid train` computes with the batch doubled (which is what it computes
// for the replicas' config); and the replicas of a task hold bit-identical S_t and heads at every round.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startServer } from '../../coordinator/server.js';
import { runTrain } from '../../launch/train.js';
import { readBundle, type Bundle } from '../../model/bundle.js';
import type { RunResult } from '../../model/run-output.js';
import { initTensors } from '../../model/spec.js';
import type { JoinedRun } from '../../worker/joined-run.js';
import { Worker } from '../../worker/worker.js';

const quiet = () => {};

const DATASETS = [
  { source: 'synthetic', features: 16, classes: 5, train: 640, test: 128, task_seed: 1 },
  { source: 'synthetic', features: 16, classes: 3, train: 512, test: 128, task_seed: 2 },
  { source: 'synthetic', features: 16, classes: 4, train: 576, test: 128, task_seed: 3 },
];

function config(tasks: number, replicas: number, batch: number, steps: number): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [24] },
      tasks: DATASETS.slice(0, tasks).map((dataset, i) => ({ name: 'abc'[i], dataset, replicas, weight: i === 1 ? 0.5 : 1 })),
      train: { steps, batch_size: batch, optimizer: { type: 'adam', lr: 0.01 }, baseline: false, eval_every: 0 },
      // Pruning every 3 rounds from round 10 to 30 of 50, then a support re-selected every 5 rounds.
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 3, reselect_every: 5, l1: 1e-4 },
      distributed: { round_timeout_seconds: 120, report_every: 7 },
    },
    'replica equivalence test',
  );
}

/** One task's S_t and head as bytes, for bit-for-bit comparison. */
function digest(run: JoinedRun): string {
  const state = run.trainer.exportState();
  const hash = createHash('sha256');
  for (const v of [...state.sparse, ...state.head, ...state.stats]) hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return hash.digest('hex');
}

/** A distributed run with `replicas` workers per task; each replica's digest at every round it trained. */
async function distributed(cfg: RunConfig, outDir: string, replicas: number): Promise<{ result: RunResult | null; digests: Map<string, string>[] }> {
  const coordinator = new Coordinator(cfg, { log: quiet, outDir });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet });
  const done = new Promise<RunResult | null>((resolve) => coordinator.once('done', resolve));
  const slots = cfg.tasks.flatMap((t) => Array.from({ length: replicas }, (_, i) => ({ task: t.name, replica: replicas > 1 ? { index: i, count: replicas } : undefined })));
  const workers = slots.map((s) => new Worker({ url: `ws://127.0.0.1:${server.port}`, task: s.task, replica: s.replica, log: quiet }));
  // The state a replica trained round v from, taken as the round's push goes out.
  const digests = workers.map((w) => {
    const seen = new Map<string, string>();
    w.on('round', (version) => seen.set(`${version}`, digest((w as unknown as { joined: JoinedRun }).joined)));
    return seen;
  });
  const outcomes = await Promise.all(workers.map((w) => w.run()));
  const result = await done;
  coordinator.stop(false);
  await server.close();
  expect(outcomes.every((o) => o.evaluation !== null)).toBe(true);
  return { result, digests };
}

/** The largest difference between two bundles' W, S_t and heads, relative to each tensor's largest entry. */
function worstRelative(a: Bundle, b: Bundle): number {
  let worst = 0;
  const compare = (x: Float32Array, y: Float32Array) => {
    const scale = Math.max(1e-12, ...Array.from(x, Math.abs));
    x.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - y[j]) / scale)));
  };
  a.shared.forEach((w, i) => compare(w, b.shared[i]));
  a.tasks.forEach((t, k) => {
    t.sparse.forEach((s, i) => compare(s, b.tasks[k].sparse[i]));
    t.head.forEach((h, i) => compare(h, b.tasks[k].head[i]));
  });
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('replicas of a task', () => {
  it('2 replicas of batch 32 compute what one worker of batch 64 computes, over 50 rounds with pruning and re-selection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-replicas-'));
    const one = await distributed(config(1, 1, 64, 50), join(dir, 'one'), 1);
    const two = await distributed(config(1, 2, 32, 50), join(dir, 'two'), 2);
    const a = readBundle(join(dir, 'one', 'bundle'));
    const b = readBundle(join(dir, 'two', 'bundle'));
    expect(worstRelative(a, b)).toBeLessThanOrEqual(1e-5);
    // Pruned to the budget, on the same support.
    expect(two.result!.tasks[0].nnz).toBe(one.result!.tasks[0].nnz);
    expect(b.tasks[0].sparse.map((s) => Array.from(s, (x) => (x !== 0 ? 1 : 0)).join(''))).toEqual(a.tasks[0].sparse.map((s) => Array.from(s, (x) => (x !== 0 ? 1 : 0)).join('')));
    // W moved: the agreement is not that of two untouched initialisations.
    const init = initTensors(a.spec.shared, 5, 'shared');
    expect(Math.max(...Array.from(a.shared[0], (x, j) => Math.abs(x - init[0][j])))).toBeGreaterThan(1e-3);
    // Both replicas trained every round, from bit-identical S_t and heads.
    const [r0, r1] = two.digests;
    expect(r0.size).toBe(50);
    expect([...r1.entries()]).toEqual([...r0.entries()]);
    expect(new Set(r0.values()).size).toBeGreaterThan(40);
  });

  it('3 tasks x 2 replicas compute what hybrid train computes with the batch doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybrid-replicas-'));
    const single = await runTrain(config(3, 1, 48, 40), { outDir: join(dir, 'single'), log: quiet });
    const multi = await distributed(config(3, 2, 24, 40), join(dir, 'multi'), 2);
    expect(worstRelative(readBundle(join(dir, 'single', 'bundle')), readBundle(join(dir, 'multi', 'bundle')))).toBeLessThanOrEqual(1e-5);
    expect(multi.result!.tasks.map((t) => t.nnz)).toEqual(single.tasks.map((t) => t.nnz));
    // hybrid train reads the replicas' config as the distributed run does: N replicas, N batches a round.
    await runTrain(config(3, 2, 24, 40), { outDir: join(dir, 'same-config'), log: quiet });
    expect(worstRelative(readBundle(join(dir, 'single', 'bundle')), readBundle(join(dir, 'same-config', 'bundle')))).toBe(0);
    expect(multi.result!.tasks.map((t) => t.hybrid_accuracy)).toEqual(single.tasks.map((t) => t.hybrid_accuracy));
    for (let k = 0; k < 3; k++) expect([...multi.digests[2 * k + 1].entries()]).toEqual([...multi.digests[2 * k].entries()]);
  });
});
