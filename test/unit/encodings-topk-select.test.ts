// TOPK's selection on large inputs goes through a sampled lower bound and selects among the candidates
// above it (compression/encodings/topk-select.ts). Whatever the sample says, the kept indices must be
// exactly those of the radix select over every entry: ties to the lower index, zeros never.
import { describe, expect, it } from 'vitest';
import { radixSelect, selectTopk } from '../../compression/encodings/topk-select.js';
import { decodeValuesInto, encodeValues, encodeWithSentValues } from '../../compression/encodings/index.js';
import { seededUniform } from '../support/encodings.js';

const N = 200_000;

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

function filled(n: number, seed: number, value: (u: number, i: number) => number): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = value(u(), i);
  return out;
}

const CASES: [string, Float32Array][] = [
  ['spread values', filled(N, 1, (u) => (u - 0.5) * 1e-3)],
  ['heavy tail', filled(N, 2, (u) => Math.sign(u - 0.5) / Math.max(1e-6, u) ** 2)],
  ['a few levels (ties everywhere)', filled(N, 3, (u) => Math.round(u * 8) - 4)],
  ['mostly zeros, fewer non-zeros than k', filled(N, 4, (u) => (u < 0.004 ? u - 0.002 : 0))],
  ['mostly zeros, more non-zeros than k', filled(N, 5, (u) => (u < 0.05 ? u - 0.025 : 0))],
  ['the large values bunched at the end (the sample sees few)', filled(N, 6, (u, i) => (i > N - 3000 ? 1 + u : u * 1e-3))],
  ['all equal', new Float32Array(N).fill(-0.25)],
];

describe('TOPK selection on large inputs', () => {
  for (const [name, values] of CASES) {
    for (const wanted of [1, 100, 2000, 12_000]) {
      it(`keeps exactly the exact select's entries: ${name}, k = ${wanted}`, () => {
        const bits = bitsOf(values);
        expect(selectTopk(bits, wanted)).toEqual(radixSelect(bits, bits.length, wanted));
      });
    }
  }

  it('refuses the first non-finite entry by its index, as the exact select does', () => {
    const values = filled(N, 7, (u) => u - 0.5);
    values[150_000] = Number.NaN;
    values[170_000] = Number.POSITIVE_INFINITY;
    expect(() => selectTopk(bitsOf(values), 2000)).toThrow(/index 150000/);
  });

  it('a payload decoded into a buffer holding old values: the kept entries alone, their indices returned', () => {
    const values = CASES[0][1];
    const { payload, sent } = encodeWithSentValues(values, 'topk', { topkFraction: 0.01 });
    expect(payload).toEqual(encodeValues(values, 'topk', { topkFraction: 0.01 }));
    const target = new Float32Array(N).fill(7);
    const indices = decodeValuesInto(payload, 'topk', target);
    if (!indices || 'dense' in sent) throw new Error('TOPK decodes to its kept indices');
    expect(indices).toEqual(sent.indices);
    expect(Array.from(indices, (i) => target[i])).toEqual(Array.from(sent.values));
    let nonZero = 0;
    for (const x of target) if (x !== 0) nonZero++;
    expect(nonZero).toBe(indices.length);
    expect(decodeValuesInto(encodeValues(values, 'f32'), 'f32', target)).toBeNull();
    expect(target).toEqual(values);
  });
});
