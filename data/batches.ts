// Mini-batch order and the per-step copy of a batch into reusable buffers.
import { isStreamed, type Split } from './dataset.js';
import type { Random } from '../lib/random.js';

/**
 * Seeded mini-batch indices over `count` examples. Each epoch is a fresh seeded permutation; every batch
 * is full-size. The examples left at the end of an epoch (fewer than a batch) are not dropped: the batch
 * WRAPS into the next epoch's permutation. So the concatenated batches are epoch permutations back to
 * back and every example is seen exactly once per epoch; a batch that straddles two epochs can (rarely)
 * hold one example twice.
 */
export class BatchSampler {
  private readonly rng: Random;
  private order: Int32Array;
  private pos = 0;
  private epochIndex = 0;

  constructor(
    readonly count: number,
    readonly batchSize: number,
    /** The batch order's own stream (lib/random.ts). */
    random: Random,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`BatchSampler needs at least one example, got count ${count}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    this.rng = random;
    this.order = random.permutation(count);
  }

  /** Completed epochs (wraps so far). */
  get epoch(): number {
    return this.epochIndex;
  }

  /** Where the order stands: epochs completed and the position in the current one. A sampler made on
   *  the same stream and moved there with seek() goes on with the same batches. */
  get position(): SamplerPosition {
    return { epoch: this.epochIndex, position: this.pos };
  }

  /** Moves a fresh sampler to `at` (its epochs' permutations drawn again, in order). */
  seek(at: SamplerPosition): void {
    if (this.epochIndex !== 0 || this.pos !== 0) throw new Error('BatchSampler.seek: only a fresh sampler can seek');
    if (!Number.isInteger(at.epoch) || at.epoch < 0 || !Number.isInteger(at.position) || at.position < 0 || at.position > this.count) {
      throw new RangeError(`batch order position epoch ${at.epoch}, example ${at.position} is not within ${this.count} examples`);
    }
    for (let e = 0; e < at.epoch; e++) this.rng.shuffle(this.order);
    this.epochIndex = at.epoch;
    this.pos = at.position;
  }

  /** The next batch's example indices: a new array of `size` (the batch size unless given; replicas
   *  draw their round's batches together and each takes its own). */
  next(size = this.batchSize): Int32Array {
    const out = new Int32Array(size);
    let filled = 0;
    while (filled < size) {
      if (this.pos === this.count) {
        this.rng.shuffle(this.order);
        this.pos = 0;
        this.epochIndex++;
      }
      const take = Math.min(size - filled, this.count - this.pos);
      out.set(this.order.subarray(this.pos, this.pos + take), filled);
      filled += take;
      this.pos += take;
    }
    return out;
  }
}

export interface SamplerPosition {
  epoch: number;
  position: number;
}

export interface Batch {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Copies the examples at `indices` into `out` (allocated when absent; pass the previous result back to
 * reuse it on every training step). `out` must be sized for exactly `indices.length` examples.
 */
export function gather(split: Split, inputSize: number, indices: Int32Array, out?: Batch): Batch {
  const n = indices.length;
  const dst = out ?? { x: new Float32Array(n * inputSize), y: new Int32Array(n) };
  if (dst.x.length !== n * inputSize || dst.y.length !== n) {
    throw new RangeError(`gather: buffers hold ${dst.y.length} examples of ${dst.x.length / Math.max(1, dst.y.length)} floats, need ${n} of ${inputSize}`);
  }
  const { y, count } = split;
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (i < 0 || i >= count) throw new RangeError(`gather: example index ${i} outside 0..${count - 1}`);
    dst.y[k] = y[i];
  }
  // A streamed split has no `x` to touch: reading it would throw.
  if (isStreamed(split)) for (let k = 0; k < n; k++) split.read(indices[k], dst.x, k * inputSize);
  else for (let k = 0; k < n; k++) dst.x.set(split.x.subarray(indices[k] * inputSize, (indices[k] + 1) * inputSize), k * inputSize);
  return dst;
}

/**
 * The inputs of examples start .. start + n - 1 (a contiguous range, for evaluation), whichever form the
 * split has. Without `out`, an in-memory split answers with a view of its own array (no copy: do not
 * write to it) and a streamed one with a new array; with `out` (exactly n * inputSize floats) the inputs
 * are copied there. The labels are split.y.subarray(start, start + n).
 */
export function readExamples(split: Split, inputSize: number, start: number, n: number, out?: Float32Array): Float32Array {
  if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || start + n > split.count) {
    throw new RangeError(`readExamples: examples ${start}..${start + n - 1} are not within 0..${split.count - 1}`);
  }
  if (out && out.length !== n * inputSize) throw new RangeError(`readExamples: the buffer holds ${out.length} floats, need ${n} x ${inputSize}`);
  if (!isStreamed(split)) {
    const view = split.x.subarray(start * inputSize, (start + n) * inputSize);
    if (!out) return view;
    out.set(view);
    return out;
  }
  const dst = out ?? new Float32Array(n * inputSize);
  for (let k = 0; k < n; k++) split.read(start + k, dst, k * inputSize);
  return dst;
}
