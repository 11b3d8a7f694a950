import { describe, expect, it } from 'vitest';
import { addGram, checkGram, gramOf, type Gram } from '../../coordinator/aggregators/gram.js';
import { imtlgCoefficients } from '../../coordinator/aggregators/imtl-g.js';
import { solveLinear } from '../../coordinator/aggregators/linear-solve.js';
import { pcgradCoefficients, seededOrders } from '../../coordinator/aggregators/pcgrad.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** T random vectors of length n, entries in [-1, 1); about `zeros` of them zero. */
function randomVectors(T: number, n: number, seed: number, zeros = 0): Float32Array[] {
  const next = rng(seed);
  return Array.from({ length: T }, () => Float32Array.from({ length: n }, () => (next() < zeros ? 0 : 2 * next() - 1)));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const nonZeros = (v: Float32Array): Uint32Array => Uint32Array.from([...v.keys()].filter((i) => v[i] !== 0));
const combine = (c: readonly number[], g: readonly ArrayLike<number>[]): number[] => Array.from({ length: g[0].length }, (_, x) => c.reduce((s, ct, t) => s + ct * g[t][x], 0));
/** [[a, b], [c, d]], written flat so that the checks read one a line. */
const m2 = (a: number, b: number, c: number, d: number): Gram => [
  [a, b],
  [c, d],
];
const gramOfVectors = (g: readonly Float32Array[]): Gram => gramOf(g.map((v) => [v]));
const expectClose = (actual: readonly number[], expected: readonly number[], tol: number) => {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol * scale));
};

describe('gramOf', () => {
  it('matches a naive double loop on dense gradients, summed over tensors', () => {
    const t0 = randomVectors(4, 50, 1);
    const t1 = randomVectors(4, 7, 2);
    const gram = gramOf(t0.map((v, t) => [v, t1[t]]));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(gram[i][j]).toBe(dot(t0[i], t0[j]) + dot(t1[i], t1[j]));
    checkGram(gram, 4);
  });

  it('gives the same Gram sparse-sparse, sparse-dense and dense-dense', () => {
    const t0 = randomVectors(3, 200, 3, 0.8);
    const t1 = randomVectors(3, 30, 4, 0.5);
    const gradients = t0.map((v, t) => [v, t1[t]]);
    const dense = gramOf(gradients);
    const supports = gradients.map((g) => g.map(nonZeros));
    const allSparse = gramOf(gradients, supports);
    // Task 1 dense throughout; task 2's support also lists some zero entries, as a TOPK support can.
    const padded = (v: Float32Array) => Uint32Array.from([...v.keys()].filter((i) => v[i] !== 0 || i % 3 === 0));
    const mixed = gramOf(gradients, [supports[0], undefined, gradients[2].map(padded)]);
    for (const g of [allSparse, mixed]) {
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Math.abs(g[i][j] - dense[i][j])).toBeLessThanOrEqual(1e-12 * Math.abs(dense[i][j]));
    }
    expect(nonZeros(t0[0]).length).toBeLessThan(80);
  });

  it('sums shards with addGram and refuses mismatched shapes and supports', () => {
    const g = randomVectors(3, 40, 5);
    const whole = gramOfVectors(g);
    const total = gramOfVectors(g.map((v) => v.subarray(0, 25)));
    addGram(total, gramOfVectors(g.map((v) => v.subarray(25))));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Math.abs(total[i][j] - whole[i][j])).toBeLessThanOrEqual(1e-12 * Math.sqrt(whole[i][i] * whole[j][j]));
    expect(() => addGram(total, [[1]])).toThrow(/1-task Gram added to a 3-task/);
    expect(() => gramOf([[new Float32Array(3)], [new Float32Array(4)]])).toThrow(/tensor 0 of task 1 has 4 entries/);
    expect(() => gramOf([[new Float32Array(3)], []])).toThrow(/task 1 has 0 tensors/);
    expect(() => gramOf([[new Float32Array(3)]], [[Uint32Array.of(1, 3)]])).toThrow(/reaches index 3/);
  });
});

