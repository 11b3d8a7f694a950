// Nash-MTL's coefficients: the Nash bargaining solution over the task gradients.
// Navon et al. 2022, "Multi-Task Learning as a Bargaining Game" (ICML; arXiv:2202.01017).
//
// The solution is the alpha > 0 with alpha_i (G alpha)_i = 1 for every task i; the update is
// d = sum_t alpha_t g_t. The official code reaches it through a sequence of convex programs (CCP with
// cvxpy/ECOS, 20 at most, each from the last). With T <= ~20 we solve it directly instead, because the
// condition is exactly the stationarity condition G alpha = 1 / alpha of
//   F(alpha) = 1/2 alpha^T G alpha - sum_i log alpha_i   on alpha > 0.
// F is strictly convex (Hessian G + diag(1/alpha^2), G PSD) and standard self-concordant (a quadratic
// plus log barriers), so damped Newton converges from any positive start to its unique minimiser when
// one exists, and quadratically once the Newton decrement lambda < 1/4 (Nesterov, "Introductory
// Lectures on Convex Optimization", 4.1.5). In the relative step u = delta_alpha / alpha the Newton
// system reads (A G A + I) u = -f, A = diag(alpha), f_i = alpha_i (G alpha)_i - 1 being the residual
// itself: a matrix with every eigenvalue >= 1, so Cholesky cannot fail on a PSD G, and a step in u is
// the log-space step (alpha = exp(beta)) to first order. lambda^2 = -f.u >= ||u||^2, so any step
// t <= 1/(1 + lambda) keeps alpha positive and lowers F by at least lambda - log(1 + lambda): the
// backtracking (Armijo on F) starts at t = 1 and never goes below that. The start 1/sqrt(diag G) is
// the solution when the gradients are orthogonal. Newton is affine-invariant, so scaling g_i by s
// scales alpha_i by exactly 1/s at every iterate.
//
// No solution exists when some nonnegative combination of the gradients is 0 (0 in their convex hull,
// e.g. g_2 = -g_1): F then falls without bound along it and alpha diverges. The ridge
// rho = eps * trace(G) / T on the diagonal (relative, so that it scales with the gradients) acts as a
// private orthogonal component of norm sqrt(rho) added to every gradient: a minimiser always exists,
// with alpha_i <= sqrt(T / rho) (sum_i alpha_i ((G + rho I) alpha)_i = T), and it is the one solved for.
// The condition on G itself is then off by rho alpha_i^2, ~eps for well-conditioned G.
//
// The official code divides G by ||G||_F, but its constraint multiplies that factor back in, so its
// target is the same condition on G. At the solution ||d||^2 = alpha^T G alpha = T - rho ||alpha||^2,
// whatever the gradients' scale; `maxNorm` is the official max_norm (clip_grad_norm_ of d, default 1
// there), computed from G, and off (no clipping) by default here.

export interface NashMtlOptions {
  /** Newton steps at most (default 100). */
  maxIterations?: number;
  /** Converged once every |alpha_i ((G + rho I) alpha)_i - 1| <= tolerance (default 1e-9) or its rounding noise. */
  tolerance?: number;
  /** Relative ridge: rho = eps * trace(G) / T joins G's diagonal (default 1e-8; 0 for none). */
  eps?: number;
  /** When set, the coefficients are scaled down so that ||d|| = sqrt(c^T G c) <= maxNorm. */
  maxNorm?: number;
  /** Where Newton starts, positive (default 1 / sqrt(diag(G) + rho)): last round's alpha, say. */
  initial?: readonly number[];
}

export interface NashMtlResult {
  /** alpha, scaled by the maxNorm clipping if that applied; all 0 when G has a zero diagonal entry. */
  coefficients: number[];
  /** Whether the residual reached the tolerance; false also when Newton had to stop early. */
  converged: boolean;
  /** Newton steps taken. */
  iterations: number;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new RangeError(`nashMtlCoefficients: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${value}`);
  return value;
}

/** The residual f_i = alpha_i (G alpha)_i - 1. */
function residual(g: readonly number[][], alpha: readonly number[]): number[] {
  return g.map((row, i) => alpha[i] * row.reduce((s, gij, j) => s + gij * alpha[j], 0) - 1);
}

/** Above this rounding noise the residual no longer tells a solution from a diverging alpha. */
const NOISE_LIMIT = 1e-4;

/**
 * Whether every |f_i| is within the tolerance or within the rounding of its own sum, n ulp(1) alpha_i
 * (|G| alpha)_i: on a near-singular G, alpha is large, (G alpha)_i cancels, and Newton cannot push f
 * below that noise, so a tighter tolerance would only burn the iterations. Noise beyond NOISE_LIMIT
 * (alpha running off where no solution exists, eps = 0) is never counted as convergence.
 */
