import { describe, expect, it } from 'vitest';
import { weightedSum } from '../../coordinator/aggregation.js';
import { SharedWeights } from '../../coordinator/shared-weights.js';
import { adamStepSize, Optimizer } from '../../optim/optimizer.js';

/** One gradient, weight 1. */
const only = (...gradient: Float32Array[]) => [{ label: 'gradient', weight: 1, gradient }];

describe('optimizers on Float32Arrays', () => {
  it('SGD with momentum follows v = mu v + g, p -= lr v', () => {
    const opt = new Optimizer({ type: 'sgd', lr: 0.1, momentum: 0.5 }, [2]);
    const p = opt.params;
    p[0].set([1, -1]);
    opt.step(only(new Float32Array([1, 2])), 1);
    expect(Array.from(p[0])).toEqual([Math.fround(0.9), Math.fround(-1.2)]);
    opt.step(only(new Float32Array([1, 2])), 0.5);
    // v = 0.5 * [1, 2] + [1, 2] = [1.5, 3]; p -= 0.05 * v
    expect(p[0][0]).toBeCloseTo(0.9 - 0.075, 6);
    expect(p[0][1]).toBeCloseTo(-1.2 - 0.15, 6);
  });

  it('Adam takes a first step of lr * sign(g) and restores its state exactly', () => {
    const cfg = { type: 'adam' as const, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const opt = new Optimizer(cfg, [3]);
    const p = opt.params;
    opt.step(only(new Float32Array([3, -0.5, 0])), 1);
    expect(p[0][0]).toBeCloseTo(-0.01, 6);
    expect(p[0][1]).toBeCloseTo(0.01, 6);
    expect(p[0][2]).toBe(0);
    const copy = new Optimizer(cfg, [3]);
    copy.restore(opt.state());
    copy.params[0].set(p[0]);
    opt.step(only(new Float32Array([1, 1, 1])), 1);
    copy.step(only(new Float32Array([1, 1, 1])), 1);
    expect(Array.from(copy.params[0])).toEqual(Array.from(p[0]));
  });

  it("Adam's step size folds in both bias corrections", () => {
    const cfg = { type: 'adam' as const, lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    expect(adamStepSize(cfg, 1, 1)).toBeCloseTo((0.01 * Math.sqrt(0.001)) / 0.1, 12);
    expect(adamStepSize(cfg, 10, 0.5)).toBeCloseTo((0.005 * Math.sqrt(1 - 0.999 ** 10)) / (1 - 0.9 ** 10), 12);
    // Late in training the corrections vanish.
    expect(adamStepSize(cfg, 100_000, 1)).toBeCloseTo(0.01, 9);
  });

  it('refuses gradients of the wrong length, naming them, and changes nothing', () => {
    const opt = new Optimizer({ type: 'sgd', lr: 0.1, momentum: 0 }, [2]);
    opt.params[0].set([1, 2]);
    expect(() => opt.step(only(new Float32Array(3)), 1)).toThrow(/gradient tensor 0 has 3 entries, expected 2/);
    expect(() => opt.step([], 1)).toThrow(/at least one gradient/);
    expect(Array.from(opt.params[0])).toEqual([1, 2]);
    expect(opt.state().step).toBe(0);
  });
});

describe('aggregation and rounds', () => {
  it('the weighted sum gives each task lambda_t times its round scale', () => {
    const coefficients = weightedSum.coefficients([
      { task: 'a', weight: 1, gradient: [new Float32Array([1, 2])] },
      { task: 'b', weight: 0.5, gradient: [new Float32Array([4, -2])], scale: 0.5 },
    ]);
    expect(coefficients).toEqual([1, 0.25]);
  });

  it('a round steps W by the sum of the coefficients times the gradients', () => {
    const w = new SharedWeights([new Float32Array([1, 1])], { type: 'sgd', lr: 1, momentum: 0 }, weightedSum);
    const coefficients = w.applyRound(
      [
        { task: 'a', weight: 1, gradient: [new Float32Array([0.5, 0])] },
        { task: 'b', weight: 1, gradient: [new Float32Array([0.25, 1])] },
        { task: 'c', weight: 0.5, gradient: [new Float32Array([1, -4])], scale: 0.5 },
      ],
      1,
    );
    expect(coefficients).toEqual([1, 1, 0.25]);
    // W - (0.5 + 0.25 + 0.25, 0 + 1 - 1)
    expect(Array.from(w.tensors[0])).toEqual([0, 1]);
    expect(() => w.applyRound([], 1)).toThrow(/at least one/);
  });
});
