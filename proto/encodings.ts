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
// Error bounds (x the input, x' the decoded value; tested in test/encodings-*.test.ts):
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

export type EncodingName = 'f32' | 'f16' | 'bf16' | 'topk' | 'int8';

/** Each encoding's number in proto/hybrid.proto's Encoding enum (and in the TOPK / INT8 header). */
export const ENCODING_IDS: Readonly<Record<EncodingName, number>> = { f32: 0, f16: 1, bf16: 2, topk: 3, int8: 4 };

export interface EncodeOptions {
  /** TOPK: the fraction of entries kept, in (0, 1]. Default 0.01. */
  topkFraction?: number;
  /** TOPK: how the kept values travel. Default 'f32' (exact). */
  topkValues?: 'f16' | 'f32';
  /** INT8: entries per scale. Default 4096. */
  int8ChunkSize?: number;
  /** INT8: uniform in [0, 1), for stochastic rounding. Default Math.random; seed it for reproducibility. */
  random?: () => number;
}

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

/** A payload and the dense vector the receiver will decode from it (what error feedback subtracts). */
export interface Encoded {
  payload: Uint8Array;
  /** Bit for bit what decodeValues(payload) returns. May share memory with payload: read only. */
  sent: Float32Array;
}

export const F16_MAX = 65504;
/** The largest finite bfloat16, (2 - 2^-7) * 2^127. */
export const BF16_MAX = 3.3895313892515355e38;
const F32_MAX = 3.4028234663852886e38;

const HEADER_BYTES = 12;
const TOPK_BITMAP = 1;
const TOPK_F16_VALUES = 2;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('hybrid: the encodings are little-endian and so must the host be');

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

/** A small seedable uniform generator in [0, 1) (mulberry32) for reproducible INT8 rounding. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

function nonFinite(what: string, value: number, index: number): EncodingError {
  return new EncodingError('non-finite', `${what}: value ${value} at index ${index}`);
}

function malformed(message: string): EncodingError {
  return new EncodingError('malformed', message);
}

// ---- F32 ----

function encodeF32(values: Float32Array): Uint8Array {
  const bits = bitsOf(values);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7fffffff) >= 0x7f800000) throw nonFinite('F32 encode', values[i], i);
  }
  const payload = new Uint8Array(values.length * 4);
  new Uint32Array(payload.buffer).set(bits);
  return payload;
}

function decodeF32(payload: Uint8Array, count: number): Float32Array {
  if (payload.byteLength !== count * 4) throw countError('F32', payload.byteLength, count, 4);
  const bytes = payload.byteOffset % 4 === 0 ? payload : new Uint8Array(payload);
  const bits = new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  for (let i = 0; i < count; i++) {
    if ((bits[i] & 0x7fffffff) >= 0x7f800000) throw nonFinite('F32 payload', out[i], i);
  }
  return out;
}

function countError(what: string, bytes: number, count: number, width: number): EncodingError {
  // A length that is a whole number of entries is a count mismatch; anything else is a broken payload.
  const reason = bytes % width === 0 ? 'count' : 'malformed';
  return new EncodingError(reason, `${what} payload of ${bytes} bytes holds ${bytes / width} entries, expected ${count} (${count * width} bytes)`);
}

// ---- F16 and BF16: 16-bit patterns from float32 bits, and a 65536-entry decode table ----

/** The F16 pattern of float32 bits (round to nearest even, clamped to +-65504); -1 if non-finite. */
function halfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x477fe000) return abs >= 0x7f800000 ? -1 : sign | 0x7bff;
  if (abs >= 0x38800000) {
    // Normal half: rebias the exponent (127 - 15 = 112) and round the 13 dropped mantissa bits.
    return sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
  }
  if (abs <= 0x33000000) return sign; // <= 2^-25: half way to the smallest subnormal or less, even is 0
  // Subnormal half: units of 2^-24, so shift the 24-bit significand right by 126 - exponent (14..24).
  const shift = 126 - (abs >>> 23);
  const significand = (abs & 0x7fffff) | 0x800000;
  let q = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (q & 1) === 1)) q++;
  return sign | q;
}

