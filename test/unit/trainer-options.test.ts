// Three training options of the task trainer (worker/trainer.ts), each against the same run without it
// (same seed, same data, same W): sparsity.l1, sparsity.reselect_every and train.task_optimizer. A tiny
// MLP on a synthetic teacher task, on the cpu backend; W stays fixed (no coordinator).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { OptimizerConfig, RunConfig } from '../../config/schema.js';
import { loadTaskData } from '../../data/tasks.js';
import { buildModelSpec, initTensors, totalSize } from '../../model/spec.js';
import { scheduleBounds, sparseBudget } from '../../model/sparsity.js';
import { TaskTrainer, type TrainerState } from '../../worker/trainer.js';

const STEPS = 40;

interface Options {
  l1?: number;
  reselect?: number;
  optimizer?: object;
  taskOptimizer?: object;
  rho?: number;
  warmup?: number;
  pruneEnd?: number;
  pruneEvery?: number;
}

function config(o: Options = {}): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [{ name: 'teacher', dataset: { source: 'synthetic', features: 12, classes: 4, hidden: 8, train: 256, test: 64 } }],
      train: {
        steps: STEPS,
        batch_size: 32,
        optimizer: o.optimizer ?? { type: 'adam', lr: 0.01 },
        ...(o.taskOptimizer ? { task_optimizer: o.taskOptimizer } : {}),
        lr_schedule: 'constant',
        baseline: false,
      },
      sparsity: { rho: o.rho ?? 0.2, warmup: o.warmup ?? 0.2, prune_end: o.pruneEnd ?? 0.4, prune_every: o.pruneEvery ?? 4, l1: o.l1 ?? 0, reselect_every: o.reselect ?? 0 },
    },
    'trainer-options test',
  );
}

interface Built {
  t: TaskTrainer;
  cfg: RunConfig;
  budget: number;
  bounds: { start: number; end: number };
}

async function build(cfg: RunConfig): Promise<Built> {
  const data = await loadTaskData(cfg.tasks[0], cfg.seed);
  const spec = buildModelSpec(cfg.model, data.inputShape);
  const t = new TaskTrainer({ spec, data, weight: 1, train: cfg.train, sparsity: cfg.sparsity, seed: cfg.seed });
  t.setShared(initTensors(spec.shared, cfg.seed, 'shared'));
  return { t, cfg, budget: sparseBudget(totalSize(spec.shared), cfg.sparsity.rho), bounds: scheduleBounds(STEPS, cfg.sparsity) };
}

const l1Norm = (values: readonly Float32Array[]): number => values.reduce((a, v) => a + v.reduce((b, x) => b + Math.abs(x), 0), 0);
const total = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);
const flat = (values: readonly (Float32Array | Uint8Array)[]): number[] => values.flatMap((v) => Array.from(v));
/** Entries whose membership differs between two supports. */
function supportDiff(a: readonly Uint8Array[], b: readonly Uint8Array[]): number {
  let d = 0;
  a.forEach((m, i) => m.forEach((x, j) => (d += x !== b[i][j] ? 1 : 0)));
  return d;
}
const maxAbsDiff = (a: readonly Float32Array[], b: readonly Float32Array[]): number => Math.max(...a.map((v, i) => v.reduce((m, x, j) => Math.max(m, Math.abs(x - b[i][j])), 0)));

interface Round {
  loss: number;
  gradient: Float32Array[];
  sparse: Float32Array[];
  head: Float32Array[];
  support: Uint8Array[] | null;
  nnz: number;
  phase: string;
}

/**
 * Rounds `from`..`to - 1` of a fresh trainer of `cfg` (after taking over `state` when given), one record per
 * round, and the trainer's final state. Trainers of one task register tfjs variables under the task's name,
 * so two of them cannot live at once: each run is built, traced and disposed before the next.
 */
