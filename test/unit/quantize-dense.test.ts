// Dense quantised encodings (model/quantize.ts): round trips on seeded random weights with zeros,
// float32 subnormals, large values and all-equal channels/groups, each within its stated error bound;
// the bounds checked against their definitions and against the errors actually reached; the byte
// layouts and tie rule on hand-worked examples; and the inputs and byte strings that must be refused.
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/random.js';
import { decodeDense, denseErrorBound, denseLength, encodeDense, QuantizeError, type DenseEncoding } from '../../model/quantize.js';
import { expectRefusal } from '../support/refusals.js';

const F32_MAX = 3.4028234663852886e38;
const ENCODINGS: DenseEncoding[] = ['f32', 'f16', 'int8', 'int4'];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The entries sharing one scale, computed here from the documented layout rather than taken from the module. */
function blocksOf(shape: readonly number[], encoding: DenseEncoding, group: number): number[][] {
  const n = sizeOf(shape);
  const blocks: number[][] = [];
  if (encoding === 'int4') {
    for (let start = 0; start < n; start += group) blocks.push(Array.from({ length: Math.min(group, n - start) }, (_, j) => start + j));
  } else {
    const channels = shape.length >= 2 ? shape[shape.length - 1] : 1;
    for (let c = 0; c < channels; c++) blocks.push(Array.from({ length: n / channels }, (_, j) => j * channels + c));
  }
  return blocks;
}

const subnormal = (r: Random): number => (r.uniform() < 0.5 ? -1 : 1) * r.int(1, 2 ** 23 - 1) * 2 ** -149;

/**
 * Gaussian weights with a tenth zeros, a twentieth float32 subnormals and a few large values; then the
 * first blocks replaced: all zeros, all equal, all subnormal, all equal and negative, and one holding
 * `large` (for int8/int4 blocks are channels/groups, for f32/f16 the channels).
 */
function weights(shape: readonly number[], encoding: DenseEncoding, group: number, seed: number): Float32Array {
  const r = Random.stream(seed, `test/quantize-dense/${encoding}/${shape.join('x')}/${group}`);
  const large = encoding === 'f16' ? 65504 : F32_MAX;
  const v = r.fillGaussian(new Float32Array(sizeOf(shape)), 0.05);
  for (let i = 0; i < v.length; i++) {
    const u = r.uniform();
    if (u < 0.1) v[i] = 0;
    else if (u < 0.15) v[i] = subnormal(r);
    else if (u < 0.16) v[i] = (r.uniform() - 0.5) * (encoding === 'f16' ? 1e5 : 1e30);
  }
  const blocks = blocksOf(shape, encoding === 'int4' ? 'int4' : 'int8', group);
  const plant: ((i: number) => number)[] = [() => 0, () => 0.3125, () => subnormal(r), () => -1.7, (i) => (i % 3 === 0 ? -large : r.uniform())];
  for (let b = 0; b < Math.min(plant.length, blocks.length); b++) for (const i of blocks[b]) v[i] = plant[b](i);
  return v;
}

/** Encodes and decodes, checking everything that holds for every encoding; returns what the detailed checks need. */
function roundTrip(values: Float32Array, shape: readonly number[], encoding: DenseEncoding, group?: 32 | 64) {
  const bytes = encodeDense(values, shape, encoding, group);
  expect(bytes.length).toBe(denseLength(shape, encoding, group));
  const decoded = decodeDense(bytes, shape, encoding, group);
  const bound = denseErrorBound(values, shape, encoding, group);
  expect(decoded.length).toBe(values.length);
  expect(bound.length).toBe(values.length);
  const outside: string[] = [];
  const zerosMoved: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const error = Math.abs(decoded[i] - values[i]);
    if (!(error <= bound[i])) outside.push(`${i}: ${values[i]} -> ${decoded[i]}, bound ${bound[i]}`);
    if (values[i] === 0 && decoded[i] !== 0) zerosMoved.push(i);
  }
  expect(outside).toEqual([]);
  expect(zerosMoved).toEqual([]);
  for (const block of blocksOf(shape, encoding === 'int4' ? 'int4' : 'int8', group ?? 32)) {
    if (block.every((i) => values[i] === values[block[0]])) expect(new Set(block.map((i) => decoded[i])).size).toBeLessThanOrEqual(1);
  }
  return { bytes, decoded, bound };
}

