// Quantised encodings of a bundle's parts: pure functions from typed arrays to bytes and back. Which
// encoding each part uses is the manifest's business; nothing here writes a header, so a decoder must be
// told the shape, encoding and group that the encoder was given.
//
// Byte layouts (little-endian):
//   f32     n * 4 bytes, IEEE float32, bit for bit.
//   f16     n * 2 bytes, IEEE binary16 (compression/encodings/dense.ts's conversion, round to nearest even).
//   int8    the float32 scales, then n int8 values in [-127, 127]; entry i decodes to q[i] * scale[c].
//           Rank >= 2: one scale per output channel, c = i % shape[rank - 1] (TF layout: the last dimension
//           is the output channel, innermost in row-major order). Rank 0 and 1: one scale, c = 0.
//   int4    ceil(n / group) float32 scales (group 32 or 64, default 32), then ceil(n / 2) bytes: entry i in
//           the low nibble of byte i >> 1 when i is even, the high nibble when odd, as a 4-bit two's
//           complement in [-7, 7]; the scale is scale[floor(i / group)]. An odd n leaves a zero high nibble.
//   Sparse values are a rank-1 dense tensor: f32, f16, or int8 with one scale stored first.
//   Positions: see encodePositions.
//
// Quantisation is symmetric: scale = max|x| / levels (127 or 7) in float32, rounded up one float32 step at a
// time until levels * scale >= max|x|, so no entry needs clamping (and a channel of float32 subnormals still
// gets a non-zero scale). q = sign(x) * round(|x| / scale), deterministic, ties away from zero (decided on the
// float64 quotient). An all-zero channel or group gets scale 0 and decodes to exact zeros.
//
// Error bounds (denseErrorBound; x the input, x' the decoded value):
//   f32     0.
//   f16     |x| * 2^-11 + 2^-25: half a unit in the last place is at most 2^-11 |x| for normal halves and
//           2^-25 among the subnormals (|x| < 2^-14). |x| > 65504 is refused, not clamped: a weight that
//           large means a broken model, and a clamp would hide it behind an unbounded error.
//   int8/4  scale * (1/2 + 2^-17): half a step, plus what float64 division and the float32 rounding of
//           q * scale can add (at most levels * 2^-24 of a step, below 2^-17).
// Every bound is rounded up to float32, so it is never below the exact one.
import { F16_MAX, halfBits, halfTable } from '../compression/encodings/dense.js';
import { requireLittleEndian } from '../lib/byte-order.js';

requireLittleEndian('quantised bundle encodings');

export type DenseEncoding = 'f32' | 'f16' | 'int8' | 'int4';
export type ValueEncoding = 'f32' | 'f16' | 'int8';
export type PositionEncoding = 'u16' | 'u32' | 'bitmap' | 'varint';

export class QuantizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantizeError';
  }
}

const F32_MAX = 3.4028234663852886e38;
const LEVELS = { int8: 127, int4: 7 } as const;
const STEP_SLACK = 2 ** -17;

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** The next float32 above x, for x a non-negative finite float32. */
function nextUp32(x: number): number {
  scratchFloat[0] = x;
  scratchBits[0]++;
  return scratchFloat[0];
}

/** The smallest float32 >= x (x >= 0): a bound rounded to nearest could land below the true error. */
function roundUp32(x: number): number {
  const f = Math.fround(x);
  return f >= x ? f : nextUp32(f);
}

function stepScale(maxAbs: number, levels: number): number {
  let scale = Math.fround(maxAbs / levels);
  while (levels * scale < maxAbs) scale = nextUp32(scale);
  return scale;
}

/** q * scale in float32; only a scale within a step of F32_MAX / levels can overflow, and x was finite. */
function dequantise(q: number, scale: number): number {
  const v = Math.fround(q * scale);
  return v > F32_MAX ? F32_MAX : v < -F32_MAX ? -F32_MAX : v;
}

