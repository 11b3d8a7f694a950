// TOPK: the kept set is the top-k by magnitude, values exact (F32) or F16-bounded, zero elsewhere;
// the smaller index format is chosen; malformed payloads are refused.
import { describe, expect, it } from 'vitest';
import { decodeValues, EncodingError, encodeValues, encodeWithSent, type EncodeOptions } from '../../compression/encodings/index.js';
import { encodingError, misaligned, mixedValues, prefixes } from '../support/encodings.js';

const HEADER = 12;

/** The reference selection: sort by magnitude (ties to the lower index), keep k non-zeros. */
function referenceTopk(values: Float32Array, k: number): number[] {
  const order = Array.from(values.keys()).filter((i) => values[i] !== 0);
  order.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

function nonZeroIndices(v: Float32Array): number[] {
  return Array.from(v.keys()).filter((i) => v[i] !== 0);
}

function varintLength(v: number): number {
  let length = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    length++;
  }
  return length;
}

/** A TOPK payload built by hand: header fields, value bytes and index bytes as given. */
function handmade(fields: { id?: number; flags?: number; reserved?: number; count: number; k: number }, values: Uint8Array, indices: number[]): Uint8Array {
  const payload = new Uint8Array(HEADER + values.length + indices.length);
  const view = new DataView(payload.buffer);
  view.setUint8(0, fields.id ?? 3);
  view.setUint8(1, fields.flags ?? 0);
  view.setUint16(2, fields.reserved ?? 0, true);
  view.setUint32(4, fields.count, true);
  view.setUint32(8, fields.k, true);
  payload.set(values, HEADER);
  payload.set(indices, HEADER + values.length);
  return payload;
}

function f32Bytes(...v: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(v).buffer);
}

const values = mixedValues(20_011, 2);

describe('TOPK selection', () => {
  it.each([0.001, 0.01, 0.1, 0.5, 1])('keeps exactly the top-k by magnitude at fraction %s, F32 values exact, zeros elsewhere', (fraction) => {
    const k = Math.max(1, Math.round(fraction * values.length));
    const expected = referenceTopk(values, k);
    const decoded = decodeValues(encodeValues(values, 'topk', { topkFraction: fraction }), 'topk', values.length);
    expect(nonZeroIndices(decoded)).toEqual(expected);
    for (const i of expected) expect(decoded[i]).toBe(values[i]);
  });

  it('breaks ties toward the lower index and never keeps a zero', () => {
    const v = new Float32Array([3, -3, 0, 3, 1, -3, 0, 0]);
    expect(Array.from(decodeValues(encodeValues(v, 'topk', { topkFraction: 0.25 }), 'topk', 8))).toEqual([3, -3, 0, 0, 0, 0, 0, 0]);
    // k = 8 wanted, 5 non-zero: only those travel.
    const all = encodeValues(v, 'topk', { topkFraction: 1 });
    expect(new DataView(all.buffer).getUint32(8, true)).toBe(5);
    expect(Array.from(decodeValues(all, 'topk', 8))).toEqual(Array.from(v));
    const zeros = encodeValues(new Float32Array(100), 'topk');
    expect(zeros.length).toBe(HEADER);
    expect(decodeValues(zeros, 'topk', 100).every((x) => x === 0)).toBe(true);
    expect(decodeValues(encodeValues(new Float32Array(0), 'topk'), 'topk', 0).length).toBe(0);
  });

  it('selects among subnormals and extremes by magnitude', () => {
    const v = new Float32Array([1e-40, -3e38, 1.4e-45, 0, 3.4028234663852886e38, -1e-40, 2e-40]);
    const decoded = decodeValues(encodeValues(v, 'topk', { topkFraction: 4 / 7 }), 'topk', v.length);
    // 1e-40 and -1e-40 tie for the fourth place: the lower index wins.
    expect(Array.from(decoded)).toEqual([v[0], v[1], 0, 0, v[4], 0, v[6]]);
  });

  it('keeps F16 values within the F16 bounds (the F16 encoding of the kept values)', () => {
    const fraction = 0.05;
    const decoded = decodeValues(encodeValues(values, 'topk', { topkFraction: fraction, topkValues: 'f16' }), 'topk', values.length);
    const kept = referenceTopk(values, Math.round(fraction * values.length));
    const halves = decodeValues(encodeValues(new Float32Array(kept.map((i) => values[i])), 'f16'), 'f16', kept.length);
    const expected = new Float32Array(values.length);
    kept.forEach((i, j) => (expected[i] = halves[j]));
    expect(decoded).toEqual(expected);
    expect(decoded.every((x) => Number.isFinite(x) && Math.abs(x) <= 65504)).toBe(true);
  });
});

