// Encoding and decoding of the wire protocol (proto/hybrid.proto, package hybrid.v1) with the
// protobufjs code generated from it, plus the tensor conversions both sides need. Decoded F32 tensors
// are views on the received frame where its alignment allows, not copies.
import './int64-as-number.js';
import { requireLittleEndian } from '../lib/byte-order.js';
import { allFinite, firstNonFinite } from '../lib/finite.js';
import { hybrid } from './hybrid.pb.js';

/** The protocol this build speaks; a peer speaking another is refused (Error.PROTOCOL_VERSION). Version 2:
 *  settings only in Welcome.config_json, typed TaskState sections, Error codes DUPLICATE, FUTURE and
 *  TRAINING_OVER, evaluations in pushes. */
export const PROTOCOL_VERSION = 3;

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
export type ReplicaGradient = hybrid.v1.ReplicaGradient.$Properties;
export type TaskStep = hybrid.v1.TaskStep.$Properties;
export type PushArrived = hybrid.v1.PushArrived.$Properties;
export type RoundClose = hybrid.v1.RoundClose.$Properties;
export type ShardStatus = hybrid.v1.ShardStatus.$Properties;
export type Restore = hybrid.v1.Restore.$Properties;
export type ShardTraffic = hybrid.v1.ShardTraffic.$Properties;
export type EvaluationMessage = hybrid.v1.Evaluation.$Properties;
export type OptimizerSlotsMessage = hybrid.v1.OptimizerSlots.$Properties;
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
  replicaGradient: ReplicaGradient;
  taskStep: TaskStep;
  pushArrived: PushArrived;
  roundClose: RoundClose;
  shardStatus: ShardStatus;
  restore: Restore;
  shardTraffic: ShardTraffic;
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

requireLittleEndian("the wire format's tensors");

export function encode<K extends MessageKind>(kind: K, body: Messages[K]): Uint8Array {
  return wire.Envelope.encode({ [kind]: body }).finish();
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

/** The byte width of an entry in a raw (not value-encoded) tensor: F32 4, U8 1; else null. */
export function rawWidth(encoding: number | null | undefined): number | null {
  const id: number = encoding ?? Encoding.ENCODING_F32;
  return id === Number(Encoding.ENCODING_F32) ? 4 : id === Number(Encoding.ENCODING_U8) ? 1 : null;
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
  if (allFinite(values)) return;
  const i = firstNonFinite(values);
  throw new WireError(ErrorCode.NON_FINITE, `tensor "${name}": value ${values[i]} at index ${offset + i}`);
}
