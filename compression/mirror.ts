// W as the workers hold it. The coordinator keeps one mirror to encode the downlink's deltas against,
// each worker one to apply them to: a full W replaces it, a delta is added entry by entry in float32.
// Both sides run the same addition on the same decoded values, here, so the copies stay equal to the
// coordinator's mirror bit for bit.
import type { SentValues } from './encodings/index.js';
import type { PieceEncoder } from './tensor-stream.js';

export class Mirror {
  private scratch = new Float32Array(0);

  /**
   * `tensors` become the mirror's own (pass W's arrays themselves where the downlink sends W in full
   * every round: the mirror is then W, with nothing to keep in step).
   */
  constructor(
    readonly tensors: Float32Array[],
    private current: number,
  ) {}

  /** The version of W the mirror holds (-1: none yet). */
  get version(): number {
    return this.current;
  }

  /** Takes a full W at `version`. */
  replace(version: number, values: readonly Float32Array[]): void {
    this.tensors.forEach((m, t) => {
      if (m !== values[t]) m.set(values[t]);
    });
    this.current = version;
  }

  /** Adds a decoded delta to tensor `t`'s entries from `offset`: the float32 addition both sides do. */
  addPiece(t: number, offset: number, delta: Float32Array): void {
    const m = this.tensors[t];
    for (let j = 0; j < delta.length; j++) m[offset + j] += delta[j];
  }

  /** Adds whole-tensor deltas, taking the mirror from version - 1 to `version`. */
  add(version: number, deltas: readonly Float32Array[]): void {
    deltas.forEach((d, t) => this.addPiece(t, 0, d));
    this.current = version;
  }

  /**
   * A piece encoder for streaming W as its delta against the mirror: `encode` turns each piece's delta
   * into a payload and what the receivers will decode from it, which the mirror then adds as they will
   * (TOPK's kept entries alone: the rest decode to 0, and x + 0 is x in float32). `delta`, where given,
   * is W minus this mirror already computed (the coordinator's step writes it in its pass over W).
   * Advance the version once every piece is encoded.
   */
  deltaEncoder(encode: (delta: Float32Array) => { payload: Uint8Array; sent: SentValues }, delta?: readonly Float32Array[]): PieceEncoder {
    return (w, range) => {
      const m = this.tensors[range.tensor].subarray(range.offset, range.offset + range.count);
      const d = delta ? delta[range.tensor].subarray(range.offset, range.offset + range.count) : this.difference(w, m);
      const { payload, sent } = encode(d);
      if ('dense' in sent) this.addPiece(range.tensor, range.offset, sent.dense);
      else for (let j = 0; j < sent.indices.length; j++) m[sent.indices[j]] += sent.values[j];
      return payload;
    };
  }

  /** w - m into one scratch buffer for every piece of every round: encoders never keep their input. */
  private difference(w: Float32Array, m: Float32Array): Float32Array {
    if (this.scratch.length < w.length) this.scratch = new Float32Array(w.length);
    const d = this.scratch.subarray(0, w.length);
    for (let j = 0; j < d.length; j++) d[j] = w[j] - m[j];
    return d;
  }

  /** Marks the mirror as holding `version` (after a delta's pieces were all encoded). */
  advance(version: number): void {
    this.current = version;
  }
}
