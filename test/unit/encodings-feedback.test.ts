// Error feedback: over many rounds nothing is lost (sum of what was sent plus the residual is the sum
// of the gradients), TOPK 1% with it sends >= 50x fewer bytes than F32, momentum correction follows
// its definition, and a dense warm-up round empties the residual.
import { describe, expect, it } from 'vitest';
import { decodeValues, encodeWithSent, type EncodeOptions, type EncodingName } from '../../compression/encodings/index.js';
import { encodingForRound, ErrorFeedback } from '../../compression/error-feedback.js';
import { gradientValues, seededUniform } from '../support/encodings.js';

interface Run {
  /** sum over rounds of the gradients and of what the receiver decoded, in float64 */
  gradients: Float64Array[];
  sent: Float64Array[];
  residual: Float32Array[];
  /** the largest |residual + gradient| the encoder saw, per tensor */
  largest: number[];
  bytes: number;
}

function run(sizes: number[], rounds: number, encoding: EncodingName, options: EncodeOptions, feedback: boolean): Run {
  const ef = new ErrorFeedback(sizes);
  const gradients = sizes.map((n) => new Float64Array(n));
  const sent = sizes.map((n) => new Float64Array(n));
  const largest = sizes.map(() => 0);
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    const grads = sizes.map((n, t) => gradientValues(n, 1000 * round + t));
    grads.forEach((g, t) => g.forEach((x, i) => (gradients[t][i] += x)));
    const encode = (v: Float32Array, t: number) => {
      largest[t] = v.reduce((m, x) => Math.max(m, Math.abs(x)), largest[t]);
      return encodeWithSent(v, encoding, options);
    };
    const payloads = feedback ? ef.compress(grads, encode) : grads.map((g, t) => encode(g, t).payload);
    payloads.forEach((payload, t) => {
      bytes += payload.length;
      decodeValues(payload, encoding, sizes[t]).forEach((x, i) => (sent[t][i] += x));
    });
  }
  return { gradients, sent, residual: ef.residual(), largest, bytes };
}

/** The largest |sum(sent) + residual - sum(gradients)| over the entries of each tensor. */
function lost(r: Run): number[] {
  return r.gradients.map((g, t) => g.reduce((m, x, i) => Math.max(m, Math.abs(r.sent[t][i] + r.residual[t][i] - x)), 0));
}

describe('error feedback', () => {
  const sizes = [20_000, 3_001];
  const rounds = 40;
  it.each<[string, EncodingName, EncodeOptions]>([
    ['TOPK 1%', 'topk', { topkFraction: 0.01 }],
    ['TOPK 1% with F16 values', 'topk', { topkFraction: 0.01, topkValues: 'f16' }],
    ['INT8', 'int8', { random: seededUniform(1), int8ChunkSize: 1024 }],
  ])('%s loses nothing over 40 rounds: sum(sent) + residual = sum(gradients)', (_, encoding, options) => {
    const r = run(sizes, rounds, encoding, options, true);
    // Two float32 roundings a round (adding the gradient, subtracting what was sent), each at most
    // 2^-24 of the largest magnitude involved.
    const tolerance = r.largest.map((m) => rounds * 2 * 2 ** -24 * m);
    lost(r).forEach((l, t) => expect(l).toBeLessThanOrEqual(tolerance[t]));
    // Without error feedback the same encoding loses orders of magnitude more.
    const plain = run(sizes, rounds, encoding, options, false);
    const lostPlain = plain.gradients.map((g, t) => g.reduce((m, x, i) => Math.max(m, Math.abs(plain.sent[t][i] - x)), 0));
    lostPlain.forEach((l, t) => expect(l).toBeGreaterThan(100 * tolerance[t]));
  });

  it('TOPK 1% sends at least 50x fewer bytes than F32 for a 1M-entry tensor', () => {
    const n = 1_000_000;
    const rounds = 5;
    const r = run([n], rounds, 'topk', { topkFraction: 0.01 }, true);
    expect(r.bytes * 50).toBeLessThanOrEqual(rounds * n * 4);
  });

  it('a dense warm-up round sends everything and empties the residual', () => {
    const ef = new ErrorFeedback([5000]);
    const warmup = 2;
    const encodings = [0, 1, 2, 3].map((round) => encodingForRound(round, warmup, 'topk'));
    expect(encodings).toEqual(['f32', 'f32', 'topk', 'topk']);
    ef.compress([gradientValues(5000, 1)], (v) => encodeWithSent(v, 'topk'));
    expect(ef.residual()[0].some((x) => x !== 0)).toBe(true);
    const g = gradientValues(5000, 2);
    const before = ef.residual()[0];
    const [payload] = ef.compress([g], (v) => encodeWithSent(v, 'f32'));
    expect(ef.residual()[0].every((x) => x === 0)).toBe(true);
    const expected = before.map((e, i) => e + g[i]);
    expect(decodeValues(payload, 'f32', 5000)).toEqual(expected);
  });

  it('momentum correction follows Deep Gradient Compression: u = m u + g, v += u, send, mask u where sent', () => {
    const n = 4000;
    const m = 0.9;
    const ef = new ErrorFeedback([n], { momentum: m });
    const u = new Float32Array(n);
    const v = new Float32Array(n);
    for (let round = 0; round < 10; round++) {
      const g = gradientValues(n, round);
      const [payload] = ef.compress([g], (x) => encodeWithSent(x, 'topk', { topkFraction: 0.05 }));
      for (let i = 0; i < n; i++) {
        u[i] = m * u[i] + g[i];
        v[i] += u[i];
      }
      const { payload: expected, sent } = encodeWithSent(v, 'topk', { topkFraction: 0.05 });
      expect(payload).toEqual(expected);
      for (let i = 0; i < n; i++) {
        v[i] -= sent[i];
        if (sent[i] !== 0) u[i] = 0;
      }
      expect(ef.residual()[0]).toEqual(v);
    }
    // And it differs from plain error feedback.
    const plain = new ErrorFeedback([n]);
    for (let round = 0; round < 10; round++) plain.compress([gradientValues(n, round)], (x) => encodeWithSent(x, 'topk', { topkFraction: 0.05 }));
    expect(plain.residual()[0]).not.toEqual(v);
  });

  it('residual() is a copy; reset() forgets; wrong inputs are refused with what was wrong', () => {
    const ef = new ErrorFeedback([10, 20]);
    ef.compress([gradientValues(10, 1), gradientValues(20, 2)], (v) => encodeWithSent(v, 'topk', { topkFraction: 0.1 }));
    const copy = ef.residual();
    copy[0].fill(123);
    expect(ef.residual()[0].some((x) => x === 123)).toBe(false);
    ef.reset();
    expect(ef.residual().every((e) => e.every((x) => x === 0))).toBe(true);
    const encode = (v: Float32Array) => encodeWithSent(v, 'f32');
    expect(() => ef.compress([new Float32Array(10)], encode)).toThrow(/1 gradients for 2 tensors/);
    expect(() => ef.compress([new Float32Array(10), new Float32Array(21)], encode)).toThrow(/gradient 1 has 21 entries, expected 20/);
    expect(() => ef.compress([new Float32Array(10), new Float32Array(20)], () => ({ payload: new Uint8Array(0), sent: new Float32Array(3) }))).toThrow(/3 sent values for tensor 0/);
    expect(() => new ErrorFeedback([3, -1])).toThrow(/size -1 of tensor 1/);
    expect(() => new ErrorFeedback([3], { momentum: 1 })).toThrow(/momentum 1 is not in \[0, 1\)/);
  });
});
