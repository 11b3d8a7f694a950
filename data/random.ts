// Seeded randomness for the data layer. Every random choice (splits, subsets, permutations, teachers,
// batch order) draws from its own named stream, so adding a draw to one never shifts another.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export type { RandomGenerator };

// A 32-bit avalanche (lowbias32): nearby seeds must give unrelated generator states, because
// xoroshiro128plus seeded with small consecutive integers starts out visibly correlated.
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h | 0;
}

/** A generator for `(seed, stream)`. Any safe integer seed works (config seeds are not limited to 32 bits). */
export function createRng(seed: number, stream: string): RandomGenerator {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) | 0;
  let h = mix32(mix32(lo ^ 0x9e3779b9) ^ hi);
  for (let i = 0; i < stream.length; i++) h = mix32(h ^ stream.charCodeAt(i));
  const rng = xoroshiro128plus(h);
  // The first outputs of a freshly seeded xoroshiro carry little of the seed's entropy.
  for (let i = 0; i < 16; i++) rng.next();
  return rng;
}

/** Uniform integer in [from, to], both included. */
export function randomInt(rng: RandomGenerator, from: number, to: number): number {
  return uniformInt(rng, from, to);
}

/** Uniform float in [0, 1). */
export function randomFloat(rng: RandomGenerator): number {
  return uniformFloat64(rng);
}

/** Fills `out` with independent N(0, std^2) draws (Box-Muller). */
export function fillGaussian(rng: RandomGenerator, out: Float32Array, std = 1): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - uniformFloat64(rng); // in (0, 1]: log(u1) is finite
    const u2 = uniformFloat64(rng);
    const r = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Fisher-Yates shuffle of `arr` in place. */
export function shuffleInPlace(rng: RandomGenerator, arr: Int32Array): Int32Array {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

/** A uniformly random permutation of 0..n-1. */
export function randomPermutation(rng: RandomGenerator, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(rng, p);
}