/** The BF16 pattern of float32 bits (round to nearest even, clamped to +-BF16_MAX); -1 if non-finite. */
function bfloatBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f7f8000) return abs >= 0x7f800000 ? -1 : sign | 0x7f7f;
  return sign | ((abs + 0x7fff + ((abs >>> 16) & 1)) >>> 16);
}

let halfTableCache: Float32Array | undefined;
let bfloatTableCache: Float32Array | undefined;

/** F16 pattern -> value; NaN marks the Inf/NaN patterns, which no encoder emits. */
function halfTable(): Float32Array {
  if (!halfTableCache) {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const exponent = (h >>> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      const sign = h & 0x8000 ? -1 : 1;
      if (exponent === 31) table[h] = NaN;
      else if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
      else table[h] = sign * (1024 + mantissa) * 2 ** (exponent - 25);
    }
    halfTableCache = table;
  }
  return halfTableCache;
}

function bfloatTable(): Float32Array {
  if (!bfloatTableCache) {
    const table = new Float32Array(65536);
    const bits = new Uint32Array(table.buffer);
    for (let h = 0; h < 65536; h++) bits[h] = (h & 0x7f80) === 0x7f80 ? 0x7fc00000 : h << 16;
    bfloatTableCache = table;
  }
  return bfloatTableCache;
}

function encodeHalves(values: Float32Array, what: 'F16' | 'BF16', sent: Float32Array | undefined): Uint8Array {
  const bits = bitsOf(values);
  const payload = new Uint8Array(values.length * 2);
  const out = new Uint16Array(payload.buffer);
  // Two loops rather than a function parameter, so that each conversion inlines.
  if (what === 'F16') {
    for (let i = 0; i < bits.length; i++) {
      const h = halfBits(bits[i]);
      if (h < 0) throw nonFinite('F16 encode', values[i], i);
      out[i] = h;
    }
  } else {
    for (let i = 0; i < bits.length; i++) {
      const h = bfloatBits(bits[i]);
      if (h < 0) throw nonFinite('BF16 encode', values[i], i);
      out[i] = h;
    }
  }
  if (sent) {
    const table = what === 'F16' ? halfTable() : bfloatTable();
    for (let i = 0; i < out.length; i++) sent[i] = table[out[i]];
  }
  return payload;
}

function decodeHalves(payload: Uint8Array, count: number, what: 'F16' | 'BF16'): Float32Array {
  if (payload.byteLength !== count * 2) throw countError(what, payload.byteLength, count, 2);
  const bytes = payload.byteOffset % 2 === 0 ? payload : new Uint8Array(payload);
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const table = what === 'F16' ? halfTable() : bfloatTable();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = table[halves[i]];
    if (v !== v) throw new EncodingError('non-finite', `${what} payload: pattern 0x${halves[i].toString(16)} (Inf or NaN) at index ${i}`);
    out[i] = v;
  }
  return out;
}

// ---- headers of TOPK and INT8 ----

interface Header {
  flags: number;
  count: number;
  /** TOPK's k, INT8's chunk size. */
  param: number;
}

function writeHeader(payload: Uint8Array, id: number, flags: number, count: number, param: number): void {
  const view = new DataView(payload.buffer, payload.byteOffset, HEADER_BYTES);
  view.setUint8(0, id);
  view.setUint8(1, flags);
  view.setUint16(2, 0, true);
  view.setUint32(4, count, true);
  view.setUint32(8, param, true);
}

