// IMTL-G: Liu et al. 2021, "Towards Impartial Multi-task Learning" (ICLR), the gradient part (IMTL-G).
//
// d = sum_t alpha_t g_t with sum alpha = 1 and equal projections d . u_t onto every unit vector
// u_t = g_t / n_t, n_t = ||g_t|| = sqrt(G_tt). The paper's closed form, anchored at task a (task 1 there):
//   D = [g_a - g_t]_t, U = [u_a - u_t]_t over the other tasks t,
//   alpha_rest = g_a U^T (D U^T)^{-1},  alpha_a = 1 - sum alpha_rest.
// (d = g_a - alpha_rest D, so d U^T = 0, i.e. d . u_a = d . u_t, is exactly alpha_rest (D U^T) = g_a U^T.)
// Every inner product it takes is a Gram entry: g_x . u_y = G_xy / n_y =: H_xy, so
//   (D U^T)_kl = (g_a - g_k) . (u_a - u_l) = H_aa - H_al - H_ka + H_kl,
//   (g_a U^T)_l = g_a . (u_a - u_l)        = H_aa - H_al,
// and alpha_rest M = r (M = D U^T, r = g_a U^T) is solved as M^T alpha_rest^T = r^T.
//
// Cases the closed form leaves open, settled here:
// - a zero gradient has no u_t: it gets alpha_t = 0 and the rest are solved without it (it adds nothing
//   to d whatever its weight); all zero: alpha = 1/T (d = 0 either way).
// - every gradient pointing the same way (equal gradients among them): D U^T = 0, and any alpha meets
//   the equal-projection condition. alpha_t proportional to 1/n_t is taken: equal weights for equal
//   gradients, and the limit of the closed form for two tasks as their angle goes to 0.
// - otherwise a singular D U^T (two tasks parallel, or more tasks than the gradients' dimension): an Error.
import { checkGram, type Gram } from './gram.js';
import { SingularSystemError, solveLinear } from './linear-solve.js';

/** Within this of 1, cos(g_i, g_j) counts as parallel: exact copies and scalings give 1 up to rounding. */
const PARALLEL_TOLERANCE = 1e-12;

/** IMTL-G's coefficients alpha (d = sum_t alpha_t g_t, sum alpha = 1) from the tasks' Gram matrix. */
export function imtlgCoefficients(gram: Gram): number[] {
  const T = gram.length;
  checkGram(gram, T);
  if (T === 0) return [];
  const norm = gram.map((row, t) => Math.sqrt(row[t]));
  const live: number[] = [];
  for (let t = 0; t < T; t++) if (norm[t] > 0) live.push(t);
  const alpha = new Array<number>(T).fill(0);
  if (live.length === 0) return alpha.fill(1 / T);
  if (live.length === 1) {
    alpha[live[0]] = 1;
    return alpha;
  }
  const a = live[0];
  if (live.every((t) => isParallel(gram, norm, a, t))) {
    let inverseSum = 0;
    for (const t of live) inverseSum += 1 / norm[t];
    for (const t of live) alpha[t] = 1 / norm[t] / inverseSum;
    return alpha;
  }
  const rest = live.slice(1);
  const h = (x: number, y: number) => gram[x][y] / norm[y];
  // M^T: row l, column k holds M_kl.
  const mt = rest.map((l) => rest.map((k) => h(a, a) - h(a, l) - h(k, a) + h(k, l)));
  const r = rest.map((l) => h(a, a) - h(a, l));
  let solved: number[];
  try {
    solved = solveLinear(mt, r);
  } catch (e) {
    if (!(e instanceof SingularSystemError)) throw e;
    throw new Error(`IMTL-G: the system D U^T is singular (${e.message}); ${singularCause(gram, norm, live)}`, { cause: e });
  }
  let sum = 0;
  rest.forEach((t, k) => {
    alpha[t] = solved[k];
    sum += solved[k];
  });
  alpha[a] = 1 - sum;
  return alpha;
}

function isParallel(gram: Gram, norm: readonly number[], i: number, j: number): boolean {
  return gram[i][j] / (norm[i] * norm[j]) >= 1 - PARALLEL_TOLERANCE;
}

function singularCause(gram: Gram, norm: readonly number[], live: readonly number[]): string {
  for (let p = 0; p < live.length; p++) {
    for (let q = p + 1; q < live.length; q++) {
      if (isParallel(gram, norm, live[p], live[q])) return `tasks ${live[p]} and ${live[q]} have parallel gradients (same direction), so their unit vectors coincide`;
    }
  }
  return `the ${live.length} non-zero gradients are too close to linearly dependent (more tasks than dimensions?)`;
}
