// The min-norm point of the convex hull of the tasks' gradients, from their Gram matrix alone.
// Solver: Sener & Koltun 2018, "Multi-Task Learning as Multi-Objective Optimization" (their MinNormSolver, also in LibMTL).
//
// Why Frank-Wolfe: the problem min_{alpha in simplex} alpha^T G alpha lives in T dimensions (T tasks, a
// handful), not in the millions of W's entries, and once G is known a step needs only G alpha, one
// argmin and the exact line search between two points (a 2-vector min-norm problem, closed form): O(T^2)
// per step, no projection onto the simplex (every iterate is a convex combination by construction) and no
// step size to tune. Starting from the best pair already solves T = 2 exactly and, for larger T, lands on
// the optimum whenever it lies on an edge of the simplex, which is common.
import { checkGram } from './gram.js';

export interface MinNormOptions {
  /** Frank-Wolfe steps at most (250, as in the reference code). */
  maxIterations?: number;
  /** Stop once a step changes alpha by less than this in L1 norm (1e-5, as in the reference code). */
  tolerance?: number;
}

export interface MinNormResult {
  /** On the simplex: non-negative, sums to 1. */
  alpha: number[];
  /** Frank-Wolfe steps taken (0 when the pair initialisation is already the answer, T <= 2). */
  iterations: number;
  /** alpha^T G alpha: the squared norm of the min-norm point. */
  normSquared: number;
}

/**
 * The min-norm point of the segment between v1 and v2, given v1.v1, v1.v2, v2.v2: gamma is the weight on
 * v1 (gamma v1 + (1 - gamma) v2), cost its squared norm. The reference code clamps to 0.999 / 0.001 at
 * the ends; this one returns the exact 1 / 0, so that identical or dominated gradients get alpha exactly
 * at a vertex and the line search can tell "no progress" (gamma = 1) from a tiny step.
 */
export function minNormTwo(g11: number, g12: number, g22: number): { gamma: number; cost: number } {
  if (g12 >= g11) return { gamma: 1, cost: g11 };
  if (g12 >= g22) return { gamma: 0, cost: g22 };
  // Both differences are positive here, so the denominator (||v1 - v2||^2) is too, whatever the rounding.
  const a = g11 - g12;
  const b = g22 - g12;
  const gamma = b / (a + b);
  return { gamma, cost: g22 - gamma * b };
}

/** alpha = argmin over the simplex of alpha^T G alpha (Frank-Wolfe with exact line search, best-pair start). */
export function minNormPoint(gram: readonly (readonly number[])[], options: MinNormOptions = {}): MinNormResult {
  if (gram.length === 0) throw new RangeError('the Gram matrix needs at least one task');
  checkGram(gram);
  const maxIterations = options.maxIterations ?? 250;
  const tolerance = options.tolerance ?? 1e-5;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new RangeError(`maxIterations must be a non-negative integer, got ${maxIterations}`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tolerance}`);
  const n = gram.length;
  if (n === 1) return { alpha: [1], iterations: 0, normSquared: gram[0][0] };

  // Best pair: the segment whose min-norm point is shortest. Ties keep the first pair, as the reference does.
  let best = { i: 0, j: 1, gamma: 1, cost: Infinity };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const { gamma, cost } = minNormTwo(gram[i][i], gram[i][j], gram[j][j]);
      if (cost < best.cost) best = { i, j, gamma, cost };
    }
  }
  let alpha = new Array<number>(n).fill(0);
  alpha[best.i] = best.gamma;
  alpha[best.j] = 1 - best.gamma;
  if (n === 2) return { alpha, iterations: 0, normSquared: best.cost };

  const gAlpha = new Array<number>(n);
  let iterations = 0;
  while (iterations < maxIterations) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += gram[i][j] * alpha[j];
      gAlpha[i] = s;
    }
    // The vertex that the linearised objective prefers: the task whose gradient is most opposed to the current point.
    let t = 0;
    for (let i = 1; i < n; i++) if (gAlpha[i] < gAlpha[t]) t = i;
    let v1v1 = 0;
    for (let i = 0; i < n; i++) v1v1 += alpha[i] * gAlpha[i];
    const { gamma } = minNormTwo(v1v1, gAlpha[t], gram[t][t]);
    const next = alpha.map((a) => gamma * a);
    next[t] += 1 - gamma;
    let change = 0;
    for (let i = 0; i < n; i++) change += Math.abs(next[i] - alpha[i]);
    alpha = next;
    iterations++;
    if (change < tolerance) break;
  }
  return { alpha, iterations, normSquared: quadratic(gram, alpha) };
}

/** x^T G x. */
export function quadratic(gram: readonly (readonly number[])[], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let r = 0;
    for (let j = 0; j < x.length; j++) r += gram[i][j] * x[j];
    s += x[i] * r;
  }
  return s;
}
