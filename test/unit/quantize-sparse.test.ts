// The sparse parts of a bundle (model/quantize.ts): per-task values in f32, f16 and int8 with their error
// bounds, and positions in each of u16, u32, bitmap and varint, written here by reference encoders that
// follow the documented layouts; encodePositions' choice checked against the sizes computed here; and
// every corruption refused with a message saying what is wrong.
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/random.js';
import { decodePositions, decodeValues, encodePositions, encodeValues, QuantizeError, valuesLength, type PositionEncoding, type ValueEncoding } from '../../model/quantize.js';
import { expectRefusal } from '../support/refusals.js';

const refused = (f: () => unknown, message: RegExp): QuantizeError => expectRefusal(QuantizeError, f, message);

/** Gaussian values with zeros, float32 subnormals, a run of equal values and (unless f16) a few huge ones. */
function sparseValues(n: number, encoding: ValueEncoding, seed: number): Float32Array {
  const r = Random.stream(seed, `test/quantize-sparse/values/${encoding}`);
  const v = r.fillGaussian(new Float32Array(n), 0.01);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    if (u < 0.1) v[i] = 0;
    else if (u < 0.15) v[i] = r.int(-(2 ** 23) + 1, 2 ** 23 - 1) * 2 ** -149;
    else if (u < 0.16 && encoding !== 'f16') v[i] = (r.uniform() - 0.5) * 1e30;
    else if (u < 0.17) v[i] = 0.0625;
  }
  return v;
}

describe('values', () => {
  const encodings: ValueEncoding[] = ['f32', 'f16', 'int8'];

  it('round trip within their bounds, zeros exact, equal values equal', () => {
    for (const encoding of encodings) {
      for (const n of [1, 7, 1000, 20_000]) {
        const values = sparseValues(n, encoding, n);
        const bytes = encodeValues(values, encoding);
        expect(bytes.length).toBe(valuesLength(n, encoding));
        expect(bytes.length).toBe({ f32: 4 * n, f16: 2 * n, int8: 4 + n }[encoding]);
        const decoded = decodeValues(bytes, n, encoding);
        let maxAbs = 0;
        for (const x of values) maxAbs = Math.max(maxAbs, Math.abs(x));
        const scale = encoding === 'int8' ? new DataView(bytes.buffer, bytes.byteOffset).getFloat32(0, true) : NaN;
        if (encoding === 'int8') {
          expect(127 * scale).toBeGreaterThanOrEqual(maxAbs);
          if (maxAbs > 0) expect(Math.abs(scale / (maxAbs / 127) - 1)).toBeLessThan(2 ** -22);
        }
        const bound = (x: number): number => (encoding === 'f32' ? 0 : encoding === 'f16' ? Math.abs(x) * 2 ** -11 + 2 ** -25 : (scale / 2) * (1 + 2 ** -16));
        const outside: string[] = [];
        for (let i = 0; i < n; i++) {
          const error = Math.abs(decoded[i] - values[i]);
          if (!(error <= bound(values[i]))) outside.push(`${i}: ${values[i]} -> ${decoded[i]}`);
          if (values[i] === 0) expect(decoded[i]).toBe(0);
        }
        expect(outside).toEqual([]);
        if (encoding === 'f32') expect(new Uint32Array(decoded.buffer, decoded.byteOffset, n)).toEqual(new Uint32Array(values.buffer));
        const equal = new Set(Array.from(values.keys()).flatMap((i) => (values[i] === 0.0625 ? [decoded[i]] : [])));
        expect(equal.size).toBeLessThanOrEqual(1);
      }
    }
  });

  it('int8: the bound of half a step is reached', () => {
    const values = Random.stream(4, 'test/quantize-sparse/int8-tight').fillGaussian(new Float32Array(5000));
    const bytes = encodeValues(values, 'int8');
    const decoded = decodeValues(bytes, values.length, 'int8');
    const halfStep = new DataView(bytes.buffer).getFloat32(0, true) / 2;
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(decoded[i] - values[i]) / halfStep);
    expect(worst).toBeGreaterThan(0.99);
    expect(worst).toBeLessThanOrEqual(1 + 2 ** -16);
  });

  it('int8: the scale is max|v| / 127, stored first; ties away from zero', () => {
    const bytes = encodeValues(new Float32Array([-127, 0.5, -1.5, 2.5, 0]), 'int8');
    expect(Array.from(bytes)).toEqual([0, 0, 0x80, 0x3f, 0x81, 1, 0xfe, 3, 0]);
  });

  it('empty arrays and all zeros', () => {
    for (const encoding of encodings) {
      const empty = encodeValues(new Float32Array(0), encoding);
      expect(empty.length).toBe(valuesLength(0, encoding));
      expect(empty.length).toBe(encoding === 'int8' ? 4 : 0);
      expect(decodeValues(empty, 0, encoding)).toEqual(new Float32Array(0));
      const zeros = encodeValues(new Float32Array(50), encoding);
      const decoded = decodeValues(zeros, 50, encoding);
      expect(Array.from(decoded).every((x) => x === 0)).toBe(true);
      if (encoding === 'int8') expect(Array.from(zeros).every((b) => b === 0)).toBe(true);
    }
  });

  it('refuse a wrong length, a bad scale and f16 values beyond 65504', () => {
    for (const encoding of encodings) {
      const bytes = encodeValues(sparseValues(10, encoding, 3), encoding);
      refused(() => decodeValues(bytes, 11, encoding), new RegExp(`${bytes.length} bytes`));
      refused(() => decodeValues(bytes.subarray(1), 10, encoding), new RegExp(`${bytes.length - 1} bytes`));
    }
    const int8 = encodeValues(new Float32Array([1, 2]), 'int8');
    new DataView(int8.buffer).setFloat32(0, Infinity, true);
    refused(() => decodeValues(int8, 2, 'int8'), /scale 0 is Infinity/);
    refused(() => encodeValues(new Float32Array([1, -70000]), 'f16'), /-70000 at index 1/);
    refused(() => encodeValues(new Float32Array([1, NaN]), 'int8'), /NaN at index 1/);
  });
});

