// TOPK: the k entries of largest magnitude, their values (F32 or F16) and their positions (LEB128 gaps
// or a bitmap, whichever is smaller); every other entry decodes to 0.
import { ENCODING_IDS, type EncodeOptions } from './kinds.js';
import { halfBits, halfTable } from './dense.js';
import { bitsOf, EncodingError, floatsAt, halvesAt, HEADER_BYTES, malformed, readHeader, writeHeader } from './payload.js';
import { selectTopk } from './topk-select.js';

const TOPK_BITMAP = 1;
const TOPK_F16_VALUES = 2;

function topkCount(fraction: number, count: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`topkFraction ${fraction} is not in (0, 1]`);
  return count === 0 ? 0 : Math.min(count, Math.max(1, Math.round(fraction * count)));
}

function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** A TOPK payload with what it keeps: the entries' indices (increasing) and the values the receivers
 *  will decode there. */
export interface TopkEncoded {
  payload: Uint8Array;
  indices: Uint32Array;
  kept: Float32Array;
}

export function encodeTopk(values: Float32Array, options: EncodeOptions, sent: Float32Array | undefined): Uint8Array {
  const { payload, indices, kept } = encodeTopkKept(values, options);
  if (sent) for (let j = 0; j < indices.length; j++) sent[indices[j]] = kept[j];
  return payload;
}

export function encodeTopkKept(values: Float32Array, options: EncodeOptions): TopkEncoded {
  const count = values.length;
  const f16 = (options.topkValues ?? 'f32') === 'f16';
  if (options.topkValues !== undefined && options.topkValues !== 'f16' && options.topkValues !== 'f32') {
    throw new RangeError(`topkValues "${String(options.topkValues)}" is not 'f16' or 'f32'`);
  }
  const bits = bitsOf(values);
  const indices = selectTopk(bits, topkCount(options.topkFraction ?? 0.01, count));
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

  const kept = new Float32Array(k);
  if (f16) {
    const out = new Uint16Array(payload.buffer, HEADER_BYTES, k);
    const table = halfTable();
    for (let j = 0; j < k; j++) {
      const h = halfBits(bits[indices[j]]);
      out[j] = h;
      kept[j] = table[h];
    }
  } else {
    const out = new Float32Array(payload.buffer, HEADER_BYTES, k);
    for (let j = 0; j < k; j++) kept[j] = out[j] = values[indices[j]];
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
  return { payload, indices, kept };
}

export function decodeTopk(payload: Uint8Array, expectedCount: number): Float32Array {
  const out = new Float32Array(expectedCount);
  decodeTopkInto(payload, out);
  return out;
}

/** Decodes into `out` (its length the expected count): every entry not kept is set to 0 (left alone
 *  when `zeroed` says `out` is all zeros already). Returns the kept entries' indices, increasing. */
export function decodeTopkInto(payload: Uint8Array, out: Float32Array, zeroed = false): Uint32Array {
  const { flags, count, param: k } = readHeader(payload, 'TOPK', ENCODING_IDS.topk, TOPK_BITMAP | TOPK_F16_VALUES, out.length);
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

  if (!zeroed) out.fill(0);
  const indices = new Uint32Array(k);
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
        indices[j] = index;
        out[index] = valueOf(j++);
      }
    }
    if (j !== k) throw malformed(`TOPK payload: bitmap marks ${j} entries, its header says k = ${k}`);
    return indices;
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
    indices[j] = index;
    out[index] = valueOf(j);
    previous = index;
  }
  if (p !== end) throw malformed(`TOPK payload: ${end - p} bytes after its k = ${k} indices (too many entries)`);
  return indices;
}
