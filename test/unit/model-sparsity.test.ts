import { describe, expect, it } from 'vitest';
import { applyMasks, countNonZero, densityAt, isPruneStep, phaseAt, projectToBudget, scheduleBounds, sparseBudget, topKMasks } from '../../model/sparsity.js';
import { Random } from '../../lib/random.js';

function randomArrays(seed: number, sizes: number[]): Float32Array[] {
  const rng = Random.stream(seed, 'test/values');
  return sizes.map((n) => rng.fillGaussian(new Float32Array(n)));
}

describe('cubic density schedule', () => {
  const bounds = scheduleBounds(1000, { warmup: 0.1, prune_end: 0.5 });

  it('is dense during warm-up, rho from the end of pruning, and follows the cubic in between', () => {
    expect(bounds).toEqual({ start: 100, end: 500 });
    expect(densityAt(0, 0.02, bounds)).toBe(1);
    expect(densityAt(99, 0.02, bounds)).toBe(1);
    expect(densityAt(100, 0.02, bounds)).toBeCloseTo(1, 12);
    expect(densityAt(300, 0.02, bounds)).toBeCloseTo(0.02 + 0.98 * 0.5 ** 3, 12);
    expect(densityAt(500, 0.02, bounds)).toBe(0.02);
    expect(densityAt(999, 0.02, bounds)).toBe(0.02);
    expect(phaseAt(50, bounds)).toBe('warmup');
    expect(phaseAt(200, bounds)).toBe('pruning');
    expect(phaseAt(500, bounds)).toBe('finetune');
  });

  it('never increases', () => {
    let last = Infinity;
    for (let s = 0; s < 1000; s++) {
      const d = densityAt(s, 0.05, bounds);
      expect(d).toBeLessThanOrEqual(last);
      last = d;
    }
  });

  it('prunes every N steps inside the schedule and exactly at its end', () => {
    const steps = Array.from({ length: 1000 }, (_, s) => s).filter((s) => isPruneStep(s, bounds, 50));
    expect(steps).toEqual([100, 150, 200, 250, 300, 350, 400, 450, 500]);
  });
});

describe('top-k projection', () => {
  it('keeps exactly the budget over all tensors together, choosing the largest magnitudes', () => {
    const values = randomArrays(7, [1000, 37, 5000, 1]);
    const total = 6038;
    for (const rho of [0.001, 0.02, 0.1, 0.5]) {
      const copy = values.map((v) => v.slice());
      const k = sparseBudget(total, rho);
      const masks = projectToBudget(copy, k);
      expect(countNonZero(masks)).toBe(k);
      expect(countNonZero(copy)).toBe(k);
      // every kept magnitude >= every dropped magnitude
      let minKept = Infinity;
      let maxDropped = 0;
      values.forEach((v, t) => v.forEach((x, i) => (masks[t][i] ? (minKept = Math.min(minKept, Math.abs(x))) : (maxDropped = Math.max(maxDropped, Math.abs(x))))));
      expect(minKept).toBeGreaterThanOrEqual(maxDropped);
    }
  });

  it('breaks ties so the budget still holds exactly', () => {
    const tied = [new Float32Array(100).fill(0.5), new Float32Array(50).fill(0.5)];
    tied[1][3] = 2;
    const masks = topKMasks(
      tied.map((v) => v.map(Math.abs)),
      10,
    );
    expect(countNonZero(masks)).toBe(10);
    expect(masks[1][3]).toBe(1);
  });

  it('never selects zeros, so a sparser tensor keeps fewer than k', () => {
    const v = [new Float32Array([0, 3, 0, -1, 0])];
    const masks = topKMasks(
      v.map((x) => x.map(Math.abs)),
      4,
    );
    expect(Array.from(masks[0])).toEqual([0, 1, 0, 1, 0]);
  });

  it('applyMasks zeroes exactly what the mask drops', () => {
    const v = [new Float32Array([1, 2, 3]), new Float32Array([4])];
    applyMasks(v, [new Uint8Array([1, 0, 1]), new Uint8Array([0])]);
    expect(v.map((x) => Array.from(x))).toEqual([[1, 0, 3], [0]]);
  });

  it('budget is floor(rho * |W|)', () => {
    expect(sparseBudget(60856, 0.02)).toBe(1217);
    expect(sparseBudget(100, 0.07)).toBe(7);
    expect(sparseBudget(100, 1)).toBe(100);
  });
});
