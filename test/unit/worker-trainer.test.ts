// The task trainer on the cpu backend, with small synthetic tasks: the gradient identity, the exact
// budget after pruning, determinism and tensor hygiene.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { loadTaskData } from '../../data/tasks.js';
import { crossEntropy, logits } from '../../model/forward.js';
import { buildModelSpec, initTensors, totalSize } from '../../model/spec.js';
import { sparseBudget } from '../../model/sparsity.js';
import { TaskTrainer } from '../../worker/trainer.js';

function config(overrides: { steps?: number; train?: number; batch?: number; local?: number } = {}): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [{ name: 'teacher', dataset: { source: 'synthetic', features: 12, classes: 4, hidden: 8, train: overrides.train ?? 256, test: 128 } }],
      train: { steps: overrides.steps ?? 40, batch_size: overrides.batch ?? 32, local_batches: overrides.local ?? 1, optimizer: { type: 'adam', lr: 0.01 } },
      sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 4 },
    },
    'test',
  );
}

async function trainer(cfg: RunConfig, sparse = true): Promise<{ t: TaskTrainer; spec: ReturnType<typeof buildModelSpec>; shared: Float32Array[] }> {
  const data = await loadTaskData(cfg.tasks[0], cfg.seed);
  const spec = buildModelSpec(cfg.model, data.inputShape);
  const t = new TaskTrainer({ spec, data, weight: 1, train: cfg.train, sparsity: sparse ? cfg.sparsity : null, seed: cfg.seed });
  const shared = initTensors(spec.shared, cfg.seed, 'shared');
  t.setShared(shared);
  return { t, spec, shared };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('task trainer', () => {
  it('g_t is dL/dW = dL/dS = dL/d(W + S_t) at the weights the round started from', async () => {
    // one batch holding the whole training set, so the reference sees the same examples
    const cfg = config({ train: 64, batch: 64, steps: 30 });
    const { t, spec, shared } = await trainer(cfg);
    for (let s = 0; s < 10; s++) t.round(s); // S_t non-zero by now
    const sparse = t.sparseValues();
    const head = t.headValues();
    expect(sparse.some((v) => v.some((x) => x !== 0))).toBe(true);
    const g = t.round(10).gradient;

    const data = await loadTaskData(cfg.tasks[0], cfg.seed);
    const x = tf.tensor(data.train.x, [data.train.count, ...data.inputShape]);
    const y = tf.tensor1d(data.train.y, 'int32');
    const W = shared.map((w, i) => tf.tensor(w, spec.shared[i].shape));
    const S = sparse.map((v, i) => tf.tensor(v, spec.shared[i].shape));
    const H = head.map((h, i) => tf.tensor(h, i === 0 ? [spec.featureSize, data.classes] : [data.classes]));
    const n = W.length;
    const loss = (ws: tf.Tensor[], ss: tf.Tensor[]) =>
      crossEntropy(logits(spec, { shared: ws.map((w, i) => tf.add(w, ss[i])), head: H, stats: [] }, x, { training: true, statsOut: [] }), y, data.classes);
    const gW = tf.grads((...ws: tf.Tensor[]) => loss(ws, S))(W);
    const gS = tf.grads((...ss: tf.Tensor[]) => loss(W, ss))(S);
    for (let i = 0; i < n; i++) {
      const a = gW[i].dataSync();
      const b = gS[i].dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      const scale = Math.max(...Array.from(a, Math.abs));
      g[i].forEach((v, j) => expect(Math.abs(v - a[j])).toBeLessThanOrEqual(1e-5 * scale + 1e-7));
    }
    t.dispose();
  });

  it('keeps exactly floor(rho * |W|) non-zeros after the pruning schedule, and only on its support', async () => {
    const cfg = config({ steps: 40 });
    const { t, spec } = await trainer(cfg);
    const budget = sparseBudget(totalSize(spec.shared), cfg.sparsity.rho);
    for (let s = 0; s < 40; s++) {
      t.round(s);
      const nnz = t.nonZeros().reduce((a, b) => a + b, 0);
      if (s + 1 < 8) expect(nnz).toBeGreaterThan(budget); // dense warm-up
      if (s + 1 >= 24) expect(nnz).toBe(budget);
    }
    t.dispose();
  });

  it('the same seed gives the same gradients, losses and accuracy', async () => {
    const run = async () => {
      const { t } = await trainer(config({ steps: 12 }));
      const losses = [];
      let last: Float32Array[] = [];
      for (let s = 0; s < 12; s++) {
        const r = t.round(s);
        losses.push(r.loss);
        last = r.gradient;
      }
      const acc = t.evaluate().accuracy;
      t.dispose();
      return { losses, last, acc };
    };
    const a = await run();
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    expect(b.last).toEqual(a.last);
    expect(b.acc).toBe(a.acc);
  });

  it('does not grow the tensor count per step (sparse and dense, several local batches)', async () => {
    for (const sparse of [true, false]) {
      const cfg = config({ steps: 40, local: 2 });
      const { t, shared } = await trainer(cfg, sparse);
      for (let s = 0; s < 30; s++) {
        t.round(s);
        t.setShared(shared);
      } // past warm-up and pruning: masks exist
      const before = tf.memory().numTensors;
      for (let s = 30; s < 40; s++) {
        t.round(s);
        t.setShared(shared);
        t.evaluate();
      }
      expect(tf.memory().numTensors).toBe(before);
      t.dispose();
    }
  });

  it('dispose frees every tensor the trainer made', async () => {
    const before = tf.memory().numTensors;
    const { t, shared } = await trainer(config({ steps: 40 }));
    for (let s = 0; s < 30; s++) {
      t.round(s);
      t.setShared(shared);
    }
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns: held-out accuracy well above chance on a teacher task', async () => {
    const cfg = config({ steps: 150, train: 1024 });
    const { t } = await trainer(cfg);
    for (let s = 0; s < 150; s++) t.round(s);
    expect(t.evaluate().accuracy).toBeGreaterThan(0.5);
    t.dispose();
  });
});
