// The aggregation methods as the coordinator uses them (coordinator/aggregators/gradient-methods.ts):
// from the run config, on a round's contributions, lambda_t kept in meaning, TOPK pushes read on their
// supports, and the config's refusals.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { aggregatorFor, weightedSum, type Contribution } from '../../coordinator/aggregation.js';
import { gramOf } from '../../coordinator/aggregators/gram.js';
import { mgdaCoefficients } from '../../coordinator/aggregators/mgda.js';

function vectors(seed: number, tasks: number, n: number): Float32Array[] {
  let s = seed;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: tasks }, () => Float32Array.from({ length: n }, () => (next() < 0.3 ? next() : 0)));
}

function contributions(weights: number[], seed = 1): Contribution[] {
  return vectors(seed, weights.length, 200).map((g, k) => ({ task: `t${k}`, weight: weights[k], gradient: [g], loss: 1 + k }));
}

function baseConfig(extra: object): unknown {
  return { model: { arch: 'mlp', hidden: [8] }, tasks: [{ name: 'a', dataset: { source: 'synthetic' } }], ...extra };
}

describe('aggregation methods from the run config', () => {
  it('weighted_sum is the default and the plain weighted sum', () => {
    const cfg = parseRunConfig(baseConfig({}), 'test');
    expect(cfg.aggregation).toEqual({ method: 'weighted_sum' });
    expect(aggregatorFor(cfg.aggregation, 0, [])).toBe(weightedSum);
  });

  it("a method works on the weighted gradients and returns coefficients on the raw ones: MGDA's min-norm point of lambda_t g_t", () => {
    const cs = contributions([1, 2, 0.5]);
    const raw = gramOf(cs.map((c) => c.gradient));
    const w = [1, 2, 0.5];
    const alpha = mgdaCoefficients(raw.map((row, i) => row.map((x, j) => x * w[i] * w[j])));
    const got = aggregatorFor({ method: 'mgda', normalize: 'none' }, 0, []).coefficients(cs, 0);
    got.forEach((c, t) => expect(c).toBeCloseTo(alpha[t] * w[t], 12));
  });

  it('TOPK contributions, read on their supports, get the coefficients their dense gradients get', () => {
    for (const method of [{ method: 'pcgrad' }, { method: 'cagrad', c: 0.4, rescale: 1 }, { method: 'imtl_g' }, { method: 'nash_mtl' }, { method: 'mgda', normalize: 'l2' }] as const) {
      const dense = contributions([1, 1, 1, 1], 5);
      const sparse = dense.map((c) => ({ ...c, support: [{ tensor: 0, indices: Uint32Array.from(Array.from(c.gradient[0].keys()).filter((i) => c.gradient[0][i] !== 0)) }] }));
      const a = aggregatorFor(method, 3, []);
      const fromDense = a.coefficients(dense, 7);
      const fromSparse = a.coefficients(sparse, 7);
      fromDense.forEach((c, t) => expect(fromSparse[t], method.method).toBeCloseTo(c, 10));
    }
  });

  it("PCGrad's order is drawn from the seed and the round: the same round gives the same coefficients, and the draws vary", () => {
    const cs = contributions([1, 1, 1, 1, 1], 9);
    const a = aggregatorFor({ method: 'pcgrad' }, 4, []);
    expect(a.coefficients(cs, 12)).toEqual(aggregatorFor({ method: 'pcgrad' }, 4, []).coefficients(cs, 12));
    const distinct = new Set(
      Array.from({ length: 20 }, (_, round) =>
        a
          .coefficients(cs, round)
          .map((x) => x.toFixed(9))
          .join(),
      ),
    );
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('refuses a gradient method in async mode, an unknown method and bad parameters, naming them', () => {
    expect(() => parseRunConfig(baseConfig({ aggregation: { method: 'pcgrad' }, distributed: { mode: 'async' } }), 'run.json')).toThrow(
      /aggregation\.method.*pcgrad combines every task's gradient of a round, and async mode applies each push on its own/s,
    );
    expect(() => parseRunConfig(baseConfig({ aggregation: { method: 'gradnorm' } }), 'run.json')).toThrow(/aggregation\.method/);
    expect(() => parseRunConfig(baseConfig({ aggregation: { method: 'cagrad', c: -1 } }), 'run.json')).toThrow(/aggregation\.c/);
    expect(() => parseRunConfig(baseConfig({ aggregation: { method: 'mgda', normalize: 'l1' } }), 'run.json')).toThrow(/aggregation\.normalize/);
    expect(parseRunConfig(baseConfig({ aggregation: { method: 'cagrad' } }), 'run.json').aggregation).toEqual({ method: 'cagrad', c: 0.4, rescale: 1 });
  });
});
