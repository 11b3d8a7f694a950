// Shared by the encodings-*.test.ts files: seeded, NaN-free test values across the whole float32 range,
// payload manglers, and the check that a payload is refused for the right reason.
import { expect } from 'vitest';
import { EncodingError } from '../../compression/encodings/index.js';
import { Random } from '../../lib/random.js';
import { expectRefusal } from './refusals.js';

/** A seeded uniform source in [0, 1), for reproducible stochastic rounding. */
export function seededUniform(seed: number): () => number {
  const random = Random.stream(seed, 'test/uniform');
  return () => random.uniform();
}

export const F32_MAX = 3.4028234663852886e38;

/** Values every encoding must survive: zeros, subnormals, the F16 edges, huge and tiny magnitudes. */
export const SPECIAL_VALUES = [0, -0, 1e-40, -1e-40, 1.4e-45, 2 ** -25, 3 * 2 ** -26, 2 ** -24, 2 ** -14, 6e-8, 1, -1, 0.1, 65504, 65519, 65520, -1e5, 1e30, -3e38, F32_MAX, -F32_MAX];

/**
 * n values: a tenth special, a third gradient-like (about 1e-3), a sixth zero, the rest with a
 * uniformly random exponent over the whole float32 range (subnormals included).
 */
export function mixedValues(n: number, seed: number): Float32Array {
  const random = seededUniform(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = random();
    const sign = random() < 0.5 ? -1 : 1;
    if (r < 0.1) v[i] = SPECIAL_VALUES[Math.floor(random() * SPECIAL_VALUES.length)];
    else if (r < 0.43) v[i] = sign * gaussian(random) * 1e-3;
    else if (r < 0.6) v[i] = 0;
    else v[i] = sign * (1 + random()) * 2 ** (Math.floor(random() * 276) - 149);
  }
  return v;
}

/** n gradient-like values: normal with a per-entry scale spread over two decades. */
export function gradientValues(n: number, seed: number): Float32Array {
  const random = seededUniform(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = gaussian(random) * 10 ** (-4 + 2 * random());
  return v;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** The next float32 above / below x (x finite, below the largest float32). */
export function nextUp(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  if (x === 0) bits[0] = 1;
  else if (x > 0) bits[0]++;
  else bits[0]--;
  return f[0];
}
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** Every byte-prefix of a payload shorter than it. */
export function* prefixes(payload: Uint8Array): Generator<Uint8Array> {
  for (let length = 0; length < payload.length; length++) yield payload.subarray(0, length);
}

/** The same bytes at an odd offset of a larger buffer, to exercise unaligned decoding. */
export function misaligned(payload: Uint8Array): Uint8Array {
  const holder = new Uint8Array(payload.length + 1);
  holder.set(payload, 1);
  return holder.subarray(1);
}

/** Expects `f` to throw an EncodingError with this reason and a message matching `pattern`. */
export function encodingError(f: () => unknown, reason: string, pattern: RegExp): void {
  expect(expectRefusal(EncodingError, f, pattern).reason).toBe(reason);
}

/** A TOPK payload for `count` entries that keeps k = 1 value whose index is `count`: one past the end. */
export function topkIndexPastEnd(count: number): Uint8Array {
  const out = new Uint8Array(12 + 4 + 5);
  const view = new DataView(out.buffer);
  view.setUint8(0, 3);
  view.setUint32(4, count, true);
  view.setUint32(8, 1, true);
  view.setFloat32(12, 0.5, true);
  let n = count;
  let at = 16;
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
  return out.subarray(0, at);
}