function readHeader(payload: Uint8Array, what: string, id: number, allowedFlags: number, expectedCount: number): Header {
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
function floatsAt(payload: Uint8Array, offset: number, count: number): Float32Array {
  const start = payload.byteOffset + offset;
  if (start % 4 === 0) return new Float32Array(payload.buffer, start, count);
  // A copy into a fresh Uint8Array: a Buffer's slice() is a view on its (pooled) memory, not a copy.
  return new Float32Array(new Uint8Array(payload.subarray(offset, offset + count * 4)).buffer);
}

function halvesAt(payload: Uint8Array, offset: number, count: number): Uint16Array {
  const start = payload.byteOffset + offset;
  if (start % 2 === 0) return new Uint16Array(payload.buffer, start, count);
  return new Uint16Array(new Uint8Array(payload.subarray(offset, offset + count * 2)).buffer);
}

// ---- TOPK ----

// Selection is a radix select on the magnitude bits (for non-negative floats, bit order is value order):
// a histogram of the upper 16 bits finds the bucket holding the k-th largest, a second one of that
// bucket's lower 16 bits finds the exact threshold, and a final scan in index order keeps what is above
// it plus the first ties. Three linear passes, no sort, indices come out sorted.
const upperHistogram = new Uint32Array(65536);
const lowerHistogram = new Uint32Array(65536);

function topkCount(fraction: number, count: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`topkFraction ${fraction} is not in (0, 1]`);
  return count === 0 ? 0 : Math.min(count, Math.max(1, Math.round(fraction * count)));
}

/** Indices (increasing) of the k largest-magnitude non-zero entries, k capped at the non-zero count. */
function selectTopk(values: Float32Array, wanted: number): Uint32Array {
  const bits = bitsOf(values);
  const n = bits.length;
  upperHistogram.fill(0);
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a >= 0x7f800000) throw nonFinite('TOPK encode', values[i], i);
    if (a === 0) zeros++;
    upperHistogram[a >>> 16]++;
  }
  const k = Math.min(wanted, n - zeros);
  const indices = new Uint32Array(k);
  if (k === 0) return indices;
  let above = 0;
  let upper = 0x7f7f;
  while (above + upperHistogram[upper] < k) above += upperHistogram[upper--];
  lowerHistogram.fill(0);
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a >>> 16 === upper) lowerHistogram[a & 0xffff]++;
  }
  const need = k - above;
  let lower = 0xffff;
  let within = 0;
  while (within + lowerHistogram[lower] < need) within += lowerHistogram[lower--];
  // Zeros sit in bucket 0 at lower bits 0, never reached: there are at least `need` non-zeros above.
  const threshold = ((upper << 16) | lower) >>> 0;
  let ties = need - within;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a > threshold || (a === threshold && ties-- > 0)) indices[j++] = i;
  }
  return indices;
}

function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function encodeTopk(values: Float32Array, options: EncodeOptions, sent: Float32Array | undefined): Uint8Array {
  const count = values.length;
  const f16 = (options.topkValues ?? 'f32') === 'f16';
  if (options.topkValues !== undefined && options.topkValues !== 'f16' && options.topkValues !== 'f32') {
    throw new RangeError(`topkValues "${String(options.topkValues)}" is not 'f16' or 'f32'`);
  }
  const indices = selectTopk(values, topkCount(options.topkFraction ?? 0.01, count));
  const k = indices.length;
  let varintSize = 0;
  for (let j = 0, previous = 0; j < k; j++) {
    varintSize += varintBytes(indices[j] - previous);
    previous = indices[j];
  }
  const bitmapSize = Math.ceil(count / 8);
  const bitmap = bitmapSize < varintSize;
  const valueBytes = k * (f16 ? 2 : 4);
  const payload = new Uint8Array(HEADER_BYTES + valueBytes + (bitmap ? bitmapSize : varintSize));
  writeHeader(payload, ENCODING_IDS.topk, (bitmap ? TOPK_BITMAP : 0) | (f16 ? TOPK_F16_VALUES : 0), count, k);

  if (f16) {
    const bits = bitsOf(values);
    const out = new Uint16Array(payload.buffer, HEADER_BYTES, k);
    const table = halfTable();
    for (let j = 0; j < k; j++) {
      const h = halfBits(bits[indices[j]]);
      out[j] = h;
      if (sent) sent[indices[j]] = table[h];
    }
  } else {
    const out = new Float32Array(payload.buffer, HEADER_BYTES, k);
    for (let j = 0; j < k; j++) {
      out[j] = values[indices[j]];
      if (sent) sent[indices[j]] = out[j];
    }
  }

  let p = HEADER_BYTES + valueBytes;
  if (bitmap) {
    for (let j = 0; j < k; j++) payload[p + (indices[j] >>> 3)] |= 1 << (indices[j] & 7);
  } else {
    for (let j = 0, previous = 0; j < k; j++) {
      let gap = indices[j] - previous;
      previous = indices[j];
      while (gap >= 0x80) {
        payload[p++] = (gap & 0x7f) | 0x80;
        gap >>>= 7;
      }
      payload[p++] = gap;
    }
  }
  return payload;
}