function sizeOf(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new QuantizeError(`${what}: shape [${shape}] has dimension ${d}, not a non-negative integer`);
    n *= d;
  }
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new QuantizeError(`${what}: shape [${shape}] has ${n} entries, more than 2^32 - 1`);
  return n;
}

function groupOf(encoding: DenseEncoding, group: number | undefined, what: string): number {
  if (encoding !== 'int4') return 0;
  const g = group ?? 32;
  if (g !== 32 && g !== 64) throw new QuantizeError(`${what}: int4 group ${g} is not 32 or 64`);
  return g;
}

/** How many scales an encoding stores, and which one entry i uses. */
function blocksOf(shape: readonly number[], n: number, encoding: 'int8' | 'int4', group: number): { count: number; block: (i: number) => number } {
  if (encoding === 'int4') return { count: Math.ceil(n / group), block: (i) => Math.floor(i / group) };
  if (shape.length < 2) return { count: 1, block: () => 0 };
  const channels = shape[shape.length - 1];
  return { count: channels, block: (i) => i % channels };
}

function lengthOf(shape: readonly number[], encoding: DenseEncoding, group: number, what: string): number {
  const n = sizeOf(shape, what);
  switch (encoding) {
    case 'f32':
      return n * 4;
    case 'f16':
      return n * 2;
    case 'int8':
      return blocksOf(shape, n, encoding, group).count * 4 + n;
    case 'int4':
      return blocksOf(shape, n, encoding, group).count * 4 + Math.ceil(n / 2);
    default:
      throw new QuantizeError(`${what}: unknown encoding "${String(encoding)}"`);
  }
}

function checkValues(values: Float32Array, shape: readonly number[], encoding: DenseEncoding, what: string): void {
  const n = sizeOf(shape, what);
  if (values.length !== n) throw new QuantizeError(`${what}: ${values.length} values for shape [${shape}], which has ${n} entries`);
  for (let i = 0; i < n; i++) {
    const a = Math.abs(values[i]);
    if (!(a <= F32_MAX)) throw new QuantizeError(`${what}: non-finite value ${values[i]} at index ${i}`);
    if (encoding === 'f16' && a > F16_MAX) {
      throw new QuantizeError(`${what}: value ${values[i]} at index ${i} is beyond the largest float16 (±${F16_MAX}); a weight that large means a broken model`);
    }
  }
}

function scalesOf(values: Float32Array, shape: readonly number[], encoding: 'int8' | 'int4', group: number): { scales: Float32Array; block: (i: number) => number } {
  const { count, block } = blocksOf(shape, values.length, encoding, group);
  const maxAbs = new Float64Array(count);
  for (let i = 0; i < values.length; i++) {
    const b = block(i);
    const a = Math.abs(values[i]);
    if (a > maxAbs[b]) maxAbs[b] = a;
  }
  const scales = new Float32Array(count);
  for (let b = 0; b < count; b++) scales[b] = stepScale(maxAbs[b], LEVELS[encoding]);
  return { scales, block };
}

function quantise(x: number, scale: number): number {
  if (scale === 0) return 0;
  const q = Math.round(Math.abs(x) / scale); // |x| <= levels * scale, so q <= levels
  return x < 0 ? -q : q;
}

function encode(values: Float32Array, shape: readonly number[], encoding: DenseEncoding, group: number, what: string): Uint8Array {
  checkValues(values, shape, encoding, what);
  const out = new Uint8Array(lengthOf(shape, encoding, group, what));
  const n = values.length;
  if (encoding === 'f32') {
    out.set(new Uint8Array(values.buffer, values.byteOffset, n * 4));
  } else if (encoding === 'f16') {
    const bits = new Uint32Array(values.buffer, values.byteOffset, n);
    const halves = new Uint16Array(out.buffer);
    for (let i = 0; i < n; i++) halves[i] = halfBits(bits[i]);
  } else {
    const { scales, block } = scalesOf(values, shape, encoding, group);
    new Float32Array(out.buffer, 0, scales.length).set(scales);
    const start = scales.length * 4;
    if (encoding === 'int8') {
      const q = new Int8Array(out.buffer, start, n);
      for (let i = 0; i < n; i++) q[i] = quantise(values[i], scales[block(i)]);
    } else {
      for (let i = 0; i < n; i++) out[start + (i >> 1)] |= (quantise(values[i], scales[block(i)]) & 0xf) << ((i & 1) * 4);
    }
  }
  return out;
}

