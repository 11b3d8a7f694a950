// The value encodings a tensor can travel in (proto/hybrid.proto's Encoding): pure functions from a
// Float32Array to bytes and back. They run on every round on millions of entries, so the loops work on
// typed-array views of the float bits and allocate per call, never per entry.
//
// Byte layouts (all little-endian):
//   F32   count * 4 bytes, IEEE float32. No header: identical to the wire's existing F32 tensors.
//   F16   count * 2 bytes, IEEE binary16. No header (the count is the shape's).
//   BF16  count * 2 bytes, the upper half of the float32. No header.
//   TOPK  header (12 bytes): u8 encoding id (3), u8 flags (bit 0: indices as a bitmap, else varint
//         deltas; bit 1: values as F16, else F32), u16 reserved = 0, u32 count, u32 k;
//         then k values (F32 or F16); then the k strictly increasing indices, either as LEB128
//         varints (the first index, then the positive gaps) or as a bitmap of ceil(count / 8) bytes,
//         entry i at bit (i % 8) of byte floor(i / 8); the encoder picks whichever is smaller.
//   INT8  header (12 bytes): u8 encoding id (4), u8 flags = 0, u16 reserved = 0, u32 count,
//         u32 chunk size; then ceil(count / chunk) float32 scales; then count int8 values in
//         [-127, 127]. Entry i decodes to q[i] * scale[floor(i / chunk)].
//
// Error bounds (x the input, x' the decoded value; tested in test/unit/encodings-*.test.ts):
//   F32   exact, bit for bit.
//   F16   |x| in [2^-14, 65504]: |x' - x| <= 2^-11 |x| (round to nearest even).
//         |x| < 2^-14 (F16 subnormals): |x' - x| <= 2^-25 absolute; |x| <= 2^-25 becomes (signed) 0.
//         |x| > 65504: x' = +-65504. Clamped, not +-Inf, so that no finite input becomes
//         non-finite; the error there is |x| - 65504, unbounded (error feedback carries it over).
//   BF16  |x| >= 2^-126: |x' - x| <= 2^-8 |x| (round to nearest even on the upper 16 bits);
//         float32 subnormals: |x' - x| <= 2^-134 absolute. Values that would round to +-Inf are clamped
//         to +-(2 - 2^-7) * 2^127, which still meets the 2^-8 relative bound.
//   INT8  per chunk, scale = max|x| / 127 (float32, rounded up so 127 * scale >= max|x|);
//         |x' - x| <= scale per entry (plus the float32 rounding of q * scale), and E[x'] = x:
//         stochastic rounding picks the upper grid point with probability equal to the fraction.
//   TOPK  keeps the k = round(fraction * count) (at least 1) entries of largest magnitude, ties to the
//         lower index, zeros never; kept values exact (F32 values) or F16-bounded as above (F16
//         values); every other entry decodes to 0.
//
// Every encoder refuses non-finite input and every decoder refuses non-finite output: what decodes is
// always finite.

import { requireLittleEndian } from '../../lib/byte-order.js';
import { decodeF32, decodeHalves, encodeF32, encodeHalves } from './dense.js';
import type { EncodeOptions, EncodingName } from './kinds.js';
import { decodeInt8, encodeInt8 } from './int8.js';
import { decodeTopk, decodeTopkInto, encodeTopk, encodeTopkKept } from './topk.js';

export { BF16_MAX, F16_MAX } from './dense.js';
export { ENCODING_IDS, encodingName, type EncodeOptions, type EncodingName } from './kinds.js';
export { EncodingError, type EncodingErrorReason } from './payload.js';

requireLittleEndian('the value encodings');

/** A payload and the dense vector the receiver will decode from it (what error feedback subtracts). */
export interface Encoded {
  payload: Uint8Array;
  /** Bit for bit what decodeValues(payload) returns. May share memory with payload: read only. */
  sent: Float32Array;
}

/** Encodes `values`; the payload never shares memory with them. */
export function encodeValues(values: Float32Array, encoding: EncodingName, options: EncodeOptions = {}): Uint8Array {
  return encode(values, encoding, options, undefined);
}

/** Encodes `values` and also returns what the receiver will decode, computed while encoding. */
export function encodeWithSent(values: Float32Array, encoding: EncodingName, options: EncodeOptions = {}): Encoded {
  if (encoding === 'f32') {
    const payload = encodeF32(values);
    return { payload, sent: new Float32Array(payload.buffer, payload.byteOffset, values.length) };
  }
  const sent = new Float32Array(values.length);
  return { payload: encode(values, encoding, options, sent), sent };
}

/** What the receiver will decode, as an adder wants it: TOPK's kept entries alone (every other entry
 *  decodes to 0), the other encodings' dense vector. */
export type SentValues = { dense: Float32Array } | { indices: Uint32Array; values: Float32Array };

/** Encodes `values` and returns what the receiver will decode in the form that costs least to apply:
 *  O(k) for TOPK (the coordinator's downlink mirror adds it every round). */
export function encodeWithSentValues(values: Float32Array, encoding: EncodingName, options: EncodeOptions = {}): { payload: Uint8Array; sent: SentValues } {
  if (encoding === 'topk') {
    const { payload, indices, kept } = encodeTopkKept(values, options);
    return { payload, sent: { indices, values: kept } };
  }
  const { payload, sent } = encodeWithSent(values, encoding, options);
  return { payload, sent: { dense: sent } };
}

/**
 * Decodes a payload of `target.length` entries into `target`. Returns, for TOPK, the indices of the kept
 * entries (increasing; every other entry of `target` is set to 0, or left as it is where the caller
 * says `target` is all zeros already), else null: the entries a reader of `target` need look at.
 * Throws EncodingError as decodeValues does; `target` may then hold part.
 */
export function decodeValuesInto(payload: Uint8Array, encoding: EncodingName, target: Float32Array, zeroed = false): Uint32Array | null {
  if (encoding === 'topk') return decodeTopkInto(payload, target, zeroed);
  target.set(decodeValues(payload, encoding, target.length));
  return null;
}

/**
 * The values of a payload that must hold `expectedCount` entries. F32 returns a view on the payload
 * when its alignment allows. Throws EncodingError on anything malformed.
 */
export function decodeValues(payload: Uint8Array, encoding: EncodingName, expectedCount: number): Float32Array {
  if (!Number.isSafeInteger(expectedCount) || expectedCount < 0) throw new RangeError(`expected count ${expectedCount} is not a non-negative integer`);
  switch (encoding) {
    case 'f32':
      return decodeF32(payload, expectedCount);
    case 'f16':
      return decodeHalves(payload, expectedCount, 'F16');
    case 'bf16':
      return decodeHalves(payload, expectedCount, 'BF16');
    case 'topk':
      return decodeTopk(payload, expectedCount);
    case 'int8':
      return decodeInt8(payload, expectedCount);
    default:
      throw new RangeError(`unknown encoding "${encoding as string}"`);
  }
}

function encode(values: Float32Array, encoding: EncodingName, options: EncodeOptions, sent: Float32Array | undefined): Uint8Array {
  switch (encoding) {
    case 'f32':
      return encodeF32(values);
    case 'f16':
      return encodeHalves(values, 'F16', sent);
    case 'bf16':
      return encodeHalves(values, 'BF16', sent);
    case 'topk':
      return encodeTopk(values, options, sent);
    case 'int8':
      return encodeInt8(values, options, sent);
    default:
      throw new RangeError(`unknown encoding "${encoding as string}"`);
  }
}
