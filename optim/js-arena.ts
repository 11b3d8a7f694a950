// The weight arena in JavaScript (optim/weight-arena.ts): where the host has no WebAssembly or the sizes
// pass a 32-bit memory. The same arithmetic as the SIMD kernels, in float64 rounded to float32 at each
// store in the same order, so both arenas give the same bits.
import { allFinite } from '../lib/finite.js';
import { blockDot, blockGram, scatterTerms, sparseTerms } from './arena-arithmetic.js';
import type { ArenaLayout, WeightArena, WeightedTerm } from './weight-arena.js';

export class JsArena implements WeightArena {
  readonly kind = 'js';
  readonly params: Float32Array[];
  readonly slots: Float32Array[][];
  readonly pushBuffers: Float32Array[][];
  readonly second: Float32Array[] | null;
  readonly mirror: { tensors: Float32Array[]; delta: Float32Array[] } | null;
  /** The weighted sum of a round's terms; made on first need. */
  private sum: Float32Array[] | null = null;

  constructor(
    readonly sizes: readonly number[],
    layout: ArenaLayout,
  ) {
    const region = (): Float32Array[] => sizes.map((n) => new Float32Array(n));
    this.params = region();
    this.slots = Array.from({ length: layout.slots }, region);
    this.pushBuffers = Array.from({ length: layout.pushBuffers ?? 0 }, region);
    this.second = layout.second ? region() : null;
    this.mirror = layout.mirror ? { tensors: region(), delta: region() } : null;
  }

  allFinite(values: Float32Array): boolean {
    return allFinite(values);
  }

  dot(a: Float32Array, b: Float32Array): number {
    return blockDot(a, b, wholeBlock);
  }

  gram(vectors: readonly Float32Array[]): number[][] {
    return blockGram(vectors, wholeBlock);
  }

  /** W minus the mirror, as the wasm kernel computes it (the float64 difference, rounded once). */
  private writeDelta(): void {
    if (!this.mirror) return;
    this.params.forEach((p, t) => {
      const m = this.mirror!.tensors[t];
      const d = this.mirror!.delta[t];
      for (let i = 0; i < p.length; i++) d[i] = p[i] - m[i];
    });
  }

  /** sum_k w_k g_k, rounded to float32 after each term; a single dense term of weight 1 is its gradient. */
  private weightedSum(terms: readonly WeightedTerm[]): Float32Array[] {
    if (sparseTerms(terms)) {
      const sum = (this.sum ??= this.sizes.map((n) => new Float32Array(n)));
      sum.forEach((o, t) => {
        o.fill(0);
        scatterTerms(o, 0, t, 0, o.length, terms, new Array<number>(terms.length).fill(0));
      });
      return sum;
    }
    if (terms.length === 1 && terms[0].weight === 1) return terms[0].gradient as Float32Array[];
    const sum = (this.sum ??= this.sizes.map((n) => new Float32Array(n)));
    // Plain loops, the first term assigning rather than adding to a zeroed output: on millions of
    // entries per tensor, the number of passes is what costs.
    for (let t = 0; t < sum.length; t++) {
      const o = sum[t];
      for (let k = 0; k < terms.length; k++) {
        const g = terms[k].gradient[t];
        const w = terms[k].weight;
        if (k === 0) for (let i = 0; i < o.length; i++) o[i] = w * g[i];
        else for (let i = 0; i < o.length; i++) o[i] += w * g[i];
      }
    }
    return sum;
  }

  sgd(terms: readonly WeightedTerm[], lr: number, mu: number): void {
    const grads = this.weightedSum(terms);
    for (let t = 0; t < this.params.length; t++) {
      const p = this.params[t];
      const g = grads[t];
      const m = this.slots[0][t];
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 store rounds them: bit-identical to re-reading m[i].
        const mi = Math.fround(mu * m[i] + g[i]);
        m[i] = mi;
        p[i] -= lr * mi;
      }
    }
    this.writeDelta();
  }

  adam(terms: readonly WeightedTerm[], lr: number, beta1: number, beta2: number, epsilon: number, second: boolean): void {
    if (second && !this.second) throw new Error('weight arena: this arena has no second-moment input');
    const grads = this.weightedSum(terms);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let t = 0; t < this.params.length; t++) {
      const p = this.params[t];
      const g = grads[t];
      const m = this.slots[0][t];
      const v = this.slots[1][t];
      const s = second ? this.second![t] : g;
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 stores round them: bit-identical to re-reading m[i] and v[i].
        const gi = g[i];
        const si = s[i];
        const mi = Math.fround(beta1 * m[i] + c1 * gi);
        const vi = Math.fround(beta2 * v[i] + c2 * si * si);
        m[i] = mi;
        v[i] = vi;
        p[i] -= (lr * mi) / (Math.sqrt(vi) + epsilon);
      }
    }
    this.writeDelta();
  }
}

/** The JavaScript twin of the dot kernel over a block's whole groups of four: four float32 lanes. */
function wholeBlock(a: Float32Array, b: Float32Array, from: number, whole: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = from; i < whole; i += 4) {
    s0 = Math.fround(s0 + Math.fround(a[i] * b[i]));
    s1 = Math.fround(s1 + Math.fround(a[i + 1] * b[i + 1]));
    s2 = Math.fround(s2 + Math.fround(a[i + 2] * b[i + 2]));
    s3 = Math.fround(s3 + Math.fround(a[i + 3] * b[i + 3]));
  }
  return s0 + s1 + (s2 + s3);
}