function decodeTopk(payload: Uint8Array, expectedCount: number): Float32Array {
  const { flags, count, param: k } = readHeader(payload, 'TOPK', ENCODING_IDS.topk, TOPK_BITMAP | TOPK_F16_VALUES, expectedCount);
  if (k > count) throw malformed(`TOPK payload keeps k = ${k} of only ${count} entries`);
  const f16 = (flags & TOPK_F16_VALUES) !== 0;
  const indexStart = HEADER_BYTES + k * (f16 ? 2 : 4);
  if (payload.byteLength < indexStart) throw malformed(`TOPK payload truncated: ${payload.byteLength} bytes, its ${k} values need ${indexStart}`);

  // The value of the j-th kept entry, checked finite.
  let valueOf: (j: number) => number;
  if (f16) {
    const halves = halvesAt(payload, HEADER_BYTES, k);
    const table = halfTable();
    valueOf = (j) => {
      const v = table[halves[j]];
      if (v !== v) throw new EncodingError('non-finite', `TOPK payload: F16 pattern 0x${halves[j].toString(16)} (Inf or NaN) for kept entry ${j}`);
      return v;
    };
  } else {
    const floats = floatsAt(payload, HEADER_BYTES, k);
    valueOf = (j) => {
      const v = floats[j];
      if (!Number.isFinite(v)) throw new EncodingError('non-finite', `TOPK payload: value ${v} for kept entry ${j}`);
      return v;
    };
  }

  const out = new Float32Array(count);
  const end = payload.byteLength;
  if (flags & TOPK_BITMAP) {
    const bitmapSize = Math.ceil(count / 8);
    if (end - indexStart !== bitmapSize) {
      throw malformed(`TOPK payload: bitmap of ${end - indexStart} bytes for ${count} entries (${bitmapSize} expected)${end - indexStart < bitmapSize ? ', truncated' : ''}`);
    }
    let j = 0;
    for (let p = 0; p < bitmapSize; p++) {
      const byte = payload[indexStart + p];
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((byte & (1 << bit)) === 0) continue;
        const index = p * 8 + bit;
        if (index >= count) throw malformed(`TOPK payload: bitmap marks index ${index}, out of range for ${count} entries`);
        if (j >= k) throw malformed(`TOPK payload: bitmap marks more than the k = ${k} entries of its header`);
        out[index] = valueOf(j++);
      }
    }
    if (j !== k) throw malformed(`TOPK payload: bitmap marks ${j} entries, its header says k = ${k}`);
    return out;
  }

  let p = indexStart;
  let previous = -1;
  for (let j = 0; j < k; j++) {
    let gap = 0;
    let scale = 1;
    for (let length = 0; ; length++) {
      if (p >= end) throw malformed(`TOPK payload truncated in index ${j} of ${k}`);
      if (length === 5) throw malformed(`TOPK payload: index ${j} is a varint longer than 5 bytes`);
      const byte = payload[p++];
      gap += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (j > 0 && gap === 0) throw malformed(`TOPK payload: index ${j} repeats index ${previous} (indices must increase)`);
    const index = j === 0 ? gap : previous + gap;
    if (index >= count) throw malformed(`TOPK payload: index ${index} (entry ${j} of ${k}) is out of range for ${count} entries`);
    out[index] = valueOf(j);
    previous = index;
  }
  if (p !== end) throw malformed(`TOPK payload: ${end - p} bytes after its k = ${k} indices (too many entries)`);
  return out;
}