describe('checkGram', () => {
  it('names what is wrong', () => {
    expect(() => checkGram([[1, 0]], 1)).toThrow(/not square: row 0 has 2 entries/);
    expect(() => checkGram([[1]], 2)).toThrow(/not 2 x 2: it has 1 rows/);
    expect(() => checkGram(m2(1, 0.5, 0.4, 1), 2)).toThrow(/not symmetric: \[0\]\[1\] = 0.5 but \[1\]\[0\] = 0.4/);
    expect(() => checkGram(m2(1, NaN, NaN, 1), 2)).toThrow(/\[0\]\[1\] is not finite: NaN/);
    expect(() => checkGram([[Infinity]], 1)).toThrow(/not finite: Infinity/);
    expect(() => checkGram([[-1]], 1)).toThrow(/diagonal entry \[0\]\[0\] is negative/);
    // Within 1e-9 relative: the rounding that summing shards can leave.
    expect(() => checkGram(m2(1, 0.5, 0.5 + 1e-12, 1), 2)).not.toThrow();
    expect(() => pcgradCoefficients(m2(1, 2, 3, 1), seededOrders(2, 0))).toThrow(/not symmetric/);
    expect(() => imtlgCoefficients(m2(1, NaN, NaN, 1))).toThrow(/not finite/);
  });
});

/** PCGrad on the vectors themselves (the paper's Algorithm 1), the reference for the Gram version. */
function pcgradDirect(g: readonly Float32Array[], order: (i: number) => number[]): number[] {
  const d = new Array<number>(g[0].length).fill(0);
  g.forEach((gi, i) => {
    const p = Array.from(gi);
    for (const j of order(i)) {
      const normSq = dot(g[j], g[j]);
      const pj = dot(p, g[j]);
      if (normSq > 0 && pj < 0) for (let x = 0; x < p.length; x++) p[x] -= (pj / normSq) * g[j][x];
    }
    p.forEach((v, x) => (d[x] += v));
  });
  return d;
}

describe('PCGrad', () => {
  const ascending = (T: number) => (i: number) => [...Array(T).keys()].filter((j) => j !== i);

  it('projects two conflicting gradients as by hand', () => {
    // g1 = (1,0), g2 = (-1,1): g1.g2 = -1, |g1|^2 = 1, |g2|^2 = 2.
    // g1' = g1 - (-1/2) g2 = (0.5, 0.5);  g2' = g2 - (-1/1) g1 = (0, 1);  d = g1' + g2' = (0.5, 1.5),
    // i.e. c = [1 + 1, 0.5 + 1] = [2, 1.5].
    const g = [Float32Array.of(1, 0), Float32Array.of(-1, 1)];
    const c = pcgradCoefficients(gramOfVectors(g), ascending(2));
    expectClose(c, [2, 1.5], 1e-15);
    expectClose(combine(c, g), [0.5, 1.5], 1e-15);
  });

  it('leaves agreeing and orthogonal gradients alone', () => {
    expect(pcgradCoefficients(gramOfVectors([Float32Array.of(1, 0), Float32Array.of(1, 1)]), ascending(2))).toEqual([1, 1]);
    expect(pcgradCoefficients(gramOfVectors([Float32Array.of(1, 0), Float32Array.of(0, 3)]), ascending(2))).toEqual([1, 1]);
  });

  it('projects three tasks with one conflicting pair in a fixed order', () => {
    // g1 = (1,0,0), g2 = (0,1,0), g3 = (-1,0,1): only g1.g3 = -1 < 0; |g1|^2 = 1, |g3|^2 = 2.
    // g1' = g1 + (1/2) g3 = (0.5, 0, 0.5); g2' = g2; g3' = g3 + g1 = (0, 0, 1) (then g3'.g2 = 0: kept).
    // d = (0.5, 1, 1.5); c = [1 + 1, 1, 0.5 + 1] = [2, 1, 1.5].
    const g = [Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0), Float32Array.of(-1, 0, 1)];
    const c = pcgradCoefficients(gramOfVectors(g), ascending(3));
    expectClose(c, [2, 1, 1.5], 1e-15);
    expectClose(combine(c, g), [0.5, 1, 1.5], 1e-15);
  });

  it('matches PCGrad on the vectors for T = 2..5 and several seeds', () => {
    for (let T = 2; T <= 5; T++) {
      for (const seed of [1, 2, 3, 17, 99]) {
        const g = randomVectors(T, 12, 1000 * T + seed);
        const order = seededOrders(T, seed);
        expectClose(combine(pcgradCoefficients(gramOfVectors(g), order), g), pcgradDirect(g, order), 1e-12);
      }
    }
  });

  it('skips a zero gradient and checks the order', () => {
    const g = [Float32Array.of(1, 0), Float32Array.of(0, 0), Float32Array.of(-1, 1)];
    const c = pcgradCoefficients(gramOfVectors(g), ascending(3));
    expectClose(combine(c, g), pcgradDirect(g, ascending(3)), 1e-15);
    const gram = gramOfVectors(g);
    expect(() => pcgradCoefficients(gram, () => [0, 1])).toThrow(/order for task 0 includes task 0 itself/);
    expect(() => pcgradCoefficients(gram, () => [5])).toThrow(/names task 5, not one of 0..2/);
    expect(() => pcgradCoefficients(gram, (i) => (i === 0 ? [1] : ascending(3)(i)))).toThrow(/names 1 tasks, expected all 2 others/);
    expect(() => pcgradCoefficients(gram, (i) => (i === 0 ? [1, 1] : ascending(3)(i)))).toThrow(/names task 1 twice/);
  });

  it('draws repeatable permutations of the other tasks', () => {
    const a = seededOrders(6, 42);
    const b = seededOrders(6, 42);
    for (let i = 0; i < 6; i++) {
      expect(a(i)).toEqual(b(i));
      expect([...a(i)].sort()).toEqual(ascending(6)(i));
    }
    const other = seededOrders(6, 43);
    expect([0, 1, 2, 3, 4, 5].some((i) => other(i).join() !== a(i).join())).toBe(true);
    expect(() => a(6)).toThrow(/task 6 is not one of 0..5/);
  });
});