const SHAPES: number[][] = [[], [1000], [37, 24], [3, 3, 4, 8], [99]];

describe('round trips on random data with zeros, subnormals, large values and all-equal blocks', () => {
  for (const encoding of ENCODINGS) {
    for (const shape of SHAPES) {
      const groups: (32 | 64 | undefined)[] = encoding === 'int4' ? [32, 64] : [undefined];
      for (const group of groups) {
        it(`${encoding} [${shape}]${group ? ` group ${group}` : ''}`, () => {
          const values = weights(shape, encoding, group ?? 32, 7);
          const { decoded } = roundTrip(values, shape, encoding, group);
          if (encoding === 'f32') {
            expect(new Uint32Array(decoded.buffer, decoded.byteOffset, decoded.length)).toEqual(new Uint32Array(values.buffer));
          }
        });
      }
    }
  }

  it('covers lengths that are not a multiple of the group, and an odd length', () => {
    for (const n of [1, 31, 33, 63, 65, 99, 1000]) {
      for (const group of [32, 64] as const) {
        const values = weights([n], 'int4', group, n);
        const { bytes } = roundTrip(values, [n], 'int4', group);
        expect(bytes.length).toBe(Math.ceil(n / group) * 4 + Math.ceil(n / 2));
      }
    }
  });

  it('keeps an empty tensor empty', () => {
    for (const encoding of ENCODINGS) {
      const { bytes, decoded } = roundTrip(new Float32Array(0), [0, 8], encoding);
      expect(decoded.length).toBe(0);
      expect(bytes.length).toBe(encoding === 'int8' ? 32 : 0);
    }
  });
});

describe('error bounds', () => {
  it('f32: zero', () => {
    const values = weights([37, 24], 'f32', 32, 1);
    expect(Array.from(denseErrorBound(values, [37, 24], 'f32')).every((b) => b === 0)).toBe(true);
  });

  it('int8: half a step, max|channel| / 254, and reached', () => {
    const shape = [200, 16];
    const values = Random.stream(2, 'test/quantize-dense/int8-tight').fillGaussian(new Float32Array(3200));
    const { decoded, bound } = roundTrip(values, shape, 'int8');
    for (const channel of blocksOf(shape, 'int8', 0)) {
      const expected = Math.max(...channel.map((i) => Math.abs(values[i]))) / 254;
      const worst = Math.max(...channel.map((i) => Math.abs(decoded[i] - values[i])));
      for (const i of channel) expect(Math.abs(bound[i] / expected - 1)).toBeLessThan(1e-4);
      expect(worst / expected).toBeGreaterThan(0.9);
    }
  });

  it('int4: half a step, max|group| / 14, and reached', () => {
    for (const group of [32, 64] as const) {
      const values = Random.stream(3, 'test/quantize-dense/int4-tight').fillGaussian(new Float32Array(64 * 50 + 10));
      const { decoded, bound } = roundTrip(values, [values.length], 'int4', group);
      let worstRatio = 0;
      for (const block of blocksOf([values.length], 'int4', group)) {
        const expected = Math.max(...block.map((i) => Math.abs(values[i]))) / 14;
        for (const i of block) {
          expect(Math.abs(bound[i] / expected - 1)).toBeLessThan(1e-4);
          worstRatio = Math.max(worstRatio, Math.abs(decoded[i] - values[i]) / expected);
        }
      }
      expect(worstRatio).toBeGreaterThan(0.95);
    }
  });

  it('f16: 2^-11 relative plus 2^-25, and reached', () => {
    const r = Random.stream(4, 'test/quantize-dense/f16-tight');
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = (r.uniform() < 0.5 ? -1 : 1) * 2 ** (r.uniform() * 39 - 24);
    const { decoded, bound } = roundTrip(values, [values.length], 'f16');
    let worstNormal = 0;
    let worstSubnormal = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]);
      const expected = a * 2 ** -11 + 2 ** -25;
      expect(Math.abs(bound[i] / expected - 1)).toBeLessThan(2 ** -23);
      const error = Math.abs(decoded[i] - values[i]);
      if (a >= 2 ** -14) worstNormal = Math.max(worstNormal, error / (a * 2 ** -11));
      else worstSubnormal = Math.max(worstSubnormal, error / 2 ** -25);
    }
    expect(worstNormal).toBeGreaterThan(0.9);
    expect(worstSubnormal).toBeGreaterThan(0.9);
  });
});