// Reference encoders, straight from the layouts in the module's documentation.
function referenceBytes(positions: Uint32Array, size: number, encoding: PositionEncoding): Uint8Array {
  const out: number[] = [];
  if (encoding === 'u16') for (const p of positions) out.push(p & 0xff, p >> 8);
  if (encoding === 'u32') for (const p of positions) out.push(p & 0xff, (p >>> 8) & 0xff, (p >>> 16) & 0xff, p >>> 24);
  if (encoding === 'bitmap') {
    out.push(...new Array<number>(Math.ceil(size / 8)).fill(0));
    for (const p of positions) out[Math.floor(p / 8)] |= 1 << (p % 8);
  }
  if (encoding === 'varint') {
    let previous = -1;
    for (const p of positions) {
      let gap = p - previous - 1;
      previous = p;
      for (; gap >= 128; gap = Math.floor(gap / 128)) out.push((gap % 128) + 128);
      out.push(gap);
    }
  }
  return new Uint8Array(out);
}

/** The encoding the documented rule picks: the smallest, ties to the earlier of u16, u32, bitmap, varint. */
function expectedChoice(positions: Uint32Array, size: number): PositionEncoding {
  const candidates: PositionEncoding[] = size <= 65536 ? ['u16', 'u32', 'bitmap', 'varint'] : ['u32', 'bitmap', 'varint'];
  const lengths = candidates.map((e) => (e === 'bitmap' ? Math.ceil(size / 8) : referenceBytes(positions, size, e).length));
  return candidates[lengths.indexOf(Math.min(...lengths))];
}

function support(size: number, density: number, seed: number): Uint32Array {
  const count = Math.round(density * size);
  const chosen = Random.stream(seed, `test/quantize-sparse/support/${density}`).permutation(size).subarray(0, count);
  return Uint32Array.from(chosen).sort();
}