async function trace(cfg: RunConfig, from: number, to: number, state?: TrainerState): Promise<{ rounds: Round[]; start: Round; final: TrainerState; built: Built }> {
  const built = await build(cfg);
  const { t } = built;
  try {
    if (state) t.importState(state);
    const snap = (loss: number, gradient: Float32Array[]): Round => ({
      loss,
      gradient,
      sparse: t.sparseValues(),
      head: t.headValues(),
      support: t.exportState().support,
      nnz: total(t.nonZeros()),
      phase: t.phase,
    });
    const start = snap(Number.NaN, []);
    const rounds: Round[] = [];
    for (let s = from; s < to; s++) {
      const r = t.round(s);
      rounds.push(snap(r.loss, r.gradient));
    }
    return { rounds, start, final: t.exportState(), built };
  } finally {
    t.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sparsity.l1', () => {
  it.each<[string, object]>([
    ['adam', { type: 'adam', lr: 0.01 }],
    ['sgd', { type: 'sgd', lr: 0.2, momentum: 0 }],
  ])('during the dense warm-up (%s), S_t has a smaller L1 norm than without it, from the same start', async (_name, optimizer) => {
    const warmupEnd = scheduleBounds(STEPS, config().sparsity).start;
    expect(warmupEnd).toBe(8); // the first prune is after round 7
    const plain = await trace(config({ optimizer }), 0, warmupEnd - 1);
    const penalised = await trace(config({ optimizer, l1: 0.05 }), 0, warmupEnd - 1);
    const budget = plain.built.budget;
    for (let s = 0; s < warmupEnd - 1; s++) {
      const a = plain.rounds[s];
      const b = penalised.rounds[s];
      expect(a.phase).toBe('warmup');
      if (s <= 1) {
        // sign(0) = 0: the penalty does nothing to the first step from S_t = 0, so the runs agree up to
        // there (the second round's loss and gradient are taken at the same W + S_t).
        expect(b.loss).toBe(a.loss);
        expect(flat(b.gradient)).toEqual(flat(a.gradient));
      }
      if (s === 0) {
        expect(flat(b.sparse)).toEqual(flat(a.sparse));
        expect(flat(b.head)).toEqual(flat(a.head));
      } else {
        expect(l1Norm(b.sparse), `round ${s}`).toBeLessThan(l1Norm(a.sparse));
      }
      // still dense
      expect(a.nnz).toBeGreaterThan(budget);
      expect(b.nnz).toBeGreaterThan(budget);
      expect(a.support).toBeNull();
      expect(b.support).toBeNull();
    }
    // by the end of the warm-up, markedly smaller
    expect(l1Norm(penalised.final.sparse)).toBeLessThan(0.8 * l1Norm(plain.final.sparse));
  });

  it('during fine-tuning with a fixed support, S_t has a smaller L1 norm than without it, on the same support', async () => {
    // Train to past the end of pruning, then take the state over into two trainers that differ only in l1
    // (the same W, and the same batches: a trainer that takes a state over draws them from its step).
    const { end } = scheduleBounds(STEPS, config().sparsity);
    expect(end).toBe(16);
    const from = end + 2;
    const source = await trace(config(), 0, from);
    const state = source.final;
    expect(state.support).not.toBeNull();
    const support = state.support!;
    expect(total(support.map((m) => m.reduce((a, x) => a + x, 0)))).toBe(source.built.budget);

    const plain = await trace(config(), from, from + 12, state);
    const penalised = await trace(config({ l1: 0.05 }), from, from + 12, state);
    expect(flat(plain.start.sparse)).toEqual(flat(state.sparse));
    expect(flat(penalised.start.sparse)).toEqual(flat(state.sparse));
    for (let k = 0; k < 12; k++) {
      const a = plain.rounds[k];
      const b = penalised.rounds[k];
      if (k === 0) expect(b.loss).toBe(a.loss); // same batch, same weights
      for (const r of [a, b]) {
        expect(r.phase).toBe('finetune');
        expect(supportDiff(r.support!, support), `round ${from + k}: the support stays fixed`).toBe(0);
        // nothing off the support
        r.sparse.forEach((v, i) => v.forEach((x, j) => support[i][j] === 0 && expect(x).toBe(0)));
        expect(r.nnz).toBeLessThanOrEqual(source.built.budget);
      }
      expect(l1Norm(b.sparse), `round ${from + k}`).toBeLessThan(l1Norm(a.sparse));
    }
    expect(l1Norm(penalised.final.sparse)).toBeLessThan(0.9 * l1Norm(plain.final.sparse));
  });
});

describe('sparsity.reselect_every', () => {
  // SGD with a large step on S_t and a 20% budget, so that proposals (one gradient step for entries off the
  // support) do win places at some re-selections on this small task.
  const options: Options = { taskOptimizer: { type: 'sgd', lr: 1, momentum: 0 }, rho: 0.2, warmup: 0.1, pruneEnd: 0.25, pruneEvery: 2 };
  const every = 3;

  it(`re-selects the support at every ${every}rd fine-tuning step, and only there; with 0 the support stays fixed`, async () => {
    const fixed = await trace(config({ ...options, reselect: 0 }), 0, STEPS);
    const moving = await trace(config({ ...options, reselect: every }), 0, STEPS);
    const { end } = scheduleBounds(STEPS, config(options).sparsity);
    const budget = fixed.built.budget;
    expect(end).toBe(10); // pruning ends after round 9
    const isReselect = (s: number) => s + 1 > end && (s + 1 - end) % every === 0;
    const mask = (r: { rounds: Round[] }, s: number) => r.rounds[s].support!;

    // Before the first re-selection step the two runs are the same run.
    const first = Array.from({ length: STEPS }, (_, s) => s).find(isReselect)!;
    expect(first).toBe(12);
    for (let s = 0; s < first; s++) {
      expect(flat(moving.rounds[s].sparse), `round ${s}`).toEqual(flat(fixed.rounds[s].sparse));
      expect(moving.rounds[s].support === null).toBe(fixed.rounds[s].support === null);
      if (fixed.rounds[s].support) expect(supportDiff(mask(moving, s), mask(fixed, s))).toBe(0);
    }

    const changedAt: number[] = [];
    for (let s = end; s < STEPS; s++) {
      // fixed support: identical to the one pruning left
      expect(supportDiff(mask(fixed, s), mask(fixed, end - 1)), `round ${s}, reselect_every 0`).toBe(0);
      const d = supportDiff(mask(moving, s), mask(moving, s - 1));
      if (d > 0) changedAt.push(s);
      if (!isReselect(s)) expect(d, `round ${s} is no re-selection step`).toBe(0);
      // the budget holds either way, the support is exactly the budget, and nothing is kept off it
      for (const r of [fixed, moving]) {
        expect(r.rounds[s].nnz).toBeLessThanOrEqual(budget);
        expect(total(mask(r, s).map((m) => m.reduce((a, x) => a + x, 0)))).toBe(budget);
        r.rounds[s].sparse.forEach((v, i) => v.forEach((x, j) => mask(r, s)[i][j] === 0 && expect(x).toBe(0)));
      }
    }
    // The support did move, at re-selection steps (several of them on this run), by swaps within the budget.
    expect(changedAt.length).toBeGreaterThanOrEqual(3);
    for (const s of changedAt) expect(isReselect(s)).toBe(true);
  });
});