describe('TOPK index format', () => {
  it.each<[number, EncodeOptions['topkValues'], boolean]>([
    [0.01, 'f32', false],
    [0.01, 'f16', false],
    [0.5, 'f32', true],
    [0.5, 'f16', true],
  ])('at fraction %s with %s values takes the smaller format (bitmap: %s)', (fraction, topkValues, bitmap) => {
    const payload = encodeValues(values, 'topk', { topkFraction: fraction, topkValues });
    const kept = referenceTopk(values, Math.round(fraction * values.length));
    const varints = kept.reduce((sum, index, j) => sum + varintLength(index - (j === 0 ? 0 : kept[j - 1])), 0);
    const bitmapBytes = Math.ceil(values.length / 8);
    expect(payload[1]).toBe((bitmap ? 1 : 0) | (topkValues === 'f16' ? 2 : 0));
    expect(payload.length).toBe(HEADER + kept.length * (topkValues === 'f16' ? 2 : 4) + Math.min(varints, bitmapBytes));
    expect(nonZeroIndices(decodeValues(misaligned(payload), 'topk', values.length))).toEqual(kept);
  });

  it('carries indices that need 4-byte varints', () => {
    const v = new Float32Array(3_000_000);
    v[0] = 1;
    v[2_999_999] = -2;
    v[300_000] = 0.5;
    const payload = encodeValues(v, 'topk', { topkFraction: 1 });
    expect(payload.length).toBe(HEADER + 3 * 4 + 1 + 3 + 4);
    const decoded = decodeValues(payload, 'topk', v.length);
    expect(nonZeroIndices(decoded)).toEqual([0, 300_000, 2_999_999]);
    expect([decoded[0], decoded[300_000], decoded[2_999_999]]).toEqual([1, 0.5, -2]);
  });

  it('sent is bit for bit what the receiver decodes', () => {
    for (const topkValues of ['f32', 'f16'] as const) {
      const { payload, sent } = encodeWithSent(values, 'topk', { topkFraction: 0.02, topkValues });
      expect(new Uint32Array(sent.buffer)).toEqual(new Uint32Array(decodeValues(payload, 'topk', values.length).buffer));
    }
  });
});