describe('positions', () => {
  const sizes = [0, 1, 9, 100, 1000, 4099, 65536, 70_001];
  const densities = [0, 0.01, 0.1, 0.5, 1];

  it('round-trip in every encoding at densities 0, 1 %, 10 %, 50 % and 100 %', () => {
    for (const size of sizes) {
      for (const density of densities) {
        const positions = support(size, density, size);
        for (const encoding of ['u16', 'u32', 'bitmap', 'varint'] as const) {
          if (encoding === 'u16' && size > 65536) continue;
          const bytes = referenceBytes(positions, size, encoding);
          expect(decodePositions(bytes, encoding, positions.length, size)).toEqual(positions);
        }
      }
    }
  });

  it('encodePositions picks the smallest, ties to the earlier, and its bytes round-trip', () => {
    const seen = new Set<PositionEncoding>();
    for (const size of sizes) {
      for (const density of densities) {
        const positions = support(size, density, 2 * size + 1);
        const { encoding, bytes } = encodePositions(positions, size);
        const expected = expectedChoice(positions, size);
        expect(encoding, `size ${size}, density ${density}`).toBe(expected);
        expect(bytes).toEqual(referenceBytes(positions, size, expected));
        expect(decodePositions(bytes, encoding, positions.length, size)).toEqual(positions);
        seen.add(encoding);
      }
    }
    expect([...seen].sort()).toEqual(['bitmap', 'u16', 'u32', 'varint']);
  });

  it('picks each encoding where it is smallest, and breaks ties by the documented order', () => {
    const pick = (positions: number[], size: number) => encodePositions(Uint32Array.from(positions), size).encoding;
    expect(pick([0, 20_000, 40_000, 65_535], 65_536)).toBe('u16'); // 8 bytes; varints 10, bitmap 8192
    expect(pick([2 ** 29], 2 ** 30)).toBe('u32'); // 4 bytes; a 5-byte varint; 2^27 bytes of bitmap
    expect(pick([2 ** 22, 2 ** 23, 2 ** 24], 2 ** 30)).toBe('u32'); // 12 bytes, tied with the varints
    expect(pick([0, 1], 16)).toBe('bitmap'); // 2 bytes, tied with the varints
    expect(pick([1, 5, 9], 16)).toBe('bitmap'); // 2 bytes; varints 3, u16 6
    expect(pick([3, 200], 1000)).toBe('varint'); // 3 bytes
    expect(pick([], 0)).toBe('u16');
    expect(pick([], 70_000)).toBe('u32');
    expect(pick([7], 16)).toBe('varint'); // 1 byte against 2 for u16 and the bitmap
  });

  it('refuses a truncated varint, missing positions and trailing bytes', () => {
    const bytes = referenceBytes(Uint32Array.from([0, 300]), 1000, 'varint');
    expect(Array.from(bytes)).toEqual([0x00, 0xab, 0x02]);
    refused(() => decodePositions(bytes.subarray(0, 2), 'varint', 2, 1000), /truncated varint at byte 1/);
    refused(() => decodePositions(bytes.subarray(0, 1), 'varint', 2, 1000), /truncated: the bytes end after 1 of 2 positions/);
    refused(() => decodePositions(new Uint8Array([...bytes, 0]), 'varint', 2, 1000), /1 trailing bytes after 2 positions/);
    refused(() => decodePositions(bytes, 'varint', 1, 1000), /2 trailing bytes after 1 positions/);
    refused(() => decodePositions(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f]), 'varint', 1, 2 ** 32), /exceeds 32 bits/);
    refused(() => decodePositions(new Uint8Array([0x85, 0x00]), 'varint', 1, 1000), /non-minimal varint/);
    refused(() => decodePositions(new Uint8Array([1, 0, 2, 0, 3]), 'u16', 2, 1000), /5 bytes for 2 positions, expected 4/);
    refused(() => decodePositions(new Uint8Array(12), 'u32', 2, 1000), /12 bytes for 2 positions, expected 8/);
    refused(() => decodePositions(new Uint8Array(3), 'bitmap', 0, 16), /3 bytes, a bitmap of size 16 takes 2/);
  });

  it('refuses a position at or past the size', () => {
    const positions = Uint32Array.from([5, 10]);
    for (const encoding of ['u16', 'u32', 'varint'] as const) {
      refused(() => decodePositions(referenceBytes(positions, 10, encoding), encoding, 2, 10), /position 10 at index 1 is not below size 10/);
    }
    refused(() => decodePositions(new Uint8Array([0x21, 0x04]), 'bitmap', 3, 10), /bit 10 is set, past size 10/);
    refused(() => encodePositions(positions, 10), /position 10 at index 1 is not below size 10/);
  });

  it('refuses positions that do not increase', () => {
    for (const [encoding, positions] of [
      ['u16', [5, 5]],
      ['u32', [7, 3]],
      ['u16', [0, 9, 8]],
    ] as const) {
      const bytes = referenceBytes(Uint32Array.from(positions), 10, encoding);
      const k = positions.length - 1;
      refused(() => decodePositions(bytes, encoding, positions.length, 10), new RegExp(`position ${positions[k]} at index ${k} does not increase on ${positions[k - 1]}`));
      refused(() => encodePositions(Uint32Array.from(positions), 10), /does not increase/);
    }
  });

  it('refuses a bitmap with the wrong number of bits', () => {
    const bytes = referenceBytes(Uint32Array.from([1, 5, 19]), 20, 'bitmap');
    expect(decodePositions(bytes, 'bitmap', 3, 20)).toEqual(Uint32Array.from([1, 5, 19]));
    refused(() => decodePositions(bytes, 'bitmap', 2, 20), /bitmap has 3 bits set, expected 2/);
    refused(() => decodePositions(bytes, 'bitmap', 4, 20), /bitmap has 3 bits set, expected 4/);
  });

  it('refuses counts and sizes that cannot be', () => {
    refused(() => decodePositions(new Uint8Array(0), 'varint', 3, 2), /count 3/);
    refused(() => decodePositions(new Uint8Array(0), 'u32', 0, -1), /size -1/);
    refused(() => encodePositions(new Uint32Array(0), 2 ** 32 + 1), /size 4294967297/);
    refused(() => decodePositions(new Uint8Array(0), 'zip' as PositionEncoding, 0, 0), /unknown position encoding "zip"/);
  });
});
