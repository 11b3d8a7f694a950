// INT8: per chunk of entries a float32 scale (max |x| / 127) and one int8 per entry, rounded
// stochastically so that the decoded value is unbiased.
import { ENCODING_IDS, type EncodeOptions } from './kinds.js';
import { floatsAt, HEADER_BYTES, malformed, nonFinite, readHeader, writeHeader } from './payload.js';

/** The largest float32; a module constant, read in the per-entry loops. */
const F32_MAX = 3.4028234663852886e38;

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

export function encodeInt8(values: Float32Array, options: EncodeOptions, sent: Float32Array | undefined): Uint8Array {
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

export function decodeInt8(payload: Uint8Array, expectedCount: number): Float32Array {
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