function decode(bytes: Uint8Array, shape: readonly number[], encoding: DenseEncoding, group: number, what: string): Float32Array {
  const expected = lengthOf(shape, encoding, group, what);
  if (bytes.byteLength !== expected) {
    throw new QuantizeError(`${what}: ${bytes.byteLength} bytes, but shape [${shape}] in ${encoding}${group ? ` (group ${group})` : ''} takes ${expected}`);
  }
  const n = sizeOf(shape, what);
  // A copy: aligned for the typed-array views, and the result never aliases the caller's bytes.
  const own = new Uint8Array(bytes); // a copy even of a Node Buffer, whose slice() is a view
  if (encoding === 'f32') {
    const out = new Float32Array(own.buffer);
    for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) throw new QuantizeError(`${what}: non-finite f32 value ${out[i]} at index ${i}`);
    return out;
  }
  const out = new Float32Array(n);
  if (encoding === 'f16') {
    const halves = new Uint16Array(own.buffer);
    const table = halfTable();
    for (let i = 0; i < n; i++) {
      const v = table[halves[i]];
      if (v !== v) throw new QuantizeError(`${what}: f16 pattern 0x${halves[i].toString(16)} (Inf or NaN) at index ${i}`);
      out[i] = v;
    }
    return out;
  }
  const { count, block } = blocksOf(shape, n, encoding, group);
  const scales = new Float32Array(own.buffer, 0, count);
  for (let b = 0; b < count; b++) {
    if (!Number.isFinite(scales[b]) || scales[b] < 0) throw new QuantizeError(`${what}: ${encoding} scale ${b} is ${scales[b]}, not a finite non-negative number`);
  }
  const levels = LEVELS[encoding];
  const start = count * 4;
  for (let i = 0; i < n; i++) {
    // Sign-extend the byte or nibble; -128 and -8 are outside the symmetric range no encoder writes to.
    const q = encoding === 'int8' ? (own[start + i] << 24) >> 24 : (((own[start + (i >> 1)] >> ((i & 1) * 4)) & 0xf) << 28) >> 28;
    if (q < -levels) throw new QuantizeError(`${what}: ${encoding} value ${q} at index ${i} is outside [-${levels}, ${levels}]`);
    out[i] = dequantise(q, scales[block(i)]);
  }
  if (encoding === 'int4' && n % 2 === 1 && own[start + (n >> 1)] >> 4 !== 0) throw new QuantizeError(`${what}: int4 padding nibble after the last entry is not zero`);
  return out;
}

/** Encodes a dense tensor of `shape` (the module comment gives the layouts and rounding). `group` is read for int4 only (default 32). */
export function encodeDense(values: Float32Array, shape: readonly number[], encoding: DenseEncoding, group?: 32 | 64): Uint8Array {
  return encode(values, shape, encoding, groupOf(encoding, group, 'encodeDense'), 'encodeDense');
}

/** The values of an encodeDense result; throws QuantizeError on a wrong byte length, a non-finite or negative scale, or a non-finite value. */
export function decodeDense(bytes: Uint8Array, shape: readonly number[], encoding: DenseEncoding, group?: 32 | 64): Float32Array {
  return decode(bytes, shape, encoding, groupOf(encoding, group, 'decodeDense'), 'decodeDense');
}

/** Exact byte length encodeDense produces. */
export function denseLength(shape: readonly number[], encoding: DenseEncoding, group?: 32 | 64): number {
  return lengthOf(shape, encoding, groupOf(encoding, group, 'denseLength'), 'denseLength');
}

