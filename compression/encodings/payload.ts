// What every value encoding shares: the errors a payload can raise, float bits as integers, and the
// 12-byte header of TOPK and INT8 (compression/encodings/index.ts describes the byte layouts).

export const HEADER_BYTES = 12;

/**
 * A payload that cannot be decoded (reason 'malformed'), one whose entry count is not the expected one
 * ('count'), or a non-finite value on either side ('non-finite'). The wire maps these to
 * Error.Code MALFORMED, SHAPE and NON_FINITE.
 */
export type EncodingErrorReason = 'malformed' | 'count' | 'non-finite';

export class EncodingError extends Error {
  constructor(
    readonly reason: EncodingErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'EncodingError';
  }
}

export function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

export function nonFinite(what: string, value: number, index: number): EncodingError {
  return new EncodingError('non-finite', `${what}: value ${value} at index ${index}`);
}

export function malformed(message: string): EncodingError {
  return new EncodingError('malformed', message);
}

export function countError(what: string, bytes: number, count: number, width: number): EncodingError {
  // A length that is a whole number of entries is a count mismatch; anything else is a broken payload.
  const reason = bytes % width === 0 ? 'count' : 'malformed';
  return new EncodingError(reason, `${what} payload of ${bytes} bytes holds ${bytes / width} entries, expected ${count} (${count * width} bytes)`);
}

export interface Header {
  flags: number;
  count: number;
  /** TOPK's k, INT8's chunk size. */
  param: number;
}

export function writeHeader(payload: Uint8Array, id: number, flags: number, count: number, param: number): void {
  const view = new DataView(payload.buffer, payload.byteOffset, HEADER_BYTES);
  view.setUint8(0, id);
  view.setUint8(1, flags);
  view.setUint16(2, 0, true);
  view.setUint32(4, count, true);
  view.setUint32(8, param, true);
}

export function readHeader(payload: Uint8Array, what: string, id: number, allowedFlags: number, expectedCount: number): Header {
  if (payload.byteLength < HEADER_BYTES) throw malformed(`${what} payload of ${payload.byteLength} bytes is shorter than its ${HEADER_BYTES}-byte header`);
  const view = new DataView(payload.buffer, payload.byteOffset, HEADER_BYTES);
  if (view.getUint8(0) !== id) throw malformed(`${what} payload: header says encoding ${view.getUint8(0)}, expected ${id}`);
  const flags = view.getUint8(1);
  if ((flags & ~allowedFlags) !== 0) throw malformed(`${what} payload: unknown flags 0x${flags.toString(16)}`);
  if (view.getUint16(2, true) !== 0) throw malformed(`${what} payload: reserved header bytes are not zero`);
  const count = view.getUint32(4, true);
  if (count !== expectedCount) throw new EncodingError('count', `${what} payload holds ${count} entries, expected ${expectedCount}`);
  return { flags, count, param: view.getUint32(8, true) };
}

/** A float32 region of a payload as an aligned array (a view when possible, else a copy). */
export function floatsAt(payload: Uint8Array, offset: number, count: number): Float32Array {
  const start = payload.byteOffset + offset;
  if (start % 4 === 0) return new Float32Array(payload.buffer, start, count);
  // A copy into a fresh Uint8Array: a Buffer's slice() is a view on its (pooled) memory, not a copy.
  return new Float32Array(new Uint8Array(payload.subarray(offset, offset + count * 4)).buffer);
}

export function halvesAt(payload: Uint8Array, offset: number, count: number): Uint16Array {
  const start = payload.byteOffset + offset;
  if (start % 2 === 0) return new Uint16Array(payload.buffer, start, count);
  return new Uint16Array(new Uint8Array(payload.subarray(offset, offset + count * 2)).buffer);
}
