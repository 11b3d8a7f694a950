// CAGrad's coefficients: the average gradient, bent towards the worst-off task within a ball around it.
// Liu, Liu, Jin, Stone, Liu 2021, "Conflict-Averse Gradient Descent for Multi-task Learning" (NeurIPS; arXiv:2110.14048).
//
// As in the official code: g0 = mean_t g_t, phi = c^2 ||g0||^2, w = argmin over the simplex of
// F(w) = g_w.g0 + sqrt(phi) ||g_w|| with g_w = sum_t w_t g_t, then d = g0 + (sqrt(phi) / ||g_w||) g_w,
// rescaled. All of it is Gram arithmetic: g_w.g0 = w^T G 1 / T, ||g_w||^2 = w^T G w, ||g0||^2 = 1^T G 1 / T^2.
//
// Solver: projected gradient descent on the simplex (Euclidean projection, by sorting), with a
// backtracking step. The official code calls scipy's SLSQP; here T is a handful, so a step costs O(T^2),
// and projected gradient has what the alternatives lack: unlike Frank-Wolfe it does not zigzag, O(1/k),
// when the optimum lies inside a face (F is not quadratic, and the optimum is rarely at a vertex); unlike a
// softmax parametrisation it reaches the faces exactly (softmax weights are never 0) and keeps F convex in
// the variables. It stops on the Frank-Wolfe gap, grad F(w).w - min_t grad F(w)_t, which bounds F(w) - min F
// from above (F is convex), so the tolerance is a certificate, not a guess from a small step.
import { checkGram } from './gram.js';

export interface CagradOptions {
  /** The radius of the ball around g0, relative to ||g0|| (0.4 by default; 0 gives the mean gradient). */
  c?: number;
  /** 0: none; 1: divide d by 1 + c^2 (default); 2: divide by 1 + c. As the official code's `rescale`. */
  rescale?: 0 | 1 | 2;
  /** Projected-gradient steps at most (1000). */
  maxIterations?: number;
  /** Stop once the Frank-Wolfe gap is at most this times max_t ||g_t||^2, F's scale (1e-10). */
  tolerance?: number;
}

export interface CagradResult {
  /** d = sum_t coefficients_t g_t. */
  coefficients: number[];
  /** The dual solution on the simplex. */
  w: number[];
  /** F(w). */
  objective: number;
  /** The Frank-Wolfe gap at w: an upper bound on F(w) - min F. */
  gap: number;
  iterations: number;
}

type Gram = readonly (readonly number[])[];

/** Below this share of F's scale, ||g_w||^2 is within the rounding of w^T G w: its direction is noise, so d = g0. */
const ZERO_NORM_SQUARED = 1e-14;
/** A change in F smaller than this share of its scale (max_t ||g_t||^2) is mostly rounding: each value carries about 1e-16 of it. */
const RELIABLE_CHANGE = 1e-8;

/** The Euclidean projection of v onto the probability simplex (sort-based, O(T log T)). */
export function projectToSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let cumulative = 0;
  let theta = 0;
  for (let j = 0; j < u.length; j++) {
    cumulative += u[j];
    const candidate = (cumulative - 1) / (j + 1);
    if (u[j] - candidate > 0) theta = candidate;
  }
  return v.map((x) => Math.max(x - theta, 0));
}