describe('train.task_optimizer', () => {
  const adam = { type: 'adam', lr: 0.01 } as const;

  /** S_t and the head after `rounds` rounds, the first round's gradient, and the exported state. */
  async function trained(taskOptimizer: object | undefined, rounds: number) {
    const r = await trace(config({ optimizer: adam, taskOptimizer }), 0, rounds);
    const last = r.rounds[rounds - 1];
    return { g0: r.rounds[0].gradient, sparse1: r.rounds[0].sparse, head0: r.start.head, head1: r.rounds[0].head, sparse: last.sparse, head: last.head, state: r.final };
  }

  it.each<[string, OptimizerConfig | undefined, 'sgd' | 'adam', number]>([
    ['the default (train.optimizer, adam lr 0.01)', undefined, 'adam', 0.01],
    ['adam with a 10x smaller lr', { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 'adam', 0.001],
    ['sgd with momentum', { type: 'sgd', lr: 0.1, momentum: 0.9 }, 'sgd', 0.1],
  ])('%s drives S_t and the head, and its state is exported', async (_name, taskOptimizer, type, lr) => {
    const r = await trained(taskOptimizer, 6);
    // The first step from S_t = 0, against the round's own gradient g (= dL/dS_t at lambda_t = 1).
    const g = flat(r.g0);
    const s1 = flat(r.sparse1);
    let checked = 0;
    g.forEach((gi, i) => {
      if (type === 'sgd') {
        // SGD's first step (momentum buffer empty): S = -lr * g
        expect(Math.abs(s1[i] + lr * gi)).toBeLessThanOrEqual(1e-6 * lr * Math.abs(gi) + 1e-9);
        checked++;
      } else if (Math.abs(gi) > 1e-4) {
        // Adam's first step: -lr * sign(g), whatever |g|
        expect(Math.abs(s1[i] + lr * Math.sign(gi))).toBeLessThan(0.005 * lr);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(g.length / 2);
    // The head's first step: Adam moves (almost) every entry by lr; SGD by lr * |g|, which varies.
    const head0 = flat(r.head0);
    const dHead = flat(r.head1).map((x, i) => Math.abs(x - head0[i]));
    const atLr = dHead.filter((d) => Math.abs(d - lr) < 0.01 * lr).length;
    if (type === 'adam') expect(atLr).toBeGreaterThan(0.9 * dHead.length);
    else expect(atLr).toBeLessThan(0.1 * dHead.length);

    expect(r.state.headOptimizer.type).toBe(type);
    expect(r.state.sparseOptimizer?.type).toBe(type);
    expect(r.state.headOptimizer.slots.length).toBe(type === 'adam' ? 2 : 1);
    expect(r.state.sparseOptimizer?.slots.length).toBe(type === 'adam' ? 2 : 1);
    expect(r.state.headOptimizer.step).toBe(6);
    expect(r.state.sparseOptimizer?.step).toBe(6);
  });

  it('a task_optimizer other than train.optimizer moves S_t and the head differently than the default; the same one changes nothing', async () => {
    const base = await trained(undefined, 8);
    const same = await trained({ ...adam }, 8);
    expect(flat(same.sparse)).toEqual(flat(base.sparse));
    expect(flat(same.head)).toEqual(flat(base.head));
    expect(same.state.headOptimizer.slots.map(flat)).toEqual(base.state.headOptimizer.slots.map(flat));

    for (const other of [
      { type: 'sgd', lr: 0.1, momentum: 0.9 },
      { type: 'adam', lr: 0.002 },
    ]) {
      const r = await trained(other, 8);
      // the first round's gradient for W is taken before any update: the same
      expect(flat(r.g0)).toEqual(flat(base.g0));
      expect(maxAbsDiff(r.sparse, base.sparse), JSON.stringify(other)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(r.head, base.head), JSON.stringify(other)).toBeGreaterThan(1e-3);
      expect(r.state.headOptimizer.type).toBe(other.type);
      expect(r.state.sparseOptimizer?.type).toBe(other.type);
    }
    expect(base.state.headOptimizer.type).toBe('adam');
  });
});