/** Per entry, the largest |decoded - value| the encoding can give (the module comment defines each). */
export function denseErrorBound(values: Float32Array, shape: readonly number[], encoding: DenseEncoding, group?: 32 | 64): Float32Array {
  const what = 'denseErrorBound';
  const g = groupOf(encoding, group, what);
  lengthOf(shape, encoding, g, what);
  checkValues(values, shape, encoding, what);
  const bound = new Float32Array(values.length);
  if (encoding === 'f16') {
    for (let i = 0; i < values.length; i++) bound[i] = roundUp32(Math.abs(values[i]) * 2 ** -11 + 2 ** -25);
  } else if (encoding !== 'f32') {
    const { scales, block } = scalesOf(values, shape, encoding, g);
    const step = Array.from(scales, (s) => roundUp32(s * (0.5 + STEP_SLACK)));
    for (let i = 0; i < values.length; i++) bound[i] = step[block(i)];
  }
  return bound;
}

function checkValueEncoding(encoding: ValueEncoding, what: string): void {
  if (encoding !== 'f32' && encoding !== 'f16' && encoding !== 'int8') throw new QuantizeError(`${what}: unknown value encoding "${String(encoding)}"`);
}

/** Sparse values of one tensor of one task: a rank-1 tensor, so int8 has one float32 scale for the whole array, stored first. */
export function encodeValues(values: Float32Array, encoding: ValueEncoding): Uint8Array {
  checkValueEncoding(encoding, 'encodeValues');
  return encode(values, [values.length], encoding, 0, 'encodeValues');
}

export function decodeValues(bytes: Uint8Array, count: number, encoding: ValueEncoding): Float32Array {
  checkValueEncoding(encoding, 'decodeValues');
  return decode(bytes, [count], encoding, 0, 'decodeValues');
}

export function valuesLength(count: number, encoding: ValueEncoding): number {
  checkValueEncoding(encoding, 'valuesLength');
  return lengthOf([count], encoding, 0, 'valuesLength');
}

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 32) throw new QuantizeError(`${what}: size ${size} is not an integer in [0, 2^32]`);
}

function varintLength(v: number): number {
  return v < 2 ** 7 ? 1 : v < 2 ** 14 ? 2 : v < 2 ** 21 ? 3 : v < 2 ** 28 ? 4 : 5;
}

/**
 * Strictly increasing positions in [0, size), in the smallest of: u16 (2 bytes each, only when size <= 65536),
 * u32 (4 bytes each), a bitmap of ceil(size / 8) bytes (position i is bit i & 7 of byte i >> 3, LSB first),
 * and LEB128 varints of the gaps (positions[0], then positions[k] - positions[k - 1] - 1). Ties go to the
 * earlier in that order.
 */
export function encodePositions(positions: Uint32Array, size: number): { encoding: PositionEncoding; bytes: Uint8Array } {
  const what = 'encodePositions';
  checkSize(size, what);
  const count = positions.length;
  let varintBytes = 0;
  for (let k = 0; k < count; k++) {
    const p = positions[k];
    const prev = k === 0 ? -1 : positions[k - 1];
    if (p >= size) throw new QuantizeError(`${what}: position ${p} at index ${k} is not below size ${size}`);
    if (p <= prev) throw new QuantizeError(`${what}: position ${p} at index ${k} does not increase on ${prev}`);
    varintBytes += varintLength(p - prev - 1);
  }
  const sizes: [PositionEncoding, number][] = [
    ['u16', size <= 65536 ? count * 2 : Infinity],
    ['u32', count * 4],
    ['bitmap', Math.ceil(size / 8)],
    ['varint', varintBytes],
  ];
  let [encoding, length] = sizes[0];
  for (const [e, l] of sizes) {
    if (l < length) [encoding, length] = [e, l];
  }
  const bytes = new Uint8Array(length);
  if (encoding === 'u16') new Uint16Array(bytes.buffer).set(positions);
  else if (encoding === 'u32') new Uint32Array(bytes.buffer).set(positions);
  else if (encoding === 'bitmap') for (const p of positions) bytes[p >>> 3] |= 1 << (p & 7);
  else {
    let o = 0;
    for (let k = 0; k < count; k++) {
      let gap = positions[k] - (k === 0 ? -1 : positions[k - 1]) - 1;
      while (gap >= 0x80) {
        bytes[o++] = (gap & 0x7f) | 0x80;
        gap >>>= 7;
      }
      bytes[o++] = gap;
    }
  }
  return { encoding, bytes };
}

