// Encoding and decoding of the wire protocol (proto/hybrid.proto, package hybrid.v1) with the
// protobufjs code generated from it, plus the tensor conversions both sides need. Decoded F32 tensors
// are views on the received frame where its alignment allows, not copies.
import './int64-as-number.js';
import { decodeValues, ENCODING_IDS, EncodingError, type EncodingName } from './encodings.js';
import { hybrid } from './hybrid.pb.js';

export const PROTOCOL_VERSION = 1;

export const wire = hybrid.v1;
export type Envelope = hybrid.v1.Envelope.$Properties;
export type TensorMessage = hybrid.v1.Tensor.$Properties;
export type Hello = hybrid.v1.Hello.$Properties;
export type Welcome = hybrid.v1.Welcome.$Properties;
export type GradientPush = hybrid.v1.GradientPush.$Properties;
export type ParamUpdate = hybrid.v1.ParamUpdate.$Properties;
export type TaskStateMessage = hybrid.v1.TaskState.$Properties;
export type Heartbeat = hybrid.v1.Heartbeat.$Properties;
export type ErrorMessage = hybrid.v1.Error.$Properties;
export type Bye = hybrid.v1.Bye.$Properties;
export const ErrorCode = hybrid.v1.Error.Code;
export type ErrorCode = hybrid.v1.Error.Code;
export const Encoding = hybrid.v1.Encoding;

/** The message kinds of an Envelope, with their payload types. */
export interface Messages {
  hello: Hello;
  welcome: Welcome;
  push: GradientPush;
  update: ParamUpdate;
  taskState: TaskStateMessage;
  heartbeat: Heartbeat;
  error: ErrorMessage;
  bye: Bye;
}
export type MessageKind = keyof Messages;
export type Decoded = { [K in MessageKind]: { kind: K; body: Messages[K] } }[MessageKind];

/** Something a peer sent that breaks the protocol; `code` is what the error reply carries. */
export class WireError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
if (!littleEndian) throw new Error('hybrid: the wire format is little-endian and so must the host be');

export function encode<K extends MessageKind>(kind: K, body: Messages[K]): Uint8Array {
  return wire.Envelope.encode({ [kind]: body } as Envelope).finish();
}

export function decode(frame: Uint8Array): Decoded {
  let envelope: hybrid.v1.Envelope;
  try {
    envelope = wire.Envelope.decode(frame);
  } catch (err) {
    throw new WireError(ErrorCode.MALFORMED, `malformed frame (${frame.length} bytes): ${(err as Error).message}`);
  }
  const kind = envelope.body;
  if (!kind) throw new WireError(ErrorCode.UNKNOWN_TYPE, 'frame carries no message type this protocol version knows');
  return { kind, body: envelope[kind] } as Decoded;
}

