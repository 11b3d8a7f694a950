// The arithmetic both weight arenas share beyond the SIMD kernels: the sparse sum of a step whose terms
// all have supports, and the dot product's tail. Both arenas compute the same bits; these pieces are
// written once so that they cannot drift apart.
import type { WeightedTerm } from './weight-arena.js';

/** Entries of a gradient staged at once: 2 x 64 KiB of staging stays in L2 next to the block of W. Also
 *  the block of the dot product, whose block sums both arenas add in the same order. */
export const BLOCK = 16384;

export function checkDotOperands(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`dot: ${a.length} entries against ${b.length}`);
}

/**
 * Every pair's dot product of `vectors` (one length), blocks outermost: a block of every vector stays in
 * cache while all pairs read it. `whole(a, b, from, to)` sums a block's entries [from, to), a multiple of
 * four of them, in four float32 lanes (the arena's kernel or its JavaScript twin); the entries past it are
 * added one by one, and each pair's block sums in block order.
 */
export function blockGram(vectors: readonly Float32Array[], whole: (a: Float32Array, b: Float32Array, from: number, to: number) => number): number[][] {
  const T = vectors.length;
  const n = T > 0 ? vectors[0].length : 0;
  for (const v of vectors) checkDotOperands(vectors[0], v);
  const gram = Array.from({ length: T }, () => new Array<number>(T).fill(0));
  for (let from = 0; from < n; from += BLOCK) {
    for (let i = 0; i < T; i++) {
      for (let j = i; j < T; j++) gram[i][j] += blockSum(vectors[i], vectors[j], from, whole);
    }
  }
  for (let i = 0; i < T; i++) for (let j = 0; j < i; j++) gram[i][j] = gram[j][i];
  return gram;
}

/** One pair's dot product as blockGram computes it, without the other pairs. */
export function blockDot(a: Float32Array, b: Float32Array, whole: (a: Float32Array, b: Float32Array, from: number, to: number) => number): number {
  checkDotOperands(a, b);
  let total = 0;
  for (let from = 0; from < a.length; from += BLOCK) total += blockSum(a, b, from, whole);
  return total;
}

/** The block of a and b from `from`: its whole groups of four through `whole`, the rest one by one. */
function blockSum(a: Float32Array, b: Float32Array, from: number, whole: (a: Float32Array, b: Float32Array, from: number, to: number) => number): number {
  const to = Math.min(a.length, from + BLOCK);
  const end = from + ((to - from) & ~3);
  return dotTail(end > from ? whole(a, b, from, end) : 0, a, b, end, to);
}

/** A block's sum with its entries past the last multiple of four added one by one (float32 products). */
function dotTail(sum: number, a: Float32Array, b: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) sum += Math.fround(a[i] * b[i]);
  return sum;
}

/** Whether the step can add its terms entry by entry from their supports. */
export function sparseTerms(terms: readonly WeightedTerm[]): boolean {
  return terms.every((term) => term.support !== undefined);
}

/**
 * Adds the terms' entries in [from, to) of tensor t into out[base + i - from], zeroed by the caller, term
 * by term, each rounded to float32 as the dense sum rounds it; cursors[k] is where term k's indices of t
 * resume (0 at a tensor's first block). A supported entry that is zero (an F16 value rounded to 0) counts
 * as not sent, as coordinator/held-back.ts counts it: the sum's zeros are then +0 where a dense sum of
 * signed zeros may leave -0, the one way in which the two differ.
 */
export function scatterTerms(out: Float32Array, base: number, t: number, from: number, to: number, terms: readonly WeightedTerm[], cursors: number[]): void {
  for (let k = 0; k < terms.length; k++) {
    const indices = terms[k].support![t];
    const g = terms[k].gradient[t];
    const w = terms[k].weight;
    let c = cursors[k];
    for (; c < indices.length && indices[c] < to; c++) {
      const i = indices[c];
      const gi = g[i];
      if (gi !== 0) out[base + i - from] += w * gi;
    }
    cursors[k] = c;
  }
}
