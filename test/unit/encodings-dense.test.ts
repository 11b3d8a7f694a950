// F32, F16 and BF16: exact or bounded round trips, round to nearest even checked at every midpoint,
// the clamps, and payloads that must be refused.
import { describe, expect, it } from 'vitest';
import { Encoding } from '../../proto/codec.js';
import { BF16_MAX, decodeValues, ENCODING_IDS, encodeValues, encodeWithSent, F16_MAX, type EncodingName } from '../../compression/encodings/index.js';
import { encodingError, F32_MAX, misaligned, mixedValues, nextDown, nextUp, SPECIAL_VALUES } from '../support/encodings.js';

function bitsOf(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function halvesOf(payload: Uint8Array): Uint16Array {
  return new Uint16Array(new Uint8Array(payload).buffer);
}

/** The value of an F16 pattern, from the IEEE definition. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bfloatValue(h: number): number {
  return new Float32Array(new Uint32Array([h << 16]).buffer)[0];
}

const values = mixedValues(50_000, 1);

describe('encoding ids', () => {
  it('match the Encoding enum of proto/hybrid.proto', () => {
    expect(ENCODING_IDS).toEqual({ f32: Encoding.ENCODING_F32, f16: Encoding.ENCODING_F16, bf16: Encoding.ENCODING_BF16, topk: Encoding.ENCODING_TOPK, int8: Encoding.ENCODING_INT8 });
  });
});

describe('F32', () => {
  it('round-trips bit for bit, -0 and subnormals included', () => {
    const payload = encodeValues(values, 'f32');
    expect(payload.length).toBe(values.length * 4);
    expect(bitsOf(decodeValues(payload, 'f32', values.length))).toEqual(bitsOf(values));
    expect(bitsOf(decodeValues(misaligned(payload), 'f32', values.length))).toEqual(bitsOf(values));
  });

  it('is a view on an aligned payload and a copy of the input', () => {
    const payload = encodeValues(values, 'f32');
    expect(payload.buffer).not.toBe(values.buffer);
    expect(decodeValues(payload, 'f32', values.length).buffer).toBe(payload.buffer);
  });

  it('refuses the wrong length and non-finite values', () => {
    const payload = encodeValues(values.subarray(0, 10), 'f32');
    encodingError(() => decodeValues(payload, 'f32', 11), 'count', /40 bytes holds 10 entries, expected 11/);
    encodingError(() => decodeValues(payload.subarray(0, 39), 'f32', 10), 'malformed', /39 bytes/);
    const bad = new Float32Array(payload.slice().buffer);
    bad[3] = Infinity;
    encodingError(() => decodeValues(new Uint8Array(bad.buffer), 'f32', 10), 'non-finite', /Infinity at index 3/);
    encodingError(() => encodeValues(bad, 'f32'), 'non-finite', /index 3/);
  });
});

describe('F16', () => {
  it('decodes every finite pattern to its IEEE value and encodes it back to the same pattern', () => {
    const patterns = new Uint16Array(65536).map((_, h) => h).filter((h) => (h & 0x7c00) !== 0x7c00);
    const decoded = decodeValues(new Uint8Array(patterns.buffer), 'f16', patterns.length);
    for (let i = 0; i < patterns.length; i++) {
      if (decoded[i] !== halfValue(patterns[i]) || Object.is(decoded[i], -0) !== (patterns[i] === 0x8000)) {
        throw new Error(`pattern 0x${patterns[i].toString(16)} decoded to ${decoded[i]}`);
      }
    }
    expect(halvesOf(encodeValues(decoded, 'f16'))).toEqual(patterns);
  });

  it('rounds to nearest even at every midpoint, and to nearest just either side of it', () => {
    const mids: number[] = [];
    const below: number[] = [];
    const above: number[] = [];
    const expectMid: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (halfValue(h) + halfValue(h + 1)) / 2;
      expect(Math.fround(mid)).toBe(mid); // 12 significant bits: exact in float32
      mids.push(mid, -mid);
      expectMid.push(h % 2 === 0 ? h : h + 1, (h % 2 === 0 ? h : h + 1) | 0x8000);
      below.push(nextDown(mid));
      above.push(nextUp(mid));
    }
    expect(Array.from(halvesOf(encodeValues(new Float32Array(mids), 'f16')))).toEqual(expectMid);
    expect(Array.from(halvesOf(encodeValues(new Float32Array(below), 'f16')))).toEqual(below.map((_, h) => h));
    expect(Array.from(halvesOf(encodeValues(new Float32Array(above), 'f16')))).toEqual(above.map((_, h) => h + 1));
  });

  it('clamps beyond +-65504 instead of overflowing to infinity', () => {
    const big = new Float32Array([65504, 65519.99, 65520, 70000, 1e30, -3e38, F32_MAX, -F32_MAX]);
    const decoded = decodeValues(encodeValues(big, 'f16'), 'f16', big.length);
    expect(Array.from(decoded)).toEqual([F16_MAX, F16_MAX, F16_MAX, F16_MAX, F16_MAX, -F16_MAX, F16_MAX, -F16_MAX]);
  });

  it('meets its bounds on random data: relative 2^-11 in the normal range, 2^-25 below it', () => {
    const decoded = decodeValues(encodeValues(values, 'f16'), 'f16', values.length);
    let normal = 0;
    let subnormal = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      const error = Math.abs(decoded[i] - x);
      const a = Math.abs(x);
      if (a > F16_MAX) expect(decoded[i]).toBe(Math.sign(x) * F16_MAX);
      else if (a >= 2 ** -14) {
        normal++;
        if (error > 2 ** -11 * a) throw new Error(`F16 of ${x} is ${decoded[i]}: relative error ${error / a}`);
      } else {
        subnormal++;
        if (error > 2 ** -25) throw new Error(`F16 of ${x} is ${decoded[i]}: absolute error ${error}`);
      }
      if (!Number.isFinite(decoded[i])) throw new Error(`F16 of ${x} is not finite`);
    }
    expect(normal).toBeGreaterThan(5000);
    expect(subnormal).toBeGreaterThan(5000);
  });

  it('flushes 2^-25 and below to a zero of the same sign and rounds 1e-40 to 0', () => {
    const tiny = new Float32Array([2 ** -25, -(2 ** -25), 1e-40, -1e-40, nextUp(2 ** -25)]);
    expect(Array.from(halvesOf(encodeValues(tiny, 'f16')))).toEqual([0, 0x8000, 0, 0x8000, 1]);
  });

  it('refuses Inf and NaN patterns, a wrong length and non-finite input', () => {
    encodingError(() => decodeValues(new Uint8Array(new Uint16Array([0x3c00, 0x7c00]).buffer), 'f16', 2), 'non-finite', /0x7c00.*index 1/);
    encodingError(() => decodeValues(new Uint8Array(new Uint16Array([0xfe00]).buffer), 'f16', 1), 'non-finite', /0xfe00/);
    encodingError(() => decodeValues(new Uint8Array(7), 'f16', 4), 'malformed', /7 bytes/);
    encodingError(() => decodeValues(new Uint8Array(10), 'f16', 4), 'count', /holds 5 entries, expected 4/);
    encodingError(() => encodeValues(new Float32Array([1, NaN]), 'f16'), 'non-finite', /NaN at index 1/);
  });
});

describe('BF16', () => {
  it('decodes every finite pattern to the upper half of the float32 and encodes it back', () => {
    const patterns = new Uint16Array(65536).map((_, h) => h).filter((h) => (h & 0x7f80) !== 0x7f80);
    const decoded = decodeValues(misaligned(new Uint8Array(patterns.buffer)), 'bf16', patterns.length);
    for (let i = 0; i < patterns.length; i++) {
      if (!Object.is(decoded[i], bfloatValue(patterns[i]))) throw new Error(`pattern 0x${patterns[i].toString(16)} decoded to ${decoded[i]}`);
    }
    expect(halvesOf(encodeValues(decoded, 'bf16'))).toEqual(patterns);
  });

  it('rounds to nearest even at every midpoint, and to nearest just either side of it', () => {
    const mids: number[] = [];
    const below: number[] = [];
    const above: number[] = [];
    for (let h = 0; h < 0x7f7f; h++) {
      const mid = (bfloatValue(h) + bfloatValue(h + 1)) / 2;
      mids.push(mid);
      below.push(nextDown(mid));
      above.push(nextUp(mid));
    }
    expect(Array.from(halvesOf(encodeValues(new Float32Array(mids), 'bf16')))).toEqual(mids.map((_, h) => (h % 2 === 0 ? h : h + 1)));
    expect(Array.from(halvesOf(encodeValues(new Float32Array(below), 'bf16')))).toEqual(below.map((_, h) => h));
    expect(Array.from(halvesOf(encodeValues(new Float32Array(above), 'bf16')))).toEqual(above.map((_, h) => h + 1));
  });

  it('clamps what would round to infinity to +-BF16_MAX', () => {
    const big = new Float32Array([BF16_MAX, nextUp(BF16_MAX), F32_MAX, -F32_MAX, -3e38]);
    const decoded = decodeValues(encodeValues(big, 'bf16'), 'bf16', big.length);
    expect(Array.from(decoded.subarray(0, 4))).toEqual([BF16_MAX, BF16_MAX, BF16_MAX, -BF16_MAX]);
    expect(Math.abs(decoded[4] + 3e38)).toBeLessThanOrEqual(2 ** -8 * 3e38);
  });

  it('meets its bounds on random data: relative 2^-8, absolute 2^-134 for subnormals', () => {
    const decoded = decodeValues(encodeValues(values, 'bf16'), 'bf16', values.length);
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      const error = Math.abs(decoded[i] - x);
      const bound = Math.abs(x) >= 2 ** -126 ? 2 ** -8 * Math.abs(x) : 2 ** -134;
      if (error > bound || !Number.isFinite(decoded[i])) throw new Error(`BF16 of ${x} is ${decoded[i]}`);
    }
  });

  it('refuses Inf and NaN patterns and a wrong length', () => {
    encodingError(() => decodeValues(new Uint8Array(new Uint16Array([0, 0xff80]).buffer), 'bf16', 2), 'non-finite', /0xff80.*index 1/);
    encodingError(() => decodeValues(new Uint8Array(new Uint16Array([0x7fc1]).buffer), 'bf16', 1), 'non-finite', /0x7fc1/);
    encodingError(() => decodeValues(new Uint8Array(3), 'bf16', 1), 'malformed', /3 bytes/);
  });
});

describe('every dense encoding', () => {
  it.each<EncodingName>(['f32', 'f16', 'bf16'])('%s: sent is bit for bit what the receiver decodes', (encoding) => {
    const { payload, sent } = encodeWithSent(values, encoding);
    expect(bitsOf(sent)).toEqual(bitsOf(decodeValues(payload, encoding, values.length)));
  });

  it.each<EncodingName>(['f32', 'f16', 'bf16'])('%s: the special values survive and stay finite; empty input is fine', (encoding) => {
    const special = new Float32Array(SPECIAL_VALUES);
    const decoded = decodeValues(encodeValues(special, encoding), encoding, special.length);
    expect(decoded.every((v) => Number.isFinite(v))).toBe(true);
    expect(decoded[0]).toBe(0);
    expect(decodeValues(encodeValues(new Float32Array(0), encoding), encoding, 0).length).toBe(0);
  });
});