// ---- INT8 ----

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** max|x| / 127 in float32, one ulp up when rounding went down, so every |x| / scale <= 127. */
function int8Scale(maxAbs: number): number {
  let scale = Math.fround(maxAbs / 127);
  while (127 * scale < maxAbs) {
    scratchFloat[0] = scale;
    scratchBits[0]++;
    scale = scratchFloat[0];
  }
  return scale;
}

/** The decoded value of a quantised entry; the clamp only matters for scales near F32_MAX / 127. */
function dequantise(q: number, scale: number): number {
  const v = q * scale;
  return v > F32_MAX ? F32_MAX : v < -F32_MAX ? -F32_MAX : v;
}

function encodeInt8(values: Float32Array, options: EncodeOptions, sent: Float32Array | undefined): Uint8Array {
  const chunk = options.int8ChunkSize ?? 4096;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 0xffffffff) throw new RangeError(`int8ChunkSize ${chunk} is not an integer in [1, 2^32)`);
  const random = options.random ?? Math.random;
  const count = values.length;
  const chunks = Math.ceil(count / chunk);
  const qStart = HEADER_BYTES + chunks * 4;
  const payload = new Uint8Array(qStart + count);
  writeHeader(payload, ENCODING_IDS.int8, 0, count, chunk);
  const scales = new Float32Array(payload.buffer, HEADER_BYTES, chunks);
  const quantised = new Int8Array(payload.buffer, qStart, count);
  for (let c = 0; c < chunks; c++) {
    const start = c * chunk;
    const end = Math.min(count, start + chunk);
    let maxAbs = 0;
    for (let i = start; i < end; i++) {
      const a = Math.abs(values[i]);
      if (!(a <= F32_MAX)) throw nonFinite('INT8 encode', values[i], i);
      if (a > maxAbs) maxAbs = a;
    }
    const scale = int8Scale(maxAbs);
    scales[c] = scale;
    if (scale === 0) continue; // all zeros: q and sent are already 0
    const inverse = 1 / scale;
    for (let i = start; i < end; i++) {
      // floor(y + u), u uniform in [0, 1), is floor(y) + 1 with probability frac(y): unbiased, and
      // without the unpredictable branch of comparing u with frac(y) (twice as fast). The sum's double
      // rounding biases it by at most 2^-45 of the scale.
      let q = Math.floor(values[i] * inverse + random());
      // |y| <= 127 up to the rounding of the product: keep q in range whatever that rounding did.
      if (q > 127) q = 127;
      else if (q < -127) q = -127;
      quantised[i] = q;
      // From the stored byte, not q: q may be -0 (from floor(-0)), which the int8 stores as +0.
      if (sent) sent[i] = dequantise(quantised[i], scale);
    }
  }
  return payload;
}

function decodeInt8(payload: Uint8Array, expectedCount: number): Float32Array {
  const { count, param: chunk } = readHeader(payload, 'INT8', ENCODING_IDS.int8, 0, expectedCount);
  if (chunk < 1) throw malformed('INT8 payload: chunk size 0');
  const chunks = Math.ceil(count / chunk);
  const qStart = HEADER_BYTES + chunks * 4;
  const expectedBytes = qStart + count;
  if (payload.byteLength !== expectedBytes) {
    const problem = payload.byteLength < expectedBytes ? 'truncated' : 'too long (too many entries)';
    throw malformed(`INT8 payload ${problem}: ${payload.byteLength} bytes, ${count} entries in chunks of ${chunk} need ${expectedBytes}`);
  }
  const scales = floatsAt(payload, HEADER_BYTES, chunks);
  const quantised = new Int8Array(payload.buffer, payload.byteOffset + qStart, count);
  const out = new Float32Array(count);
  for (let c = 0; c < chunks; c++) {
    const scale = scales[c];
    if (!(scale >= 0 && scale <= F32_MAX)) throw malformed(`INT8 payload: scale ${scale} of chunk ${c} is not a finite non-negative number`);
    const end = Math.min(count, (c + 1) * chunk);
    for (let i = c * chunk; i < end; i++) {
      const q = quantised[i];
      if (q === -128) throw malformed(`INT8 payload: value -128 at index ${i} (the range is [-127, 127])`);
      out[i] = dequantise(q, scale);
    }
  }
  return out;
}