describe('layouts and rounding', () => {
  it('int8: per output channel scales first, then the values; ties away from zero', () => {
    const values = new Float32Array([1, -2, 0, 127, 0.5, 0, 2.5, 1.5, 0, -0.5, -1, 0]);
    const bytes = encodeDense(values, [4, 3], 'int8');
    const scales = new Float32Array(bytes.slice(0, 12).buffer);
    expect(scales[0]).toBe(1);
    expect(127 * scales[1]).toBeGreaterThanOrEqual(2);
    expect(Math.abs(scales[1] / (2 / 127) - 1)).toBeLessThan(2 ** -22);
    expect(scales[2]).toBe(0);
    const q = Array.from(new Int8Array(bytes.slice(12).buffer));
    expect(q).toEqual([1, -127, 0, 127, Math.round(0.5 / scales[1]), 0, 3, Math.round(1.5 / scales[1]), 0, -1, -Math.round(1 / scales[1]), 0]);
    const decoded = decodeDense(bytes, [4, 3], 'int8');
    expect(Array.from(decoded.filter((_, i) => i % 3 === 0))).toEqual([1, 127, 3, -1]);
  });

  it('int8 on rank 0 and 1: a single scale', () => {
    expect(denseLength([], 'int8')).toBe(5);
    const values = new Float32Array([127, 0.5, 1.5, 2.5, -0.5, -2.5, -126.5]);
    const bytes = encodeDense(values, [7], 'int8');
    expect(new Float32Array(bytes.slice(0, 4).buffer)[0]).toBe(1);
    expect(Array.from(new Int8Array(bytes.slice(4).buffer))).toEqual([127, 1, 2, 3, -1, -3, -127]);
  });

  it('int4: a scale per group of consecutive entries, low nibble first, ties away from zero, zero padding', () => {
    const values = new Float32Array([7, -7, 0.5, -0.5, 3, 2.5, -1.5]);
    const bytes = encodeDense(values, [7], 'int4', 32);
    expect(Array.from(bytes)).toEqual([0, 0, 0x80, 0x3f, 0x97, 0xf1, 0x33, 0x0e]);
    expect(Array.from(decodeDense(bytes, [7], 'int4', 32))).toEqual([7, -7, 1, -1, 3, 3, -2]);
    // Row-major groups ignore the shape: [2, 40] in groups of 32 has three scales, the last over 16 entries.
    const grid = new Float32Array(80).map((_, i) => (i < 32 ? 7 : i < 64 ? 14 : 70));
    const scales = new Float32Array(encodeDense(grid, [2, 40], 'int4', 32).slice(0, 12).buffer);
    expect(Array.from(scales)).toEqual([1, 2, 10]);
    expect(denseLength([2, 40], 'int4')).toBe(12 + 40);
    expect(denseLength([2, 40], 'int4', 64)).toBe(8 + 40);
  });

  it('f16: IEEE half patterns, 65504 the largest accepted', () => {
    const bytes = encodeDense(new Float32Array([1, -2, 65504, -65504, 2 ** -24]), [5], 'f16');
    expect(Array.from(new Uint16Array(bytes.buffer))).toEqual([0x3c00, 0xc000, 0x7bff, 0xfbff, 0x0001]);
  });

  it('denseLength', () => {
    expect(denseLength([1000], 'f32')).toBe(4000);
    expect(denseLength([1000], 'f16')).toBe(2000);
    expect(denseLength([3, 3, 4, 8], 'int8')).toBe(8 * 4 + 288);
    expect(denseLength([1000], 'int4')).toBe(32 * 4 + 500);
    expect(denseLength([1000], 'int4', 64)).toBe(16 * 4 + 500);
    expect(denseLength([99], 'int4', 64)).toBe(2 * 4 + 50);
    expect(denseLength([], 'f32')).toBe(4);
  });
});

const refused = (f: () => unknown, message: RegExp): QuantizeError => expectRefusal(QuantizeError, f, message);