/** An F32 tensor message whose bytes view `values` (the encoder copies them once, into the frame). */
export function f32Tensor(name: string, shape: readonly number[], values: Float32Array): TensorMessage {
  return { name, shape: [...shape], encoding: Encoding.ENCODING_F32, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

export function u8Tensor(name: string, shape: readonly number[], values: Uint8Array): TensorMessage {
  return { name, shape: [...shape], encoding: Encoding.ENCODING_U8, data: values };
}

function describe(t: TensorMessage): string {
  return `tensor "${t.name ?? ''}"`;
}

/** The entry count a shape promises. */
function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The values of an F32 tensor, checked against the shape it must have: a view on the frame when
 * aligned, else a copy. Wrong encoding, shape or byte length is a WireError(SHAPE).
 */
export function f32Values(t: TensorMessage, expectedShape?: readonly number[]): Float32Array {
  const encoding = t.encoding ?? Encoding.ENCODING_F32;
  if (encoding !== Encoding.ENCODING_F32) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: encoding ${Encoding[encoding] ?? encoding} is not supported here (F32 only)`);
  const shape = t.shape ?? [];
  if (expectedShape && (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i]))) {
    throw new WireError(ErrorCode.SHAPE, `${describe(t)}: shape [${shape.join(', ')}], expected [${expectedShape.join(', ')}]`);
  }
  const data = t.data ?? new Uint8Array(0);
  const size = shapeSize(shape);
  if (data.byteLength !== size * 4) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: ${data.byteLength} bytes for shape [${shape.join(', ')}] (${size * 4} expected)`);
  if (data.byteOffset % 4 === 0) return new Float32Array(data.buffer, data.byteOffset, size);
  // Unaligned: copy (a Buffer's slice() would be a view, so copy through a fresh Uint8Array).
  return new Float32Array(new Uint8Array(data).buffer);
}

/** A tensor message carrying a payload from proto/encodings.ts (encodeValues) in `encoding`. */
export function encodedTensor(name: string, shape: readonly number[], payload: Uint8Array, encoding: EncodingName): TensorMessage {
  return { name, shape: [...shape], encoding: ENCODING_IDS[encoding], data: payload };
}

const ENCODING_NAMES = new Map<number, EncodingName>(Object.entries(ENCODING_IDS).map(([name, id]) => [id, name as EncodingName]));

/** The value encoding of a wire Encoding number (undefined for U8 and unknown numbers). */
export function encodingName(id: number | null | undefined): EncodingName | undefined {
  return ENCODING_NAMES.get(id ?? Encoding.ENCODING_F32);
}

/**
 * The values of a tensor in any value encoding (F32, F16, BF16, TOPK, INT8), checked against the shape
 * it must have; always finite. F32 is a view on the frame when aligned. A wrong shape or entry count,
 * or a non-value encoding (U8), is WireError(SHAPE); an undecodable payload MALFORMED; a non-finite
 * value NON_FINITE.
 */
export function tensorValues(t: TensorMessage, expectedShape: readonly number[]): Float32Array {
  const id = t.encoding ?? Encoding.ENCODING_F32;
  const encoding = ENCODING_NAMES.get(id);
  if (encoding === undefined) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: encoding ${Encoding[id] ?? id} does not carry values`);
  const shape = t.shape ?? [];
  if (shape.length !== expectedShape.length || shape.some((d, i) => d !== expectedShape[i])) {
    throw new WireError(ErrorCode.SHAPE, `${describe(t)}: shape [${shape.join(', ')}], expected [${expectedShape.join(', ')}]`);
  }
  if (encoding === 'f32') {
    // F32 as before compression existed: same checks, same messages, a view on the frame when aligned.
    const values = f32Values(t, expectedShape);
    checkFinite(t.name ?? '', values);
    return values;
  }
  try {
    return decodeValues(t.data ?? new Uint8Array(0), encoding, shapeSize(shape));
  } catch (err) {
    if (!(err instanceof EncodingError)) throw err;
    const code = err.reason === 'count' ? ErrorCode.SHAPE : err.reason === 'non-finite' ? ErrorCode.NON_FINITE : ErrorCode.MALFORMED;
    throw new WireError(code, `${describe(t)} (${encoding.toUpperCase()}): ${err.message}`);
  }
}

/**
 * Decodes a piece (hybrid.proto Tensor with offset/count, or a whole tensor) of `target.length` entries
 * into `target`: the piece's encoding and the entry count are checked, and every value must be finite.
 * Errors as tensorValues (SHAPE, MALFORMED, NON_FINITE); `target` may then hold part of the piece.
 * `allFinite`, when given, is a faster test of F32 pieces (checkFinite then only names the bad value).
 */
export function decodePieceInto(t: TensorMessage, target: Float32Array, allFinite?: (values: Float32Array) => boolean): void {
  const id = t.encoding ?? Encoding.ENCODING_F32;
  const encoding = ENCODING_NAMES.get(id);
  if (encoding === undefined) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: encoding ${Encoding[id] ?? id} does not carry values`);
  const data = t.data ?? new Uint8Array(0);
  if (encoding === 'f32') {
    if (data.byteLength !== target.length * 4) {
      const of = t.count ? `entries [${t.offset ?? 0}, ${(t.offset ?? 0) + target.length})` : `shape [${(t.shape ?? []).join(', ')}]`;
      throw new WireError(ErrorCode.SHAPE, `${describe(t)}: ${data.byteLength} bytes for ${of} (${target.length * 4} expected)`);
    }
    // A byte copy whatever the frame's alignment, then the check on the aligned copy.
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(data);
    if (!allFinite?.(target)) checkFinite(t.name ?? '', target, t.offset ?? 0);
    return;
  }
  try {
    target.set(decodeValues(data, encoding, target.length));
  } catch (err) {
    if (!(err instanceof EncodingError)) throw err;
    const code = err.reason === 'count' ? ErrorCode.SHAPE : err.reason === 'non-finite' ? ErrorCode.NON_FINITE : ErrorCode.MALFORMED;
    throw new WireError(code, `${describe(t)} (${encoding.toUpperCase()}): ${err.message}`);
  }
}

/** The byte width of an entry in a raw (not value-encoded) tensor: F32 4, U8 1; else null. */
export function rawWidth(encoding: number | null | undefined): number | null {
  const id = encoding ?? Encoding.ENCODING_F32;
  return id === Encoding.ENCODING_F32 ? 4 : id === Encoding.ENCODING_U8 ? 1 : null;
}

export function u8Values(t: TensorMessage, expectedSize?: number): Uint8Array {
  if ((t.encoding ?? 0) !== Encoding.ENCODING_U8) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: expected U8 encoding`);
  const data = t.data ?? new Uint8Array(0);
  const size = shapeSize(t.shape ?? []);
  if (data.byteLength !== size || (expectedSize !== undefined && size !== expectedSize)) {
    throw new WireError(ErrorCode.SHAPE, `${describe(t)}: ${data.byteLength} bytes, expected ${expectedSize ?? size}`);
  }
  return data;
}

/** Every value finite, else WireError(NON_FINITE) naming the tensor and the first bad index (counted
 *  from `offset`, where the values are a piece of the tensor). */
export function checkFinite(name: string, values: Float32Array, offset = 0): void {
  // x - x is 0 for finite x and NaN for NaN and the infinities: one subtraction a value, summed, and
  // the index searched only when the sum says there is one. Four sums, so that the additions do not
  // wait on each other (one chain is bound by the add's latency, four times slower).
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = values.length;
  const whole = n - (n % 4);
  for (let i = 0; i < whole; i += 4) {
    const a = values[i];
    const b = values[i + 1];
    const c = values[i + 2];
    const d = values[i + 3];
    p0 += a - a;
    p1 += b - b;
    p2 += c - c;
    p3 += d - d;
  }
  for (let i = whole; i < n; i++) p0 += values[i] - values[i];
  if (p0 + p1 + p2 + p3 === 0) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new WireError(ErrorCode.NON_FINITE, `tensor "${name}": value ${values[i]} at index ${offset + i}`);
  }
}
