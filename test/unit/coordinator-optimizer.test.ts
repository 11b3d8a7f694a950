import { describe, expect, it } from 'vitest';
import { weightedSum } from '../../coordinator/aggregation.js';
import { createOptimizer } from '../../coordinator/optimizer.js';
import { SharedWeights } from '../../coordinator/shared-weights.js';

describe('optimizers on Float32Arrays', () => {
  it('SGD with momentum follows v = mu v + g, p -= lr v', () => {
    const opt = createOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.5 }, [2]);
    const p = [new Float32Array([1, -1])];
    opt.step(p, [new Float32Array([1, 2])], 1);
    expect(Array.from(p[0])).toEqual([Math.fround(0.9), Math.fround(-1.2)]);
    opt.step(p, [new Float32Array([1, 2])], 0.5);
    // v = 0.5 * [1, 2] + [1, 2] = [1.5, 3]; p -= 0.05 * v
    expect(p[0][0]).toBeCloseTo(0.9 - 0.075, 6);
    expect(p[0][1]).toBeCloseTo(-1.2 - 0.15, 6);
  });

  it('Adam takes a first step of lr * sign(g) and restores its state exactly', () => {
    const cfg = { type: 'adam' as const, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const opt = createOptimizer(cfg, [3]);
    const p = [new Float32Array([0, 0, 0])];
    opt.step(p, [new Float32Array([3, -0.5, 0])], 1);
    expect(p[0][0]).toBeCloseTo(-0.01, 6);
    expect(p[0][1]).toBeCloseTo(0.01, 6);
    expect(p[0][2]).toBe(0);
    const copy = createOptimizer(cfg, [3]);
    copy.restore(opt.state());
    const q = [p[0].slice()];
    opt.step(p, [new Float32Array([1, 1, 1])], 1);
    copy.step(q, [new Float32Array([1, 1, 1])], 1);
    expect(Array.from(q[0])).toEqual(Array.from(p[0]));
  });

  it('refuses gradients of the wrong length', () => {
    const opt = createOptimizer({ type: 'sgd', lr: 0.1, momentum: 0 }, [2]);
    expect(() => opt.step([new Float32Array(2)], [new Float32Array(3)], 1)).toThrow(/3 entries, tensor has 2/);
  });
});

describe('aggregation and rounds', () => {
  it('weighted sum is sum_t lambda_t g_t (times a round scale)', () => {
    const out = [new Float32Array(2)];
    weightedSum.aggregate(
      [
        { task: 'a', weight: 1, gradient: [new Float32Array([1, 2])] },
        { task: 'b', weight: 0.5, gradient: [new Float32Array([4, -2])], scale: 0.5 },
      ],
      out,
    );
    expect(Array.from(out[0])).toEqual([2, 1.5]);
  });

  it('a round aggregates, steps and advances the version', () => {
    const w = new SharedWeights([new Float32Array([1, 1])], createOptimizer({ type: 'sgd', lr: 1, momentum: 0 }, [2]), weightedSum);
    const v = w.applyRound(
      [
        { task: 'a', weight: 1, gradient: [new Float32Array([0.5, 0])] },
        { task: 'b', weight: 1, gradient: [new Float32Array([0.25, 1])] },
      ],
      1,
    );
    expect(v).toBe(1);
    expect(Array.from(w.tensors[0])).toEqual([0.25, 0]);
    expect(() => w.applyRound([], 1)).toThrow(/at least one/);
  });
});
