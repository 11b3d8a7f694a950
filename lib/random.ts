// Seeded randomness: the same seed and stream name give the same numbers on every machine, so a worker
// and the coordinator (or two runs) draw the same initial weights, data splits and batch orders without
// shipping them. Every random choice draws from its own named stream, so adding a draw to one never
// shifts another.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

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

export class Random {
  private constructor(private readonly rng: RandomGenerator) {}

  /** The stream `name` of `seed`. Any safe integer seed works (run seeds are not limited to 32 bits). */
  static stream(seed: number, name: string): Random {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) | 0;
    let h = mix32(mix32(lo ^ 0x9e3779b9) ^ hi);
    for (let i = 0; i < name.length; i++) h = mix32(h ^ name.charCodeAt(i));
    const rng = xoroshiro128plus(h);
    // The first outputs of a freshly seeded xoroshiro carry little of the seed's entropy.
    for (let i = 0; i < 16; i++) rng.next();
    return new Random(rng);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  /** Fills `out` with independent N(0, std^2) draws (Box-Muller, a pair per two entries). */
  fillGaussian(out: Float32Array, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - uniformFloat64(this.rng); // in (0, 1]: log(u1) is finite
      const u2 = uniformFloat64(this.rng);
      const r = std * Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** Fisher-Yates shuffle of `arr` in place. */
  shuffle(arr: Int32Array): Int32Array {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = uniformInt(this.rng, 0, i);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