describe('TOPK payloads that must be refused', () => {
  const v = mixedValues(500, 3);
  const varint = encodeValues(v, 'topk', { topkFraction: 0.02 });
  const bitmap = encodeValues(v, 'topk', { topkFraction: 0.5, topkValues: 'f16' });

  it('every truncation, in either index format', () => {
    expect(varint[1]).toBe(0);
    expect(bitmap[1]).toBe(3);
    for (const payload of [varint, bitmap]) {
      for (const prefix of prefixes(payload)) expect(() => decodeValues(prefix, 'topk', 500)).toThrow(EncodingError);
    }
    encodingError(() => decodeValues(varint.subarray(0, varint.length - 1), 'topk', 500), 'malformed', /truncated/);
    encodingError(() => decodeValues(bitmap.subarray(0, 11), 'topk', 500), 'malformed', /shorter than its 12-byte header/);
  });

  it('a bad header: wrong encoding id, unknown flags, reserved bytes, count, k > count', () => {
    const one = f32Bytes(1);
    encodingError(() => decodeValues(handmade({ id: 4, count: 4, k: 1 }, one, [2]), 'topk', 4), 'malformed', /encoding 4, expected 3/);
    encodingError(() => decodeValues(handmade({ flags: 4, count: 4, k: 1 }, one, [2]), 'topk', 4), 'malformed', /unknown flags 0x4/);
    encodingError(() => decodeValues(handmade({ reserved: 1, count: 4, k: 1 }, one, [2]), 'topk', 4), 'malformed', /reserved/);
    encodingError(() => decodeValues(handmade({ count: 5, k: 1 }, one, [2]), 'topk', 4), 'count', /holds 5 entries, expected 4/);
    encodingError(() => decodeValues(handmade({ count: 1, k: 2 }, f32Bytes(1, 2), [0, 1]), 'topk', 1), 'malformed', /k = 2 of only 1/);
    expect(Array.from(decodeValues(handmade({ count: 4, k: 1 }, one, [2]), 'topk', 4))).toEqual([0, 0, 1, 0]);
  });

  it('an index out of range', () => {
    encodingError(() => decodeValues(handmade({ count: 4, k: 2 }, f32Bytes(1, 2), [1, 3]), 'topk', 4), 'malformed', /index 4 .* out of range for 4/);
    encodingError(() => decodeValues(handmade({ count: 4, k: 1 }, f32Bytes(1), [0xff, 0xff, 0xff, 0xff, 0x0f]), 'topk', 4), 'malformed', /out of range/);
    encodingError(() => decodeValues(handmade({ count: 4, k: 1 }, f32Bytes(1), [0x80, 0x80, 0x80, 0x80, 0x80, 0]), 'topk', 4), 'malformed', /longer than 5 bytes/);
    // Bitmap of 10 entries: 2 bytes, bit 10 is past the end.
    encodingError(() => decodeValues(handmade({ flags: 1, count: 10, k: 2 }, f32Bytes(1, 2), [1, 0b100]), 'topk', 10), 'malformed', /index 10, out of range/);
  });

  it('indices that do not increase', () => {
    encodingError(() => decodeValues(handmade({ count: 4, k: 3 }, f32Bytes(1, 2, 3), [1, 1, 0]), 'topk', 4), 'malformed', /index 2 repeats index 2 .*must increase/);
  });

  it('too many entries: bytes after the k indices, bits past k in a bitmap', () => {
    encodingError(() => decodeValues(handmade({ count: 4, k: 1 }, f32Bytes(1), [0, 1]), 'topk', 4), 'malformed', /1 bytes after its k = 1 indices/);
    const extra = new Uint8Array(varint.length + 1);
    extra.set(varint);
    encodingError(() => decodeValues(extra, 'topk', 500), 'malformed', /after its k = 10 indices/);
    encodingError(() => decodeValues(handmade({ flags: 1, count: 8, k: 1 }, f32Bytes(1), [0b11]), 'topk', 8), 'malformed', /more than the k = 1/);
    encodingError(() => decodeValues(handmade({ flags: 1, count: 8, k: 2 }, f32Bytes(1, 2), [0b1]), 'topk', 8), 'malformed', /marks 1 entries, its header says k = 2/);
    encodingError(() => decodeValues(handmade({ flags: 1, count: 8, k: 1 }, f32Bytes(1), [1, 0]), 'topk', 8), 'malformed', /bitmap of 2 bytes for 8 entries/);
  });

  it('non-finite values, and non-finite or out-of-range input to the encoder', () => {
    encodingError(() => decodeValues(handmade({ count: 4, k: 1 }, f32Bytes(NaN), [0]), 'topk', 4), 'non-finite', /NaN/);
    encodingError(() => decodeValues(handmade({ flags: 2, count: 4, k: 1 }, new Uint8Array([0x00, 0x7c]), [0]), 'topk', 4), 'non-finite', /0x7c00/);
    encodingError(() => encodeValues(new Float32Array([1, -Infinity]), 'topk'), 'non-finite', /-Infinity at index 1/);
    expect(() => encodeValues(v, 'topk', { topkFraction: 0 })).toThrow(/topkFraction 0 is not in \(0, 1\]/);
    expect(() => encodeValues(v, 'topk', { topkFraction: 1.5 })).toThrow(RangeError);
  });
});
