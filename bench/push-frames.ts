// The frames bench:comm's synthetic workers send, built as a real worker builds its own: the gradient
// cut, encoded and grouped into parts by the one stream encoder (compression/tensor-stream.ts
// encodeStream, as worker/uplink.ts), frames encoded with proto/codec.ts. Built once per grid point,
// before anything is measured, as templates a client only writes its task name and version into
// (bench/push-writer.ts).
import { encodeValues, ENCODING_IDS, type EncodingName } from '../compression/encodings/index.js';
import { encodeStream, groupParts, partFields, type StreamTensor } from '../compression/tensor-stream.js';
import { Random } from '../lib/random.js';
import { sliceLayout, sliceViews, type ShardPlan } from '../model/shard-plan.js';
import type { ModelSpec } from '../model/spec.js';
import { encode, PROTOCOL_VERSION, type GradientPush, type TensorMessage } from '../proto/codec.js';
import { VERSION_CLASSES, type PushTemplates } from './push-writer.js';

/** Every value encoding, in the order the tables list them. */
export const ENCODINGS: readonly EncodingName[] = ['f32', 'f16', 'bf16', 'topk', 'int8'];

/** TOPK keeps this fraction of each piece's entries (both ways), as F32 values. */
export const TOPK_FRACTION = 0.01;

/** Small seeded random gradients, finite by construction. */
export function syntheticGradient(spec: ModelSpec, seed = 1): Float32Array[] {
  const random = Random.stream(seed, 'bench/gradient');
  return spec.shared.map((t) => random.fillGaussian(new Float32Array(t.size), 2.5e-4));
}

/** The tensors of a push as a worker builds them: each shared tensor cut into pieces of at most
 *  `chunkBytes` of F32, each piece encoded on its own in `encoding`, in stream order. */
export function encodedPieces(spec: ModelSpec, values: readonly Float32Array[], encoding: EncodingName, chunkBytes: number): TensorMessage[] {
  return encodeTensors(
    spec.shared.map((t, i) => ({ name: t.name, shape: t.shape, values: values[i] })),
    encoding,
    chunkBytes,
  );
}

/** Per shard of `plan`, the tensors of the push a worker sends it (worker/uplink.ts with the shard's
 *  layout): the shard's slices, named as sliceLayout names them, each cut into pieces of at most
 *  `chunkBytes` of F32 and encoded on its own. With one shard, encodedPieces's. */
export function shardPieces(spec: ModelSpec, plan: ShardPlan, values: readonly Float32Array[], encoding: EncodingName, chunkBytes: number): TensorMessage[][] {
  if (plan.shards === 1) return [encodedPieces(spec, values, encoding, chunkBytes)];
  return plan.slices.map((slices) => {
    const views = sliceViews(values, slices);
    return encodeTensors(
      sliceLayout(spec.shared, slices).map((t, i) => ({ name: t.name, shape: t.shape, values: views[i] })),
      encoding,
      chunkBytes,
    );
  });
}

function encodeTensors(tensors: readonly StreamTensor[], encoding: EncodingName, chunkBytes: number): TensorMessage[] {
  // INT8 rounds stochastically: seeded, so a grid point's frames are the same on every run.
  const rounding = Random.stream(1, 'bench/int8');
  const options = { topkFraction: TOPK_FRACTION, topkValues: 'f32' as const, random: () => rounding.uniform() };
  return encodeStream(tensors, chunkBytes, ENCODING_IDS[encoding], (piece) => encodeValues(piece, encoding, options)).flat();
}

/** Part `part` of `parts` of a push: what every bench push says besides its gradient. */
function pushPart(task: string, baseVersion: number, gradient: TensorMessage[], part: number, parts: number): GradientPush {
  return { task, baseVersion, gradient, loss: 0.5, samples: 64, ...partFields(part, parts) };
}

/**
 * Where two frames that differ in one field of `length` bytes differ: the first byte that differs,
 * after checking that nothing past the field does. Found this way, not by reading the frame, so the
 * templates hold wherever the codec puts the field.
 */
function fieldAt(a: Uint8Array, b: Uint8Array, length: number, what: string): number {
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  if (a.length !== b.length || at + length > a.length || Buffer.compare(a.subarray(at + length), b.subarray(at + length)) !== 0) {
    throw new Error(`bench: the push frames do not hold the ${what} as ${length} bytes in one place`);
  }
  return at;
}

/**
 * The part frames of a push of `pieces` (grouped into parts of at most `chunkBytes` of tensor data, as
 * the stream encoder groups them), as proto/codec encodes them, for a base version of each class of
 * VERSION_CLASSES, with where each frame's task name (of `task`'s length) and version lie.
 */
export function pushTemplates(task: string, pieces: readonly TensorMessage[], chunkBytes: number): PushTemplates {
  const parts = groupParts(pieces, chunkBytes);
  const taskBytes = Buffer.byteLength(task, 'utf8');
  // Two names of that length that differ in every byte; either serves as the placeholder.
  const [nameA, nameB] = ['a'.repeat(taskBytes), 'b'.repeat(taskBytes)];
  const out: PushTemplates = { frames: [], versionAt: [], taskAt: [], taskBytes };
  VERSION_CLASSES.forEach(([lo, hi], versionBytes) => {
    const frames: SharedArrayBuffer[] = [];
    const versionAt: number[] = [];
    const taskAt: number[] = [];
    parts.forEach((gradient, part) => {
      const frame = (name: string, version: number): Uint8Array => encode('push', pushPart(name, version, gradient, part, parts.length));
      const template = frame(nameA, lo);
      taskAt.push(fieldAt(template, frame(nameB, lo), taskBytes, 'task name'));
      // Class 0 (version 0) has no version field; class c's versions take c varint bytes.
      versionAt.push(lo === hi ? -1 : fieldAt(template, frame(nameA, hi), versionBytes, 'base version'));
      const shared = new SharedArrayBuffer(template.byteLength);
      new Uint8Array(shared).set(template);
      frames.push(shared);
    });
    out.frames.push(frames);
    out.versionAt.push(versionAt);
    out.taskAt.push(taskAt);
  });
  return out;
}

/**
 * Payload bytes of a push of `pieces` (base version of one varint byte) and of a full ParamUpdate of
 * them, each in parts as proto/codec frames them; the coordinator's update may differ by a byte or two
 * a part (its version varint, flags it sets).
 */
export function messageBytes(task: string, pieces: readonly TensorMessage[], chunkBytes: number): { push: number; update: number; pushParts: number[]; updateParts: number[] } {
  const parts = groupParts(pieces, chunkBytes);
  const pushParts: number[] = [];
  const updateParts: number[] = [];
  parts.forEach((tensors, part) => {
    pushParts.push(encode('push', pushPart(task, 1, tensors, part, parts.length)).byteLength);
    updateParts.push(encode('update', { version: 1, shared: tensors, ...partFields(part, parts.length) }).byteLength);
  });
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return { push: sum(pushParts), update: sum(updateParts), pushParts, updateParts };
}

/** A worker's Hello: it can send and apply every value encoding, and take messages in parts. */
export function helloFrame(task: string, fingerprint: string): Uint8Array {
  return encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: fingerprint, workerId: `bench-${task}`, encodings: ENCODINGS.map((e) => ENCODING_IDS[e]), parts: true });
}
