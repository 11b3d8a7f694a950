// The min-norm solver, MGDA and CAGrad against reference computations on explicit vectors: closed forms,
// brute-force searches over a grid on the simplex (step 0.005), and the methods' defining properties.
import { describe, expect, it } from 'vitest';
import { cagrad, cagradCoefficients, projectToSimplex } from '../../coordinator/aggregators/cagrad.js';
import { mgdaCoefficients, mgdaScales, type MgdaNormalization } from '../../coordinator/aggregators/mgda.js';
import { minNormPoint, minNormTwo, quadratic } from '../../coordinator/aggregators/min-norm.js';
import { Random } from '../../lib/random.js';

type Vec = number[];

const dot = (a: Vec, b: Vec): number => a.reduce((s, x, i) => s + x * b[i], 0);
const gramOf = (vs: Vec[]): number[][] => vs.map((a) => vs.map((b) => dot(a, b)));
const combine = (coefficients: Vec, vs: Vec[]): Vec => vs[0].map((_, k) => vs.reduce((s, v, t) => s + coefficients[t] * v[k], 0));
const norm = (v: Vec): number => Math.sqrt(dot(v, v));

function randomVectors(seed: number, count: number, dim = 5): Vec[] {
  const random = Random.stream(seed, 'aggregators-test');
  return Array.from({ length: count }, () => Array.from(random.fillGaussian(new Float32Array(dim))));
}

/** Every point of the simplex grid with step 1/steps (T = 2 or 3). */
function simplexGrid(tasks: 2 | 3, steps = 200): Vec[] {
  const points: Vec[] = [];
  for (let i = 0; i <= steps; i++) {
    if (tasks === 2) points.push([i / steps, (steps - i) / steps]);
    else for (let j = 0; j <= steps - i; j++) points.push([i / steps, j / steps, (steps - i - j) / steps]);
  }
  return points;
}

function expectOnSimplex(alpha: Vec): void {
  for (const a of alpha) expect(a).toBeGreaterThanOrEqual(0);
  expect(Math.abs(alpha.reduce((s, a) => s + a, 0) - 1)).toBeLessThan(1e-9);
}

describe('minNormPoint', () => {
  it('matches the closed form for two tasks', () => {
    const pairs: Vec[][] = [
      [
        [1, 0],
        [2, 0],
      ],
      [
        [2, 0],
        [1, 0],
      ],
      [
        [1, 0],
        [0, 1],
      ],
      [
        [3, 1],
        [-1, 2],
      ],
      ...Array.from({ length: 20 }, (_, s) => randomVectors(100 + s, 2)),
    ];
    for (const [g1, g2] of pairs) {
      const diff = g1.map((x, k) => x - g2[k]);
      const expected = Math.min(
        Math.max(
          dot(
            g2.map((x, k) => x - g1[k]),
            g2,
          ) / dot(diff, diff),
          0,
        ),
        1,
      );
      const { alpha, iterations, normSquared } = minNormPoint(gramOf([g1, g2]));
      expect(alpha[0]).toBeCloseTo(expected, 12);
      expect(alpha[1]).toBeCloseTo(1 - expected, 12);
      expect(iterations).toBe(0);
      expect(normSquared).toBeCloseTo(dot(combine(alpha, [g1, g2]), combine(alpha, [g1, g2])), 12);
    }
  });

  it('reaches the grid minimum for three tasks', () => {
    const grid = simplexGrid(3);
    for (let seed = 0; seed < 12; seed++) {
      const gram = gramOf(randomVectors(seed, 3));
      const gridMin = Math.min(...grid.map((p) => quadratic(gram, p)));
      const { alpha, normSquared } = minNormPoint(gram);
      expectOnSimplex(alpha);
      expect(quadratic(gram, alpha)).toBeCloseTo(normSquared, 12);
      expect(normSquared).toBeLessThanOrEqual(gridMin + 1e-6);
    }
  });

  it('handles degenerate inputs', () => {
    expect(minNormPoint([[4]])).toEqual({ alpha: [1], iterations: 0, normSquared: 4 });
    const g = [1, -2, 3];
    const same = minNormPoint(gramOf([g, g, g]));
    expectOnSimplex(same.alpha);
    expect(same.normSquared).toBeCloseTo(14, 12);
    const withZero = minNormPoint(
      gramOf([
        [1, 2, 0],
        [0, 0, 0],
        [-3, 1, 1],
      ]),
    );
    expect(withZero.alpha).toEqual([0, 1, 0]);
    expect(withZero.normSquared).toBe(0);
    expect(minNormTwo(1, 1, 1)).toEqual({ gamma: 1, cost: 1 });
    expect(() => minNormPoint([])).toThrow(RangeError);
    expect(() => minNormPoint([[1, 0]])).toThrow(RangeError);
  });
});

