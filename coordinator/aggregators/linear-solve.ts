// Gaussian elimination with partial pivoting for the small (T x T at most) systems that Gram-based
// multi-task methods solve. A module of its own because it is not IMTL-G's alone: the other methods of
// this folder that weigh tasks through a linear system (and their tests) solve with the same code.

/** Thrown when a pivot is too small relative to the matrix to divide by: the system has no unique solution. */
export class SingularSystemError extends Error {
  constructor(
    message: string,
    /** The elimination step (column) at which no usable pivot was left. */
    readonly column: number,
  ) {
    super(message);
    this.name = 'SingularSystemError';
  }
}

/** Relative to the largest |entry| of A: rounding in float64 leaves about 1e-16 there, so a pivot below 1e-12 is noise. */
const PIVOT_TOLERANCE = 1e-12;

/** Solves A x = b (A n x n). Neither input is changed. Throws SingularSystemError if A is singular. */
export function solveLinear(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a.length;
  if (b.length !== n) throw new Error(`solveLinear: A has ${n} rows but b has ${b.length} entries`);
  const m = a.map((row, i) => {
    if (row.length !== n) throw new Error(`solveLinear: A is not square: row ${i} has ${row.length} entries, expected ${n}`);
    return [...row, b[i]];
  });
  let scale = 0;
  for (const row of a) for (const v of row) scale = Math.max(scale, Math.abs(v));
  if (!Number.isFinite(scale)) throw new Error('solveLinear: A has an entry that is not finite');
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    const p = m[pivot][col];
    if (!(Math.abs(p) > PIVOT_TOLERANCE * scale))
      throw new SingularSystemError(`the ${n} x ${n} system is singular: no pivot above ${PIVOT_TOLERANCE} x max|A| in column ${col} (best ${p})`, col);
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / p;
      if (f === 0) continue;
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}
