import { describe, expect, it } from 'vitest';
import { nashMtlCoefficients } from '../../coordinator/aggregators/nash-mtl.js';
import { UncertaintyWeights } from '../../coordinator/aggregators/uncertainty.js';
import { DynamicWeightAverage } from '../../coordinator/aggregators/dwa.js';
import { Famo } from '../../coordinator/aggregators/famo.js';
import { Random } from '../../lib/random.js';

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);
const gramOf = (vs: readonly (readonly number[])[]): number[][] => vs.map((a) => vs.map((b) => dot(a, b)));
const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0);
const diagonal = (d: readonly number[]): number[][] => d.map((x, i) => d.map((_, j) => (i === j ? x : 0)));

function vectors(seed: number, count: number, dim: number): number[][] {
  const rng = Random.stream(seed, 'nash-mtl-test');
  return Array.from({ length: count }, () => Array.from(rng.fillGaussian(new Float32Array(dim))));
}

/** max_i |alpha_i (G alpha)_i - 1|. */
function fixedPointError(gram: readonly (readonly number[])[], alpha: readonly number[]): number {
  return Math.max(...gram.map((row, i) => Math.abs(alpha[i] * dot(row, alpha) - 1)));
}

describe('Nash-MTL', () => {
  it('meets alpha_i (G alpha)_i = 1 for T = 2..8 random gradients', () => {
    for (let T = 2; T <= 8; T++) {
      for (let seed = 1; seed <= 5; seed++) {
        const gram = gramOf(vectors(100 * T + seed, T, T + 3));
        const r = nashMtlCoefficients(gram);
        expect(r.converged).toBe(true);
        expect(r.iterations).toBeLessThan(50);
        expect(r.coefficients.every((a) => a > 0)).toBe(true);
        expect(fixedPointError(gram, r.coefficients)).toBeLessThan(1e-4);
      }
    }
  });

  it('gives alpha_i = 1 / ||g_i|| for orthogonal gradients, at once', () => {
    const gram = diagonal([4, 0.25, 9]);
    const r = nashMtlCoefficients(gram, { eps: 0 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(0);
    [0.5, 2, 1 / 3].forEach((a, i) => expect(r.coefficients[i]).toBeCloseTo(a, 12));
    // Under the default ridge it is the same to ~eps.
    nashMtlCoefficients(gram).coefficients.forEach((a, i) => expect(a).toBeCloseTo([0.5, 2, 1 / 3][i], 6));
  });

  it('scales alpha_t by 1/s when g_t is scaled by s', () => {
    const vs = vectors(7, 4, 7);
    const base = nashMtlCoefficients(gramOf(vs), { eps: 0 }).coefficients;
    for (const { t, s } of [
      { t: 0, s: 10 },
      { t: 2, s: 0.01 },
      { t: 3, s: 3 },
    ]) {
      const scaled = vs.map((v, i) => (i === t ? v.map((x) => x * s) : v));
      const r = nashMtlCoefficients(gramOf(scaled), { eps: 0 });
      expect(r.converged).toBe(true);
      r.coefficients.forEach((a, i) => expect(a / (i === t ? base[i] / s : base[i])).toBeCloseTo(1, 8));
    }
    // Scaling every gradient by s: alpha / s, and d = sum alpha_t g_t keeps its norm sqrt(T).
    const all = nashMtlCoefficients(gramOf(vs.map((v) => v.map((x) => x * 1e-3))), { eps: 0 }).coefficients;
    all.forEach((a, i) => expect(a / (base[i] * 1e3)).toBeCloseTo(1, 8));
  });

  it('converges on a near-singular G with the ridge, and says so when there is no solution without it', () => {
    const [a, b] = vectors(11, 2, 6);
    // g_2 = -g_1 exactly: 0 is in the hull, F is unbounded, alpha diverges.
    const opposite = gramOf([a, a.map((x) => -x), b]);
    const none = nashMtlCoefficients(opposite, { eps: 0, maxIterations: 60 });
    expect(none.converged).toBe(false);
    expect(none.iterations).toBeLessThanOrEqual(60);
    expect(none.coefficients.every(Number.isFinite)).toBe(true);
    expect(nashMtlCoefficients(opposite).converged).toBe(true);
    // The ridge gives a solution, bounded by sqrt(T / rho), exact for G + rho I.
    for (const g of [opposite, gramOf([a, a.map((x, i) => -x + 1e-7 * b[i]), b])]) {
      const eps = 1e-6;
      const r = nashMtlCoefficients(g, { eps });
      expect(r.converged).toBe(true);
      const rho = (eps * (g[0][0] + g[1][1] + g[2][2])) / 3;
      const ridged = g.map((row, i) => row.map((v, j) => (i === j ? v + rho : v)));
      expect(fixedPointError(ridged, r.coefficients)).toBeLessThan(1e-8);
      r.coefficients.forEach((x) => expect(x).toBeLessThanOrEqual(Math.sqrt(3 / rho)));
    }
    // Twelve tasks summing to 0 (all of them in the null space), at the default ridge.
    const eleven = vectors(13, 11, 15);
    const cancelling = gramOf([...eleven, eleven.reduce((acc, v) => acc.map((x, i) => x - v[i]), new Array<number>(15).fill(0))]);
    const twelve = nashMtlCoefficients(cancelling);
    expect(twelve.converged).toBe(true);
    expect(twelve.coefficients.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    // A rank-deficient G whose null vector is not nonnegative still has an exact solution.
    const dependent = gramOf([a, b, a.map((x, i) => x + b[i])]);
    const r = nashMtlCoefficients(dependent, { eps: 0 });
    expect(r.converged).toBe(true);
    expect(fixedPointError(dependent, r.coefficients)).toBeLessThan(1e-8);
  });

  it('clips ||d|| to maxNorm from G, keeping the ratios', () => {
    const gram = gramOf(vectors(5, 3, 6));
    const free = nashMtlCoefficients(gram).coefficients;
    const norm = (c: readonly number[]): number => Math.sqrt(sum(gram.map((row, i) => c[i] * dot(row, c))));
    expect(norm(free)).toBeCloseTo(Math.sqrt(3), 6);
    const clipped = nashMtlCoefficients(gram, { maxNorm: 0.5 }).coefficients;
    expect(norm(clipped)).toBeCloseTo(0.5, 10);
    clipped.forEach((c, i) => expect(c / free[i]).toBeCloseTo(0.5 / Math.sqrt(3), 6));
    expect(nashMtlCoefficients(gram, { maxNorm: 10 }).coefficients).toEqual(free);
  });

  it('handles no tasks, a zero gradient and bad input', () => {
    expect(nashMtlCoefficients([])).toEqual({ coefficients: [], converged: true, iterations: 0 });
    expect(nashMtlCoefficients(diagonal([0, 0]), { eps: 0 })).toEqual({ coefficients: [0, 0], converged: false, iterations: 0 });
    expect(() => nashMtlCoefficients([[1, 0]])).toThrow(RangeError);
    expect(() => nashMtlCoefficients([[NaN]])).toThrow(RangeError);
  });
});

describe('uncertainty weighting', () => {
  it('reaches s_t = log L_t for constant losses', () => {
    const losses = [0.5, 2, 4, 1];
    const u = new UncertaintyWeights(4);
    expect(u.coefficients()).toEqual([1, 1, 1, 1]);
    for (let k = 0; k < 400; k++) u.update(losses, 0.1);
    u.state().logVariances.forEach((s, t) => expect(Math.abs(s - Math.log(losses[t]))).toBeLessThan(1e-3));
    u.coefficients().forEach((c, t) => expect(c * losses[t]).toBeCloseTo(1, 3));
  });

  it('round-trips its state', () => {
    const u = new UncertaintyWeights(3);
    u.update([1, 2, 3], 0.05);
    const v = new UncertaintyWeights(3);
    v.restore(u.state());
    expect(v.coefficients()).toEqual(u.coefficients());
    u.update([3, 1, 2], 0.05);
    v.update([3, 1, 2], 0.05);
    expect(v.state()).toEqual(u.state());
    expect(() => v.restore({ logVariances: [0, 0] })).toThrow(RangeError);
    expect(() => v.update([1, 1], 0.1)).toThrow(RangeError);
  });
});

describe('Dynamic Weight Average', () => {
  it('weights 1 for the first two epochs, then T softmax(r / temp)', () => {
    const dwa = new DynamicWeightAverage(3);
    expect(dwa.coefficients()).toEqual([1, 1, 1]);
    dwa.observe([1, 1, 1]);
    expect(dwa.coefficients()).toEqual([1, 1, 1]);
    dwa.observe([0.9, 0.5, 0.7]);
    const w = dwa.coefficients();
    expect(sum(w)).toBeCloseTo(3, 12);
    // Task 0 fell least (ratio 0.9): the largest weight; task 1 most: the smallest.
    expect(w[0]).toBeGreaterThan(w[2]);
    expect(w[2]).toBeGreaterThan(w[1]);
    const e = [0.9, 0.5, 0.7].map((r) => Math.exp(r / 2));
    w.forEach((x, t) => expect(x).toBeCloseTo((3 * e[t]) / sum(e), 12));
    // The next epoch compares itself with the last one only.
    dwa.observe([0.9, 0.25, 0.7]);
    const e2 = [1, 0.5, 1].map((r) => Math.exp(r / 2));
    dwa.coefficients().forEach((x, t) => expect(x).toBeCloseTo((3 * e2[t]) / sum(e2), 12));
  });

  it('spreads the weights more at a lower temperature', () => {
    const spread = (temperature: number): number => {
      const dwa = new DynamicWeightAverage(2, { temperature });
      dwa.observe([1, 1]);
      dwa.observe([1, 0.5]);
      const w = dwa.coefficients();
      expect(sum(w)).toBeCloseTo(2, 12);
      return w[0] - w[1];
    };
    expect(spread(0.5)).toBeGreaterThan(spread(2));
    expect(spread(2)).toBeGreaterThan(spread(100));
    expect(spread(1e9)).toBeCloseTo(0, 6);
  });

  it('counts the mean loss over `window` rounds as one epoch, and round-trips its state', () => {
    const dwa = new DynamicWeightAverage(2, { window: 3 });
    // Rounds of [2, 2], [1, 1], [3, 3], [2, 1], [1, 1].
    for (const [a, b] of [2, 1, 3, 2, 1].map((a, k) => [a, k === 3 ? 1 : a])) dwa.observe([a, b]);
    // One epoch (mean [2, 2]) and two rounds of the next: still 1.
    expect(dwa.coefficients()).toEqual([1, 1]);
    const copy = new DynamicWeightAverage(2, { window: 3 });
    copy.restore(dwa.state());
    for (const d of [dwa, copy]) d.observe([1.5, 0.4]);
    // Second epoch's mean [1.5, 0.8]: ratios [0.75, 0.4].
    const e = [0.75, 0.4].map((r) => Math.exp(r / 2));
    dwa.coefficients().forEach((x, t) => expect(x).toBeCloseTo((2 * e[t]) / sum(e), 12));
    expect(copy.state()).toEqual(dwa.state());
    expect(copy.coefficients()).toEqual(dwa.coefficients());
    expect(() => copy.restore({ epochs: [], sum: [0, 0], count: 3 })).toThrow(RangeError);
  });
});

describe('FAMO', () => {
  it('keeps positive weights summing to 1, and raises the weight of the task that improves slowest', () => {
    const famo = new Famo(3);
    let losses = [1, 1, 1];
    const start = famo.weights();
    for (let k = 0; k < 300; k++) {
      // Task 0 falls 1% a round, the others 5%.
      const next = [losses[0] * 0.99, losses[1] * 0.95, losses[2] * 0.95];
      famo.update(losses, next);
      losses = next;
      const z = famo.weights();
      expect(sum(z)).toBeCloseTo(1, 12);
      expect(z.every((x) => x > 0)).toBe(true);
      const c = famo.coefficients(losses);
      expect(sum(c)).toBeCloseTo(1, 12);
      expect(c.every((x) => x > 0)).toBe(true);
    }
    const z = famo.weights();
    expect(z[0]).toBeGreaterThan(start[0] + 0.01);
    expect(z[1]).toBeCloseTo(z[2], 12);
  });

  it('takes the step of its formula for T = 2, worked by hand', () => {
    const famo = new Famo(2, { lr: 0.025, gamma: 0.001, eps: 1e-8 });
    // z = [1/2, 1/2]; delta = [log 2, log(10/9)]; grad_0 = (delta_0 - delta_1) / 4 = log(1.8) / 4 = -grad_1; xi = 0 so no decay.
    famo.update([1, 2], [0.5, 1.8]);
    const xi0 = (-0.025 * Math.log(1.8)) / 4;
    expect(famo.state().logits[0]).toBeCloseTo(xi0, 8);
    expect(famo.state().logits[1]).toBeCloseTo(-xi0, 8);
    // A second step, now with decay: z = softmax(xi), delta = [log(0.5/0.45), log 1.8].
    famo.update([0.5, 1.8], [0.45, 1.0]);
    const z0 = 1 / (1 + Math.exp(-2 * xi0));
    const d = [Math.log(0.5 / 0.45), Math.log(1.8)];
    const g0 = z0 * (1 - z0) * (d[0] - d[1]);
    expect(famo.state().logits[0]).toBeCloseTo(xi0 - 0.025 * (g0 + 0.001 * xi0), 8);
    expect(famo.state().logits[0]).toBeCloseTo(-0.0006584520278, 8);
    // c_t = (z_t / L_t) / sum_j (z_j / L_j).
    const xi = famo.state().logits;
    const z = [1 / (1 + Math.exp(xi[1] - xi[0])), 1 / (1 + Math.exp(xi[0] - xi[1]))];
    const q = [z[0] / 0.45, z[1] / 1.0];
    famo.coefficients([0.45, 1.0]).forEach((c, t) => expect(c).toBeCloseTo(q[t] / sum(q), 8));
  });

  it('round-trips its state', () => {
    const famo = new Famo(3, { lr: 0.1 });
    famo.update([1, 2, 3], [0.9, 1.5, 2.9]);
    const copy = new Famo(3, { lr: 0.1 });
    copy.restore(famo.state());
    expect(copy.coefficients([1, 1, 1])).toEqual(famo.coefficients([1, 1, 1]));
    famo.update([0.9, 1.5, 2.9], [0.8, 1.4, 2.0]);
    copy.update([0.9, 1.5, 2.9], [0.8, 1.4, 2.0]);
    expect(copy.state()).toEqual(famo.state());
    expect(() => copy.restore({ logits: [0, NaN, 0] })).toThrow(RangeError);
    expect(() => copy.coefficients([1, 1])).toThrow(RangeError);
  });
});
