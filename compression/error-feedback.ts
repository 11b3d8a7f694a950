// Error feedback for lossy encodings (Seide et al. 2014; Karimireddy et al. 2019): what an encoding
// drops this round is remembered and added to the next round's input, so over many rounds nothing is
// lost: sum(sent) + residual = sum(inputs), up to float32 rounding. Optional momentum correction
// (Lin et al. 2018, "Deep Gradient Compression") accumulates the velocity before compressing.
import type { Encoded, EncodingName } from './encodings/index.js';

export interface ErrorFeedbackOptions {
  /**
   * Momentum correction, in [0, 1); 0 (default) is off. With it on, the sender accumulates
   * u = momentum * u + g and compresses the residual plus u, and it clears u wherever an entry was sent
   * (momentum factor masking), so it suits sparse encodings (TOPK). The receiver must then apply
   * plain SGD to what arrives: a second momentum there would count it twice.
   */
  momentum?: number;
}

/**
 * Encodes one tensor; `values` is the error-feedback buffer itself, so the encoder must not keep it or
 * change it. encodeWithSent from ./encodings.js fits: (v) => encodeWithSent(v, 'topk', options).
 */
export type FeedbackEncoder = (values: Float32Array, tensor: number) => Encoded;

export class ErrorFeedback {
  private readonly sizes: readonly number[];
  private readonly residuals: Float32Array[];
  private readonly velocities: Float32Array[] | undefined;
  private readonly momentum: number;

  constructor(sizes: readonly number[], options: ErrorFeedbackOptions = {}) {
    sizes.forEach((size, i) => {
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`error feedback: size ${size} of tensor ${i} is not a non-negative integer`);
    });
    const momentum = options.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`error feedback: momentum ${momentum} is not in [0, 1)`);
    this.sizes = [...sizes];
    this.momentum = momentum;
    this.residuals = sizes.map((size) => new Float32Array(size));
    this.velocities = momentum > 0 ? sizes.map((size) => new Float32Array(size)) : undefined;
  }

  /**
   * Adds each tensor's residual to its gradient (after momentum, when on), encodes the sum, and keeps
   * what the receiver will not reconstruct as the new residual. Returns the payloads, one per tensor.
   */
  compress(grads: readonly Float32Array[], encode: FeedbackEncoder): Uint8Array[] {
    if (grads.length !== this.sizes.length) throw new RangeError(`error feedback: ${grads.length} gradients for ${this.sizes.length} tensors`);
    grads.forEach((g, t) => {
      if (g.length !== this.sizes[t]) throw new RangeError(`error feedback: gradient ${t} has ${g.length} entries, expected ${this.sizes[t]}`);
    });
    return grads.map((g, t) => this.compressOne(t, g, encode));
  }

  /** As compress(), for tensor (or piece) `t` alone: what a stream encoder calls piece by piece. */
  compressOne(t: number, g: Float32Array, encode: FeedbackEncoder): Uint8Array {
    const e = this.residuals[t];
    if (e === undefined || g.length !== e.length) throw new RangeError(`error feedback: gradient ${t} has ${g.length} entries, expected ${e?.length ?? 'no tensor'}`);
    const u = this.velocities?.[t];
    if (u) {
      const m = this.momentum;
      for (let i = 0; i < e.length; i++) {
        u[i] = m * u[i] + g[i];
        e[i] += u[i];
      }
    } else {
      for (let i = 0; i < e.length; i++) e[i] += g[i];
    }
    const { payload, sent } = encode(e, t);
    if (sent.length !== e.length) throw new RangeError(`error feedback: encoder returned ${sent.length} sent values for tensor ${t} of ${e.length}`);
    if (u) {
      for (let i = 0; i < e.length; i++) {
        const s = sent[i];
        if (s !== 0) u[i] = 0;
        e[i] -= s;
      }
    } else {
      for (let i = 0; i < e.length; i++) e[i] -= sent[i];
    }
    return payload;
  }

  /** How many tensors (or pieces) this feedback keeps a residual for. */
  get pieces(): number {
    return this.sizes.length;
  }

  /** Copies of what has not been sent yet, one per tensor. */
  residual(): Float32Array[] {
    return this.residuals.map((e) => e.slice());
  }

  /** Forgets the residual and the velocity (e.g. after the receiver resynchronised from a dense copy). */
  reset(): void {
    for (const e of this.residuals) e.fill(0);
    for (const u of this.velocities ?? []) u.fill(0);
  }
}

/**
 * Dense warm-up: the encoding for a round (counted from 0), F32 for the first `warmupRounds` rounds,
 * else `encoding`. Through ErrorFeedback an F32 round sends everything and empties the residual.
 */
export function encodingForRound(round: number, warmupRounds: number, encoding: EncodingName): EncodingName {
  return round < warmupRounds ? 'f32' : encoding;
}