describe('refusals', () => {
  it('f16 refuses values beyond 65504, naming the value and index', () => {
    const values = new Float32Array(10).fill(1);
    values[5] = 65505;
    refused(() => encodeDense(values, [10], 'f16'), /65505 at index 5.*65504/);
    refused(() => denseErrorBound(values, [10], 'f16'), /65505 at index 5/);
    values[5] = -1e6;
    refused(() => encodeDense(values, [2, 5], 'f16'), /-1000000 at index 5/);
    // The other encodings take it.
    for (const encoding of ['f32', 'int8', 'int4'] as const) roundTrip(values, [2, 5], encoding);
  });

  it('every encoder refuses non-finite values, a wrong count and a bad group', () => {
    for (const encoding of ENCODINGS) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const values = new Float32Array(8);
        values[6] = bad;
        refused(() => encodeDense(values, [8], encoding), new RegExp(`${bad} at index 6`));
        refused(() => denseErrorBound(values, [8], encoding), /index 6/);
      }
      refused(() => encodeDense(new Float32Array(8), [3, 3], encoding), /8 values for shape \[3,3\]/);
      refused(() => denseLength([2, -1], encoding), /dimension -1/);
    }
    refused(() => encodeDense(new Float32Array(8), [8], 'int4', 16 as unknown as 32), /group 16/);
  });

  it('every decoder refuses a wrong length', () => {
    for (const encoding of ENCODINGS) {
      for (const shape of [[1000], [37, 24], [3, 3, 4, 8], [99]]) {
        const bytes = encodeDense(weights(shape, encoding, 32, 9), shape, encoding);
        refused(() => decodeDense(bytes.subarray(0, bytes.length - 1), shape, encoding), new RegExp(`${bytes.length - 1} bytes.*takes ${bytes.length}`));
        const longer = new Uint8Array(bytes.length + 1);
        longer.set(bytes);
        refused(() => decodeDense(longer, shape, encoding), new RegExp(`${bytes.length + 1} bytes`));
      }
    }
    // The group is part of the length: bytes written in groups of 32 do not decode in groups of 64.
    const bytes = encodeDense(new Float32Array(128).fill(1), [128], 'int4', 32);
    refused(() => decodeDense(bytes, [128], 'int4', 64), /group 64/);
  });

  it('decoders refuse non-finite or negative scales and out-of-range codes', () => {
    const values = Random.stream(5, 'test/quantize-dense/refuse').fillGaussian(new Float32Array(96));
    for (const [encoding, shape] of [
      ['int8', [12, 8]],
      ['int4', [96]],
    ] as const) {
      const bytes = encodeDense(values, shape, encoding);
      for (const scale of [NaN, Infinity, -1]) {
        const bad = bytes.slice();
        new DataView(bad.buffer).setFloat32(4, scale, true);
        refused(() => decodeDense(bad, shape, encoding), new RegExp(`scale 1 is ${scale}`));
      }
    }
    const int8 = encodeDense(values, [12, 8], 'int8');
    int8[32 + 5] = 0x80;
    refused(() => decodeDense(int8, [12, 8], 'int8'), /-128 at index 5/);
    const int4 = encodeDense(values, [96], 'int4');
    int4[12 + 3] = (int4[12 + 3] & 0x0f) | 0x80;
    refused(() => decodeDense(int4, [96], 'int4'), /-8 at index 7/);
    const odd = encodeDense(new Float32Array([1, 2, 3]), [3], 'int4');
    odd[5] |= 0x10;
    refused(() => decodeDense(odd, [3], 'int4'), /padding nibble/);
  });

  it('float decoders refuse non-finite values', () => {
    const f32 = encodeDense(new Float32Array(4), [4], 'f32');
    new DataView(f32.buffer).setFloat32(8, NaN, true);
    refused(() => decodeDense(f32, [4], 'f32'), /NaN at index 2/);
    const f16 = encodeDense(new Float32Array(4), [4], 'f16');
    new DataView(f16.buffer).setUint16(6, 0x7c00, true);
    refused(() => decodeDense(f16, [4], 'f16'), /0x7c00.*index 3/);
  });

  it('decodes from unaligned bytes without aliasing them', () => {
    for (const encoding of ENCODINGS) {
      const values = weights([37, 24], encoding, 32, 11);
      const bytes = encodeDense(values, [37, 24], encoding);
      const shifted = new Uint8Array(bytes.length + 1).subarray(1);
      shifted.set(bytes);
      const decoded = decodeDense(shifted, [37, 24], encoding);
      expect(decoded).toEqual(decodeDense(bytes, [37, 24], encoding));
      expect(decoded.buffer).not.toBe(shifted.buffer);
    }
  });
});
