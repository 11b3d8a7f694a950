// INT8: per-chunk scale, |error| <= scale per entry, unbiased stochastic rounding, extremes stay
// finite, malformed payloads refused.
import { describe, expect, it } from 'vitest';
import { decodeValues, EncodingError, encodeValues, encodeWithSent } from '../../compression/encodings/index.js';
import { encodingError, F32_MAX, gradientValues, misaligned, mixedValues, prefixes, seededUniform } from '../support/encodings.js';

const HEADER = 12;

function scalesOf(payload: Uint8Array, count: number): Float32Array {
  const view = new DataView(payload.buffer, payload.byteOffset);
  const chunk = view.getUint32(8, true);
  const chunks = Math.ceil(count / chunk);
  return new Float32Array(Array.from({ length: chunks }, (_, c) => view.getFloat32(HEADER + 4 * c, true)));
}

/** Checks |x' - x| <= scale per entry (plus half an ulp of x' for the product's float32 rounding). */
function checkBound(values: Float32Array, decoded: Float32Array, scales: Float32Array, chunk: number): void {
  for (let i = 0; i < values.length; i++) {
    const scale = scales[Math.floor(i / chunk)];
    const error = Math.abs(decoded[i] - values[i]);
    const slack = Math.abs(decoded[i]) * 2 ** -24 + 2 ** -150;
    if (!(error <= scale + slack) || !Number.isFinite(decoded[i])) throw new Error(`INT8 of ${values[i]} (index ${i}, scale ${scale}) is ${decoded[i]}`);
  }
}