/** Reads one LEB128 varint of at most 32 bits at `o`; throws on a truncated, too long or non-minimal one. */
function readVarint(bytes: Uint8Array, o: number, k: number, what: string): { value: number; next: number } {
  let value = 0;
  for (let i = 0; ; i++) {
    if (o + i >= bytes.length) throw new QuantizeError(`${what}: truncated varint at byte ${o} (position ${k})`);
    const b = bytes[o + i];
    if (i === 4 && b > 0x0f) throw new QuantizeError(`${what}: varint at byte ${o} (position ${k}) exceeds 32 bits`);
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) throw new QuantizeError(`${what}: non-minimal varint at byte ${o} (position ${k})`);
      return { value, next: o + i + 1 };
    }
  }
}

/** Decodes `count` positions; throws QuantizeError unless the bytes hold exactly `count` strictly increasing positions below `size`. */
export function decodePositions(bytes: Uint8Array, encoding: PositionEncoding, count: number, size: number): Uint32Array {
  const what = `decodePositions (${encoding})`;
  checkSize(size, what);
  if (!Number.isSafeInteger(count) || count < 0 || count > size) throw new QuantizeError(`${what}: count ${count} is not an integer in [0, size ${size}]`);
  const out = new Uint32Array(count);
  if (encoding === 'u16' || encoding === 'u32') {
    const width = encoding === 'u16' ? 2 : 4;
    if (bytes.byteLength !== count * width) throw new QuantizeError(`${what}: ${bytes.byteLength} bytes for ${count} positions, expected ${count * width}`);
    const own = new Uint8Array(bytes); // a copy even of a Node Buffer, whose slice() is a view
    out.set(width === 2 ? new Uint16Array(own.buffer) : new Uint32Array(own.buffer));
  } else if (encoding === 'bitmap') {
    const expected = Math.ceil(size / 8);
    if (bytes.byteLength !== expected) throw new QuantizeError(`${what}: ${bytes.byteLength} bytes, a bitmap of size ${size} takes ${expected}`);
    let k = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let b = bytes[i], bit = 0; b !== 0; b >>= 1, bit++) {
        if ((b & 1) === 0) continue;
        const p = i * 8 + bit;
        if (p >= size) throw new QuantizeError(`${what}: bit ${p} is set, past size ${size}`);
        if (k < count) out[k] = p;
        k++;
      }
    }
    if (k !== count) throw new QuantizeError(`${what}: bitmap has ${k} bits set, expected ${count}`);
    return out;
  } else if (encoding === 'varint') {
    let o = 0;
    for (let k = 0; k < count; k++) {
      if (o >= bytes.length) throw new QuantizeError(`${what}: truncated: the bytes end after ${k} of ${count} positions`);
      const { value, next } = readVarint(bytes, o, k, what);
      const p = (k === 0 ? -1 : out[k - 1]) + 1 + value;
      if (p >= size) throw new QuantizeError(`${what}: position ${p} at index ${k} is not below size ${size}`);
      out[k] = p;
      o = next;
    }
    if (o !== bytes.length) throw new QuantizeError(`${what}: ${bytes.length - o} trailing bytes after ${count} positions`);
    return out;
  } else {
    throw new QuantizeError(`decodePositions: unknown position encoding "${String(encoding)}"`);
  }
  for (let k = 0; k < count; k++) {
    if (out[k] >= size) throw new QuantizeError(`${what}: position ${out[k]} at index ${k} is not below size ${size}`);
    if (k > 0 && out[k] <= out[k - 1]) throw new QuantizeError(`${what}: position ${out[k]} at index ${k} does not increase on ${out[k - 1]}`);
  }
  return out;
}
