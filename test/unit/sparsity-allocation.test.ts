// How S_t's budget is shared among the shared tensors (sparsity.allocation, model/sparsity.ts): one top-k
// over all (global, the default), the same count for each (uniform), or by size with a floor
// (proportional); and a run that trains with each ends with exactly those counts per tensor.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { runTrain } from '../../launch/train.js';
import { readBundle } from '../../model/bundle.js';
import { allocateBudget, budgetMasks, sparseBudget, topKMasks } from '../../model/sparsity.js';
import { Random } from '../../lib/random.js';

const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('allocateBudget', () => {
  it('uniform: the same count for every tensor with room; what a small one cannot take goes to the rest', () => {
    expect(allocateBudget([1000, 1000, 1000], 300, 'uniform')).toEqual([100, 100, 100]);
    expect(allocateBudget([10, 1000, 1000], 300, 'uniform')).toEqual([10, 145, 145]);
    expect(sum(allocateBudget([7, 13, 29], 40, 'uniform'))).toBe(40);
  });

  it('proportional: by size, at least the floor, never past a tensor', () => {
    const counts = allocateBudget([10_000, 1000, 100, 10], 1110, 'proportional', 16);
    expect(sum(counts)).toBe(1110);
    expect(counts[3]).toBe(10);
    expect(counts[2]).toBeGreaterThanOrEqual(16);
    // The large ones share the rest by size: within one entry of 10:1.
    expect(Math.abs(counts[0] - 10 * counts[1])).toBeLessThanOrEqual(11);
    // Floors that pass the budget shrink together.
    expect(allocateBudget([1000, 1000, 1000, 1000], 20, 'proportional', 16)).toEqual([5, 5, 5, 5]);
  });

  it('always adds up to min(k, total) with every count within its tensor, for random sizes and budgets', () => {
    const rng = Random.stream(3, 'test/allocation');
    for (let trial = 0; trial < 200; trial++) {
      const sizes = Array.from({ length: 1 + Math.floor(rng.uniform() * 8) }, () => Math.floor(rng.uniform() * 500));
      const k = Math.floor(rng.uniform() * 1.2 * sum(sizes));
      for (const allocation of ['uniform', 'proportional'] as const) {
        const counts = allocateBudget(sizes, k, allocation, 16);
        expect(sum(counts)).toBe(Math.min(k, sum(sizes)));
        counts.forEach((c, l) => expect(c >= 0 && c <= sizes[l]).toBe(true));
      }
    }
  });
});

describe('budgetMasks', () => {
  it('global is the one top-k; the others keep each tensor its count of its largest scores', () => {
    const rng = Random.stream(5, 'test/allocation');
    const scores = [400, 50, 300].map((n) => Float32Array.from({ length: n }, () => rng.uniform() + 0.001));
    expect(budgetMasks(scores, 60, 'global')).toEqual(topKMasks(scores, 60));
    const counts = allocateBudget([400, 50, 300], 60, 'uniform');
    budgetMasks(scores, 60, 'uniform').forEach((mask, l) => {
      expect(sum(Array.from(mask))).toBe(counts[l]);
      // Every kept score is at least every dropped one, within the tensor.
      const kept = scores[l].filter((_, i) => mask[i] === 1);
      const dropped = scores[l].filter((_, i) => mask[i] === 0);
      expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...dropped, 0));
    });
  });
});

describe('training with an allocation', () => {
  it('a run ends with S_t holding exactly each tensor its allocated count', async () => {
    for (const allocation of ['uniform', 'proportional'] as const) {
      const config = parseRunConfig(
        {
          seed: 1,
          model: { arch: 'mlp', hidden: [48, 24] },
          tasks: [{ name: 'a', dataset: { source: 'synthetic', features: 40, classes: 4, train: 256, test: 64, task_seed: 1 } }],
          train: { steps: 40, batch_size: 32 },
          sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.6, prune_every: 4, allocation, floor: 16 },
        },
        'allocation run',
      );
      const out = mkdtempSync(join(tmpdir(), 'hybrid-allocation-'));
      const result = await runTrain(config, { outDir: out, log: () => undefined });
      const kept = readBundle(join(out, 'bundle')).tasks[0].sparse.map((s) => s.filter((x) => x !== 0).length);
      const sizes = [40 * 48, 48, 48 * 24, 24];
      const want = allocateBudget(sizes, sparseBudget(sum(sizes), 0.05), allocation, 16);
      expect(kept, allocation).toEqual(want);
      expect(result.tasks[0].nnz).toBe(sum(want));
    }
  });
});