describe('INT8', () => {
  const values = mixedValues(30_011, 4);

  it.each([1, 7, 256, 4096, 1_000_000])('chunk %i: scale = max|x| / 127 per chunk, |error| <= scale per entry', (chunk) => {
    const payload = encodeValues(values, 'int8', { int8ChunkSize: chunk, random: seededUniform(chunk) });
    const chunks = Math.ceil(values.length / chunk);
    expect(payload.length).toBe(HEADER + 4 * chunks + values.length);
    const scales = scalesOf(payload, values.length);
    for (let c = 0; c < chunks; c++) {
      const maxAbs = values.subarray(c * chunk, (c + 1) * chunk).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      // Rounded up to float32, so that no entry needs more than 127 steps.
      expect(127 * scales[c]).toBeGreaterThanOrEqual(maxAbs);
      expect(scales[c]).toBeLessThanOrEqual(maxAbs / 127 + 2 ** -148 + (maxAbs / 127) * 2 ** -22);
    }
    checkBound(values, decodeValues(payload, 'int8', values.length), scales, chunk);
  });

  it('is unbiased: the mean over many encodings converges to the input, where rounding to nearest would not', () => {
    const x = gradientValues(256, 5);
    const scale = scalesOf(encodeValues(x, 'int8'), x.length)[0];
    const trials = 4000;
    const meanError = (random: () => number): number => {
      const sum = new Float64Array(x.length);
      for (let t = 0; t < trials; t++) {
        const decoded = decodeValues(encodeValues(x, 'int8', { random }), 'int8', x.length);
        for (let i = 0; i < x.length; i++) sum[i] += decoded[i];
      }
      return Math.max(...Array.from(x, (xi, i) => Math.abs(sum[i] / trials - xi)));
    };
    // Each decode has standard deviation <= scale / 2: six standard errors of the mean.
    const tolerance = (6 * scale) / 2 / Math.sqrt(trials);
    expect(meanError(seededUniform(6))).toBeLessThan(tolerance);
    // The same measure catches a biased rounding (a constant 0.5 is rounding to nearest).
    expect(meanError(() => 0.5)).toBeGreaterThan(5 * tolerance);
  });

  it('keeps the extremes finite and within bounds: 1e30, -3e38, the largest float32, subnormals, zero chunks', () => {
    const chunk = 4;
    const v = new Float32Array([F32_MAX, -F32_MAX, -3e38, 1e30, 1e-40, -1e-40, 1.4e-45, 0, 0, 0, 0, 0, -3e38, 1, 2, 3]);
    for (let seed = 0; seed < 20; seed++) {
      const payload = encodeValues(v, 'int8', { int8ChunkSize: chunk, random: seededUniform(seed) });
      const decoded = decodeValues(payload, 'int8', v.length);
      checkBound(v, decoded, scalesOf(payload, v.length), chunk);
      expect(Array.from(decoded.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    }
  });

  it('works with the default random source, unaligned payloads and empty input', () => {
    const payload = encodeValues(values, 'int8');
    checkBound(values, decodeValues(misaligned(payload), 'int8', values.length), scalesOf(payload, values.length), 4096);
    expect(decodeValues(encodeValues(new Float32Array(0), 'int8'), 'int8', 0).length).toBe(0);
  });

  it('decodes a payload that is a Buffer view at an odd offset (whose slice() would be a view too)', () => {
    const payload = encodeValues(values, 'int8', { random: seededUniform(3) });
    const pooled = Buffer.alloc(payload.length + 9, 0x7f);
    pooled.set(payload, 5);
    const view = pooled.subarray(5, 5 + payload.length);
    expect(Array.from(decodeValues(view, 'int8', values.length))).toEqual(Array.from(decodeValues(payload, 'int8', values.length)));
  });

  it('sent is bit for bit what the receiver decodes', () => {
    const { payload, sent } = encodeWithSent(values, 'int8', { int8ChunkSize: 100, random: seededUniform(7) });
    expect(new Uint32Array(sent.buffer)).toEqual(new Uint32Array(decodeValues(payload, 'int8', values.length).buffer));
  });
});

describe('INT8 payloads that must be refused', () => {
  const v = mixedValues(40, 8);
  const payload = encodeValues(v, 'int8', { int8ChunkSize: 16, random: seededUniform(9) });
  const patched = (offset: number, write: (view: DataView) => void): Uint8Array => {
    const copy = payload.slice();
    write(new DataView(copy.buffer, offset));
    return copy;
  };

  it('every truncation, and a payload too long', () => {
    for (const prefix of prefixes(payload)) expect(() => decodeValues(prefix, 'int8', 40)).toThrow(EncodingError);
    encodingError(() => decodeValues(payload.subarray(0, payload.length - 1), 'int8', 40), 'malformed', /truncated: 63 bytes/);
    const long = new Uint8Array(payload.length + 1);
    long.set(payload);
    encodingError(() => decodeValues(long, 'int8', 40), 'malformed', /too long/);
  });

  it('a bad header: wrong encoding id, flags, reserved bytes, count, chunk size 0', () => {
    encodingError(
      () =>
        decodeValues(
          patched(0, (d) => d.setUint8(0, 3)),
          'int8',
          40,
        ),
      'malformed',
      /encoding 3, expected 4/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(0, (d) => d.setUint8(1, 1)),
          'int8',
          40,
        ),
      'malformed',
      /unknown flags/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(0, (d) => d.setUint8(3, 1)),
          'int8',
          40,
        ),
      'malformed',
      /reserved/,
    );
    encodingError(() => decodeValues(payload, 'int8', 41), 'count', /holds 40 entries, expected 41/);
    encodingError(
      () =>
        decodeValues(
          patched(0, (d) => d.setUint32(8, 0, true)),
          'int8',
          40,
        ),
      'malformed',
      /chunk size 0/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(0, (d) => d.setUint32(8, 8, true)),
          'int8',
          40,
        ),
      'malformed',
      /truncated: 64 bytes, 40 entries in chunks of 8 need 72/,
    );
  });

  it('a negative or non-finite scale, and the value -128', () => {
    encodingError(
      () =>
        decodeValues(
          patched(HEADER + 4, (d) => d.setFloat32(0, -1, true)),
          'int8',
          40,
        ),
      'malformed',
      /scale -1 of chunk 1/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(HEADER + 8, (d) => d.setFloat32(0, NaN, true)),
          'int8',
          40,
        ),
      'malformed',
      /scale NaN of chunk 2/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(HEADER, (d) => d.setFloat32(0, Infinity, true)),
          'int8',
          40,
        ),
      'malformed',
      /scale Infinity/,
    );
    encodingError(
      () =>
        decodeValues(
          patched(HEADER + 12 + 5, (d) => d.setInt8(0, -128)),
          'int8',
          40,
        ),
      'malformed',
      /-128 at index 5/,
    );
  });

  it('non-finite input and a bad chunk size to the encoder', () => {
    encodingError(() => encodeValues(new Float32Array([0, 1, NaN]), 'int8'), 'non-finite', /NaN at index 2/);
    expect(() => encodeValues(v, 'int8', { int8ChunkSize: 0 })).toThrow(/int8ChunkSize 0/);
    expect(() => encodeValues(v, 'int8', { int8ChunkSize: 2.5 })).toThrow(RangeError);
  });
});
