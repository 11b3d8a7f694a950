// F32, F16 and BF16: every entry, 4 or 2 bytes each, no header. F16 and BF16 are 16-bit patterns
// computed from the float32 bits, decoded through a 65536-entry table.
import { bitsOf, countError, EncodingError, nonFinite } from './payload.js';

export const F16_MAX = 65504;
/** The largest finite bfloat16, (2 - 2^-7) * 2^127. */
export const BF16_MAX = 3.3895313892515355e38;

export function encodeF32(values: Float32Array): Uint8Array {
  const bits = bitsOf(values);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7fffffff) >= 0x7f800000) throw nonFinite('F32 encode', values[i], i);
  }
  const payload = new Uint8Array(values.length * 4);
  new Uint32Array(payload.buffer).set(bits);
  return payload;
}

export function decodeF32(payload: Uint8Array, count: number): Float32Array {
  if (payload.byteLength !== count * 4) throw countError('F32', payload.byteLength, count, 4);
  const bytes = payload.byteOffset % 4 === 0 ? payload : new Uint8Array(payload);
  const bits = new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  for (let i = 0; i < count; i++) {
    if ((bits[i] & 0x7fffffff) >= 0x7f800000) throw nonFinite('F32 payload', out[i], i);
  }
  return out;
}

/** The F16 pattern of float32 bits (round to nearest even, clamped to +-65504); -1 if non-finite. */
export function halfBits(bits: number): number {
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
export function halfTable(): Float32Array {
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

export function encodeHalves(values: Float32Array, what: 'F16' | 'BF16', sent: Float32Array | undefined): Uint8Array {
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

export function decodeHalves(payload: Uint8Array, count: number, what: 'F16' | 'BF16'): Float32Array {
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
