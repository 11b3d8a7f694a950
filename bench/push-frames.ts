// The frames bench:comm's synthetic workers send, built from the same parts as a real worker's: values
// encoded with proto/encodings.ts, tensors cut into pieces and messages into parts with proto/chunks.ts,
// frames encoded with proto/codec.ts. Built once per grid point, before anything is measured, so the
// client threads only patch a task name and a version into them.
import { groupParts, partFields, pieceEntries, pieceMessage, pieceRanges } from '../compression/tensor-stream.js';
import { encode, PROTOCOL_VERSION, type TensorMessage } from '../proto/codec.js';
import { ENCODING_IDS, encodeValues, type EncodingName } from '../compression/encodings/index.js';
import { Random } from '../lib/random.js';
import type { ModelSpec } from '../model/spec.js';
import type { PushTemplates } from './round-clients.js';

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
 *  `chunkBytes` of F32, each piece encoded on its own in `encoding`. */
export function encodedPieces(spec: ModelSpec, values: readonly Float32Array[], encoding: EncodingName, chunkBytes: number): TensorMessage[] {
  const ranges = pieceRanges(
    spec.shared.map((t) => t.size),
    pieceEntries(chunkBytes),
  );
  // INT8 rounds stochastically: seeded, so a grid point's frames are the same on every run.
  const rounding = Random.stream(1, 'bench/int8');
  const options = { topkFraction: TOPK_FRACTION, topkValues: 'f32' as const, random: () => rounding.uniform() };
  return ranges.map((r) => {
    const t = spec.shared[r.tensor];
    const piece = values[r.tensor].subarray(r.offset, r.offset + r.count);
    return pieceMessage(r, t.name, t.shape, ENCODING_IDS[encoding], encodeValues(piece, encoding, options));
  });
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  let b: number;
  do {
    b = buf[pos++];
    v += (b & 127) * mul;
    mul *= 128;
  } while (b & 128);
  return [v, pos];
}

/** Base versions whose varints take 1, 2 and 3 bytes: one template each. */
const VERSION_SENTINELS = [1, 128, 16384];

/**
 * The part frames of a push of `pieces` (grouped into parts of at most `chunkBytes` of tensor data), as
 * proto/codec encodes them, for base versions of 1, 2 and 3 varint bytes, with where each frame's task
 * name and version lie (Envelope { push = GradientPush { task (1), base_version (2), ... } }).
 */
export function pushTemplates(task: string, pieces: readonly TensorMessage[], chunkBytes: number): PushTemplates {
  const parts = groupParts(pieces, chunkBytes);
  const out: PushTemplates = { frames: [], versionAt: [], taskAt: [] };
  for (const sentinel of VERSION_SENTINELS) {
    const frames: SharedArrayBuffer[] = [];
    const versionAt: number[] = [];
    const taskAt: number[] = [];
    parts.forEach((gradient, part) => {
      const frame = encode('push', { task, baseVersion: sentinel, gradient, loss: 0.5, samples: 64, ...partFields(part, parts.length) });
      let pos = readVarint(frame, 1)[1];
      const layout = `bench: the push frame's layout is not Envelope { push { task, base_version, ... } }`;
      if (frame[0] !== 0x1a || frame[pos] !== 0x0a) throw new Error(layout);
      const [nameLength, nameAt] = readVarint(frame, pos + 1);
      pos = nameAt + nameLength;
      if (nameLength !== Buffer.byteLength(task) || frame[pos] !== 0x10 || readVarint(frame, pos + 1)[0] !== sentinel) throw new Error(layout);
      const shared = new SharedArrayBuffer(frame.byteLength);
      new Uint8Array(shared).set(frame);
      frames.push(shared);
      versionAt.push(pos + 1);
      taskAt.push(nameAt);
    });
    out.frames.push(frames);
    out.versionAt.push(versionAt);
    out.taskAt.push(taskAt);
  }
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
    const fields = partFields(part, parts.length);
    pushParts.push(encode('push', { task, baseVersion: 1, gradient: tensors, loss: 0.5, samples: 64, ...fields }).byteLength);
    updateParts.push(encode('update', { version: 1, shared: tensors, ...fields }).byteLength);
  });
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return { push: sum(pushParts), update: sum(updateParts), pushParts, updateParts };
}

/** A worker's Hello: it can send and apply every value encoding, and take messages in parts. */
export function helloFrame(task: string, fingerprint: string): Uint8Array {
  return encode('hello', {
    protocolVersion: PROTOCOL_VERSION,
    task,
    modelFingerprint: fingerprint,
    workerId: `bench-${task}`,
    encodings: ENCODINGS.map((e) => ENCODING_IDS[e]),
    parts: true,
  });
}