describe('mgdaCoefficients', () => {
  it('gives the min-norm direction: d.g_t >= ||d||^2 for every task', () => {
    for (let seed = 0; seed < 12; seed++) {
      const count = 2 + (seed % 5);
      // Half of the cases share a common component, so the tasks partly agree and d is not near 0.
      const shift = seed % 2 === 0 ? [2, 0, 0, 0, 0] : [0, 0, 0, 0, 0];
      const vs = randomVectors(200 + seed, count).map((v) => v.map((x, k) => x + shift[k]));
      // Tighter than the reference's stop (1e-5 on the L1 change of alpha), which leaves d.g_t short of
      // ||d||^2 by up to about 5e-5 on these cases: plain Frank-Wolfe converges slowly near a face.
      const c = mgdaCoefficients(gramOf(vs), { tolerance: 1e-10, maxIterations: 10_000 });
      expectOnSimplex(c);
      const d = combine(c, vs);
      for (const g of vs) expect(dot(d, g)).toBeGreaterThanOrEqual(dot(d, d) - 1e-6);
    }
  });

  it('normalises as solving on explicitly scaled vectors does', () => {
    const vs = randomVectors(300, 4);
    const losses = [0.5, 2, 1.25, 3];
    const gram = gramOf(vs);
    const cases: [MgdaNormalization, (t: number) => number][] = [
      ['none', () => 1],
      ['l2', (t) => 1 / norm(vs[t])],
      ['loss', (t) => 1 / losses[t]],
      ['loss+', (t) => 1 / (losses[t] * norm(vs[t]))],
    ];
    for (const [normalize, scale] of cases) {
      const scaled = vs.map((v, t) => v.map((x) => x * scale(t)));
      const { alpha } = minNormPoint(gramOf(scaled));
      const c = mgdaCoefficients(gram, { normalize, losses });
      for (let t = 0; t < vs.length; t++) expect(c[t]).toBeCloseTo(alpha[t] * scale(t), 9);
      const direct = combine(alpha, scaled);
      combine(c, vs).forEach((x, k) => expect(x).toBeCloseTo(direct[k], 9));
    }
    expect(
      mgdaScales(
        gramOf([
          [0, 0],
          [3, 4],
        ]),
        'l2',
      ),
    ).toEqual([1, 0.2]);
    expect(() => mgdaCoefficients(gram, { normalize: 'loss' })).toThrow(RangeError);
    expect(() => mgdaCoefficients(gram, { normalize: 'loss+', losses: [1, 1, 0, 1] })).toThrow(RangeError);
  });
});

/** CAGrad's dual objective, on explicit vectors. */
function cagradObjective(vs: Vec[], c: number, w: Vec): number {
  const g0 = combine(
    vs.map(() => 1 / vs.length),
    vs,
  );
  const gw = combine(w, vs);
  return dot(gw, g0) + c * norm(g0) * norm(gw);
}

describe('cagrad', () => {
  it('reaches the grid minimum of the dual for two and three tasks', () => {
    for (const tasks of [2, 3] as const) {
      const grid = simplexGrid(tasks);
      for (let seed = 0; seed < 8; seed++) {
        const vs = randomVectors(400 + 10 * tasks + seed, tasks);
        for (const c of [0.4, 0.8]) {
          const gridMin = Math.min(...grid.map((w) => cagradObjective(vs, c, w)));
          const gram = gramOf(vs);
          const result = cagrad(gram, { c });
          expectOnSimplex(result.w);
          expect(result.objective).toBeCloseTo(cagradObjective(vs, c, result.w), 10);
          expect(result.objective).toBeLessThanOrEqual(gridMin + 1e-5);
          expect(result.gap).toBeLessThanOrEqual(1e-10 * Math.max(...gram.map((row, i) => row[i])));
        }
      }
    }
  });

  it('gives the mean gradient when c = 0', () => {
    const gram = gramOf(randomVectors(500, 4));
    for (const rescale of [0, 1, 2] as const) cagradCoefficients(gram, { c: 0, rescale }).forEach((x) => expect(x).toBeCloseTo(0.25, 14));
  });

  it('matches the vector formula d = (g0 + c ||g0|| g_w / ||g_w||) / rescale', () => {
    for (let seed = 0; seed < 6; seed++) {
      const vs = randomVectors(600 + seed, 2 + seed, 7);
      for (const rescale of [0, 1, 2] as const) {
        const c = 0.5;
        const { w, coefficients } = cagrad(gramOf(vs), { c, rescale });
        const g0 = combine(
          vs.map(() => 1 / vs.length),
          vs,
        );
        const gw = combine(w, vs);
        const divisor = [1, 1 + c * c, 1 + c][rescale];
        const expected = g0.map((x, k) => (x + (c * norm(g0) * gw[k]) / norm(gw)) / divisor);
        combine(coefficients, vs).forEach((x, k) => expect(x).toBeCloseTo(expected[k], 10));
      }
    }
  });

  it('falls back to g0 when g_w = 0, and when every gradient is zero', () => {
    const vs = [
      [1, 0],
      [-1, 0],
      [0, 1],
    ];
    const result = cagrad(gramOf(vs), { c: 2 });
    expect(result.w[0]).toBeCloseTo(0.5, 12);
    expect(result.w[2]).toBe(0);
    result.coefficients.forEach((x) => expect(x).toBeCloseTo(1 / 3 / 5, 14));
    const zero = [
      [0, 0],
      [0, 0],
    ];
    cagradCoefficients(zero).forEach((x) => expect(x).toBeCloseTo(0.5 / 1.16, 15));
  });

  it('projects onto the simplex', () => {
    expect(projectToSimplex([0.2, 0.3, 0.5])).toEqual([0.2, 0.3, 0.5]);
    expect(projectToSimplex([2, 0, -1])).toEqual([1, 0, 0]);
    const p = projectToSimplex([0.5, 0.5, 0.5]);
    p.forEach((x) => expect(x).toBeCloseTo(1 / 3, 15));
  });
});
