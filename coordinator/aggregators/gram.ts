// The T x T Gram matrix G_ij = g_i . g_j of the tasks' gradients for the shared weights W: every
// multi-task method in this folder is coefficients computed from it alone, so a W split over several
// processes needs only each slice's partial Gram (summed with addGram), never the gradients themselves.
// Sums run in float64: the Float32 gradients can have millions of entries, and a float32 running sum
// would lose the small inner products that decide whether two tasks conflict.

/** T x T, symmetric, float64: G[i][j] = g_i . g_j over every shared tensor. */
export type Gram = number[][];

/**
 * The Gram matrix of T tasks' gradients. `gradients[t][k]` is task t's gradient for tensor k, full
 * length; `supports[t]?.[k]`, where given, lists (increasing) the only indices of that gradient that can
 * be non-zero, as a TOPK push comes: those pairs are read at the support only, never densified.
 * `dense`, where given, takes the Gram matrix of the dense gradients of one tensor (the weight arena's
 * SIMD one, which `hybrid train` and the coordinator share, so that both get the same matrix).
 */
export function gramOf(
  gradients: readonly (readonly Float32Array[])[],
  supports?: readonly (readonly Uint32Array[] | undefined)[],
  dense?: (vectors: readonly Float32Array[]) => number[][],
): Gram {
  const T = gradients.length;
  const tensors = T > 0 ? gradients[0].length : 0;
  for (let t = 0; t < T; t++) {
    if (gradients[t].length !== tensors) throw new Error(`gramOf: task ${t} has ${gradients[t].length} tensors, task 0 has ${tensors}`);
    for (let k = 0; k < tensors; k++) {
      const n = gradients[0][k].length;
      if (gradients[t][k].length !== n) throw new Error(`gramOf: tensor ${k} of task ${t} has ${gradients[t][k].length} entries, task 0's has ${n}`);
      const s = supportOf(supports, t, k);
      // Increasing indices: the last is the largest, so one look bounds them all.
      if (s !== undefined && s.length > 0 && s[s.length - 1] >= n) throw new Error(`gramOf: task ${t}'s support for tensor ${k} reaches index ${s[s.length - 1]}, past its ${n} entries`);
    }
  }
  const gram: Gram = Array.from({ length: T }, () => new Array<number>(T).fill(0));
  for (let k = 0; k < tensors; k++) {
    // The pairs of dense gradients in one go where the caller has a faster way; every other pair here.
    const denseTasks = dense ? Array.from({ length: T }, (_, t) => t).filter((t) => supportOf(supports, t, k) === undefined) : [];
    const part = denseTasks.length > 0 ? dense!(denseTasks.map((t) => gradients[t][k])) : null;
    const inPart = new Array<number>(T).fill(-1);
    denseTasks.forEach((t, p) => (inPart[t] = p));
    for (let i = 0; i < T; i++) {
      for (let j = i; j < T; j++) {
        gram[i][j] += part && inPart[i] >= 0 && inPart[j] >= 0 ? part[inPart[i]][inPart[j]] : dotOf(gradients[i][k], supportOf(supports, i, k), gradients[j][k], supportOf(supports, j, k));
      }
    }
  }
  // Computed once and mirrored: the matrix is symmetric exactly, not merely up to rounding.
  for (let i = 0; i < T; i++) for (let j = 0; j < i; j++) gram[i][j] = gram[j][i];
  return gram;
}

function supportOf(supports: readonly (readonly Uint32Array[] | undefined)[] | undefined, t: number, k: number): Uint32Array | undefined {
  const s = supports?.[t];
  return s === undefined ? undefined : s[k];
}

function dotOf(a: Float32Array, sa: Uint32Array | undefined, b: Float32Array, sb: Uint32Array | undefined): number {
  let sum = 0;
  if (sa !== undefined && sb !== undefined) {
    // Both sparse: the product is non-zero only where the supports meet; merging is O(k_a + k_b).
    let p = 0;
    let q = 0;
    while (p < sa.length && q < sb.length) {
      const x = sa[p];
      const y = sb[q];
      if (x < y) p++;
      else if (y < x) q++;
      else {
        sum += a[x] * b[x];
        p++;
        q++;
      }
    }
  } else if (sa !== undefined) {
    for (let p = 0; p < sa.length; p++) sum += a[sa[p]] * b[sa[p]];
  } else if (sb !== undefined) {
    for (let q = 0; q < sb.length; q++) sum += a[sb[q]] * b[sb[q]];
  } else {
    for (let x = 0; x < a.length; x++) sum += a[x] * b[x];
  }
  return sum;
}

/** g . h_i over every shared tensor for each of `others`, read at the supports where given (as gramOf
 *  reads them): what a follower shard reports of a new push against those it holds. */
export function dotsWith(
  gradient: readonly Float32Array[],
  support: readonly Uint32Array[] | undefined,
  others: readonly { gradient: readonly Float32Array[]; support?: readonly Uint32Array[] }[],
): number[] {
  return others.map((o) => gradient.reduce((sum, g, k) => sum + dotOf(g, support?.[k], o.gradient[k], o.support?.[k]), 0));
}

/** Adds a shard's partial Gram into the running total (the Gram of W is the sum over its slices'). */
export function addGram(into: Gram, part: Gram): void {
  if (part.length !== into.length) throw new Error(`addGram: a ${part.length}-task Gram added to a ${into.length}-task one`);
  for (let i = 0; i < into.length; i++) {
    if (part[i].length !== into[i].length) throw new Error(`addGram: row ${i} has ${part[i].length} entries, the total's has ${into[i].length}`);
    for (let j = 0; j < into[i].length; j++) into[i][j] += part[i][j];
  }
}

/** Relative tolerance on G_ij = G_ji: what float64 rounding can leave after summing shards. */
const SYMMETRY_TOLERANCE = 1e-9;

/**
 * Throws an Error naming what is wrong if `g` cannot be the Gram matrix of T gradients: not T x T, an
 * entry NaN or infinite, a negative diagonal entry (a squared norm), or G_ij and G_ji further apart than
 * 1e-9 relative. The scale of that tolerance includes sqrt(G_ii G_jj), the bound on |G_ij|: a pair of
 * nearly orthogonal gradients has a tiny G_ij whose rounding is relative to the norms, not to itself.
 */
export function checkGram(g: readonly (readonly number[])[], T: number = g.length): void {
  if (g.length !== T) throw new RangeError(`Gram matrix is not ${T} x ${T}: it has ${g.length} rows`);
  for (let i = 0; i < T; i++) {
    if (g[i].length !== T) throw new RangeError(`Gram matrix is not square: row ${i} has ${g[i].length} entries, expected ${T}`);
  }
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      if (!Number.isFinite(g[i][j])) throw new RangeError(`Gram matrix entry [${i}][${j}] is not finite: ${g[i][j]}`);
    }
    if (g[i][i] < 0) throw new RangeError(`Gram matrix diagonal entry [${i}][${i}] is negative (${g[i][i]}); it is a squared norm`);
  }
  for (let i = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++) {
      const scale = Math.max(Math.abs(g[i][j]), Math.abs(g[j][i]), Math.sqrt(g[i][i] * g[j][j]));
      if (Math.abs(g[i][j] - g[j][i]) > SYMMETRY_TOLERANCE * scale) throw new RangeError(`Gram matrix is not symmetric: [${i}][${j}] = ${g[i][j]} but [${j}][${i}] = ${g[j][i]}`);
    }
  }
}