function withinTolerance(g: readonly number[][], alpha: readonly number[], f: readonly number[], tolerance: number): boolean {
  const n = alpha.length;
  return f.every((fi, i) => {
    const noise = n * Number.EPSILON * alpha[i] * g[i].reduce((s, gij, j) => s + Math.abs(gij) * alpha[j], 0);
    return Math.abs(fi) <= tolerance + Math.min(noise, NOISE_LIMIT);
  });
}

function objective(g: readonly number[][], alpha: readonly number[]): number {
  let quad = 0;
  let logs = 0;
  for (let i = 0; i < alpha.length; i++) {
    for (let j = 0; j < alpha.length; j++) quad += alpha[i] * g[i][j] * alpha[j];
    logs += Math.log(alpha[i]);
  }
  return 0.5 * quad - logs;
}

/** Solves M x = b for a symmetric positive definite M by Cholesky; null when a pivot is not positive. */
function choleskySolve(m: readonly number[][], b: readonly number[]): number[] | null {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = m[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] * l[j][k];
    if (!(d > 0)) return null;
    l[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = m[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / l[j][j];
    }
  }
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/** Nash-MTL's alpha for the Gram matrix G_ij = g_i . g_j of T task gradients (see the header). */
export function nashMtlCoefficients(gram: readonly (readonly number[])[], options: NashMtlOptions = {}): NashMtlResult {
  const n = gram.length;
  for (let i = 0; i < n; i++) {
    if (gram[i].length !== n) throw new RangeError(`nashMtlCoefficients: row ${i} has ${gram[i].length} entries, expected ${n}`);
    for (let j = 0; j < n; j++) if (!Number.isFinite(gram[i][j])) throw new RangeError(`nashMtlCoefficients: G[${i}][${j}] is ${gram[i][j]}`);
  }
  const maxIterations = positive('maxIterations', options.maxIterations, 100, true);
  if (!Number.isInteger(maxIterations)) throw new RangeError(`nashMtlCoefficients: maxIterations must be an integer, got ${maxIterations}`);
  const tolerance = positive('tolerance', options.tolerance, 1e-9);
  const eps = positive('eps', options.eps, 1e-8, true);
  const maxNorm = options.maxNorm === undefined ? undefined : positive('maxNorm', options.maxNorm, 0);
  if (n === 0) return { coefficients: [], converged: true, iterations: 0 };

  // Rounding in the float32 dot products can leave G slightly asymmetric; Newton needs it symmetric.
  const sym = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => 0.5 * (gram[i][j] + gram[j][i])));
  let trace = 0;
  for (let i = 0; i < n; i++) trace += sym[i][i];
  const rho = (eps * trace) / n;
  const g = sym.map((row, i) => row.map((v, j) => (i === j ? v + rho : v)));
  // A zero gradient (without ridge) makes F unbounded along e_i: no alpha to find.
  if (g.some((row, i) => !(row[i] > 0))) return { coefficients: new Array<number>(n).fill(0), converged: false, iterations: 0 };

  let alpha = g.map((row, i) => 1 / Math.sqrt(row[i]));
  if (options.initial !== undefined) {
    const init = options.initial;
    if (init.length !== n || init.some((a) => !Number.isFinite(a) || a <= 0)) throw new RangeError(`nashMtlCoefficients: initial must be ${n} positive finite numbers`);
    alpha = [...init];
  }

  let f = residual(g, alpha);
  let converged = withinTolerance(g, alpha, f, tolerance);
  let iterations = 0;
  while (!converged && iterations < maxIterations) {
    const m = g.map((row, i) => row.map((gij, j) => alpha[i] * gij * alpha[j] + (i === j ? 1 : 0)));
    const rhs = f.map((v) => -v);
    const u = choleskySolve(m, rhs);
    if (u === null) break;
    const lambda2 = Math.max(0, -f.reduce((s, fi, i) => s + fi * u[i], 0));
    const lambda = Math.sqrt(lambda2);
    const at = (t: number): number[] => alpha.map((a, i) => a * (1 + t * u[i]));
    let t = 1;
    // Inside lambda < 1/4 the full step is feasible (|u_i| <= lambda) and converges quadratically.
    if (lambda >= 0.25) {
      const floor = 1 / (1 + lambda);
      const f0 = objective(g, alpha);
      let accepted = false;
      for (; t > floor; t /= 2) {
        if (u.every((ui) => 1 + t * ui > 0) && objective(g, at(t)) <= f0 - 0.25 * t * lambda2) {
          accepted = true;
          break;
        }
      }
      if (!accepted) t = floor;
    }
    const next = at(t);
    if (!next.every((a) => Number.isFinite(a) && a > 0)) break;
    alpha = next;
    iterations++;
    f = residual(g, alpha);
    if (!f.every(Number.isFinite)) break;
    converged = withinTolerance(g, alpha, f, tolerance);
  }

  if (maxNorm !== undefined) {
    let sq = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sq += alpha[i] * sym[i][j] * alpha[j];
    const norm = Math.sqrt(Math.max(0, sq));
    if (norm > maxNorm) alpha = alpha.map((a) => (a * maxNorm) / norm);
  }
  return { coefficients: alpha, converged, iterations };
}
