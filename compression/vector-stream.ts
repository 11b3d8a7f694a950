// One flat vector of float32 values as a message's tensors, in parts: a replica's gradient for its
// task's own parameters and the task step the coordinator averages from them (hybrid.proto
// ReplicaGradient, TaskStep). The receiver learns the length from the first piece and bounds it before
// allocating anything.
import { ENCODING_IDS } from './encodings/index.js';
import { ValueAssembler } from './stream-reader.js';
import { encodeStream, rawF32 } from './tensor-stream.js';
import { ErrorCode, WireError, type TensorMessage } from '../proto/codec.js';

const NAME = 'task';

/** `values` as the tensors of a message's parts (one part when it fits a chunk). */
export function vectorParts(values: Float32Array, chunkBytes: number): TensorMessage[][] {
  return encodeStream([{ name: NAME, shape: [values.length], values }], chunkBytes, ENCODING_IDS.f32, rawF32);
}

/** A vector arriving in parts; at most `bound` entries. */
export class VectorAssembler {
  private values: ValueAssembler | null = null;

  constructor(
    private readonly what: string,
    private readonly bound: number,
  ) {}

  get open(): boolean {
    return this.values?.open ?? false;
  }

  /** Takes one part; the whole vector once its last part is in. Throws WireError when it is broken. */
  accept(part: number, parts: number, tensors: readonly TensorMessage[]): Float32Array | null {
    if (!this.values) {
      const first = tensors[0];
      const shape = first?.shape ?? [];
      if (part !== 0) throw new WireError(ErrorCode.MALFORMED, `${this.what}: part ${part} arrived first (part 0 is missing)`);
      if (!first || first.name !== NAME || shape.length !== 1) throw new WireError(ErrorCode.SHAPE, `${this.what}: expected one tensor "${NAME}" of one dimension`);
      if (shape[0] < 1 || shape[0] > this.bound) throw new WireError(ErrorCode.SHAPE, `${this.what}: ${shape[0]} entries; this task's vectors have 1 to ${this.bound}`);
      this.values = new ValueAssembler(this.what, [{ name: NAME, shape: [shape[0]] }]);
    }
    if (!this.values.accept(part, parts, tensors)) return null;
    return this.values.tensors[0].values;
  }
}