function matVec(gram: Gram, x: readonly number[]): number[] {
  return gram.map((row) => row.reduce((s, g, j) => s + g * x[j], 0));
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** F(w) and a (sub)gradient of it; at g_w = 0 the norm's subgradient 0 is used. */
function evaluate(gram: Gram, b: readonly number[], radius: number, w: readonly number[]): { f: number; grad: number[]; gw: number[]; norm: number } {
  const gw = matVec(gram, w);
  const norm = Math.sqrt(Math.max(dot(w, gw), 0));
  const f = dot(w, b) + radius * norm;
  const grad = norm > 0 ? b.map((bi, i) => bi + (radius * gw[i]) / norm) : [...b];
  return { f, grad, gw, norm };
}

function frankWolfeGap(grad: readonly number[], w: readonly number[]): number {
  return Math.max(dot(grad, w) - Math.min(...grad), 0);
}

/** Solves CAGrad's dual for w and returns the coefficients of d on the g_t behind `gram`. */
export function cagrad(gram: Gram, options: CagradOptions = {}): CagradResult {
  checkGram(gram);
  const c = options.c ?? 0.4;
  const rescale = options.rescale ?? 1;
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-10;
  if (!(Number.isFinite(c) && c >= 0)) throw new RangeError(`c must be a finite number >= 0, got ${c}`);
  if (rescale !== 0 && rescale !== 1 && rescale !== 2) throw new RangeError(`rescale must be 0, 1 or 2, got ${String(rescale)}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new RangeError(`maxIterations must be a non-negative integer, got ${maxIterations}`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tolerance}`);

  const n = gram.length;
  const divisor = rescale === 0 ? 1 : rescale === 1 ? 1 + c * c : 1 + c;
  const uniform = new Array<number>(n).fill(1 / n);
  const b = matVec(gram, uniform); // G 1 / T: b.w = g_w.g0
  const g0Norm = Math.sqrt(Math.max(dot(b, uniform), 0));
  const radius = c * g0Norm; // sqrt(phi)
  const scale = Math.max(...gram.map((row, i) => row[i]));
  const meanOnly = (w: number[], f: number, gap: number, iterations: number): CagradResult => ({ coefficients: uniform.map((u) => u / divisor), w, objective: f, gap, iterations });
  if (!(scale > 0)) return meanOnly(uniform, 0, 0, 0); // every gradient is zero

  let w = uniform;
  let at = evaluate(gram, b, radius, w);
  let gap = frankWolfeGap(at.grad, w);
  // F's curvature is about radius * ||G|| / ||g_w||, of the order of `scale`; backtracking and growth correct it.
  let step = 1 / scale;
  let iterations = 0;
  while (iterations < maxIterations && gap > tolerance * scale) {
    let accepted = false;
    for (let tries = 0; tries < 60 && !accepted; tries++) {
      const next = projectToSimplex(w.map((x, i) => x - step * at.grad[i]));
      const diff = next.map((x, i) => x - w[i]);
      const moved = dot(diff, diff);
      if (moved === 0) break; // w is a fixed point of the step: optimal, up to rounding
      const there = evaluate(gram, b, radius, next);
      // The sufficient decrease of proximal gradient methods, F below its quadratic model at w: the local
      // curvature at most 1 / step. Near the optimum F(next) - F(w) cancels to rounding noise, so the
      // curvature is then read from the gradients' change instead (as TFOCS does), or the search stalls
      // with ||w - w*|| near sqrt(machine epsilon).
      const change = there.f - at.f;
      const gradChange = there.grad.map((g, i) => g - at.grad[i]);
      const curvature = Math.abs(change) > RELIABLE_CHANGE * scale ? (2 * (change - dot(at.grad, diff))) / moved : dot(diff, gradChange) / moved;
      if (curvature <= 1 / step) {
        w = next;
        at = there;
        accepted = true;
      } else {
        step /= 2;
      }
    }
    if (!accepted) break;
    iterations++;
    gap = frankWolfeGap(at.grad, w);
    step *= 1.5; // let the step grow back after backtracking, or the search crawls where F is flatter
  }

  if (radius === 0 || at.norm * at.norm <= ZERO_NORM_SQUARED * scale) return meanOnly(w, at.f, gap, iterations);
  const lambda = radius / at.norm;
  const coefficients = w.map((wt) => (1 / n + lambda * wt) / divisor);
  return { coefficients, w, objective: at.f, gap, iterations };
}

/** d = sum_t c_t g_t, CAGrad's update direction (see `cagrad` for the options). */
export function cagradCoefficients(gram: Gram, options: CagradOptions = {}): number[] {
  return cagrad(gram, options).coefficients;
}