describe('IMTL-G', () => {
  const projections = (alpha: readonly number[], g: readonly Float32Array[]) => {
    const d = combine(alpha, g);
    return g.map((gt) => dot(d, gt) / Math.sqrt(dot(gt, gt)));
  };

  it('gives d equal projections onto every unit vector, alpha summing to 1, for T = 2..6', () => {
    for (let T = 2; T <= 6; T++) {
      for (const seed of [1, 2, 3]) {
        const g = randomVectors(T, 16, 7000 + 10 * T + seed);
        const alpha = imtlgCoefficients(gramOfVectors(g));
        expect(Math.abs(alpha.reduce((s, a) => s + a, 0) - 1)).toBeLessThan(1e-12);
        const p = projections(alpha, g);
        for (const pt of p) expect(Math.abs(pt - p[0])).toBeLessThan(1e-9 * Math.max(1, Math.abs(p[0])));
      }
    }
  });

  it('weighs orthogonal gradients by 1 / norm', () => {
    // g1 = (1,0), g2 = (0,2): d = (a, 2(1-a)), d.u1 = a = d.u2 = 2(1-a) gives a = 2/3.
    expectClose(imtlgCoefficients(gramOfVectors([Float32Array.of(1, 0), Float32Array.of(0, 2)])), [2 / 3, 1 / 3], 1e-14);
  });

  it('settles T = 1, equal, parallel and zero gradients', () => {
    expect(imtlgCoefficients([[4]])).toEqual([1]);
    expect(imtlgCoefficients([])).toEqual([]);
    const g = Float32Array.of(0.3, -0.7, 0.2);
    expectClose(imtlgCoefficients(gramOfVectors([g, g, g])), [1 / 3, 1 / 3, 1 / 3], 1e-14);
    expectClose(imtlgCoefficients(gramOfVectors([g, g.map((v) => 2 * v)])), [2 / 3, 1 / 3], 1e-14);
    // Near-parallel: the closed form tends to the same 1 / norm weights.
    expectClose(imtlgCoefficients(gramOfVectors([Float32Array.of(1, 0), Float32Array.of(2, 1e-3)])), [2 / 3, 1 / 3], 1e-5);
    const zero = new Float32Array(3);
    const h = Float32Array.of(0.1, 0.5, 0.4);
    const alpha = imtlgCoefficients(gramOfVectors([zero, g, h]));
    expect(alpha[0]).toBe(0);
    expectClose(alpha.slice(1), imtlgCoefficients(gramOfVectors([g, h])), 1e-14);
    expect(imtlgCoefficients(gramOfVectors([zero, zero]))).toEqual([0.5, 0.5]);
  });

  it('refuses a singular system with a clear Error', () => {
    // Four tasks in two dimensions: D U^T is 3 x 3 of rank 2.
    expect(() => imtlgCoefficients(gramOfVectors(randomVectors(4, 2, 11)))).toThrow(/IMTL-G: the system D U\^T is singular.*linearly dependent/);
    const g = Float32Array.of(1, 2, 0);
    expect(() => imtlgCoefficients(gramOfVectors([g, Float32Array.of(0, 1, 1), g.map((v) => 3 * v)]))).toThrow(/tasks 0 and 2 have parallel gradients/);
  });
});

describe('solveLinear', () => {
  it('solves with partial pivoting and refuses a singular matrix', () => {
    // A zero first pivot: needs the row swap.
    expectClose(solveLinear(m2(0, 2, 3, 1), [4, 5]), [1, 2], 1e-15);
    expect(() => solveLinear(m2(1, 2, 2, 4), [1, 2])).toThrow(/singular/);
  });
});
