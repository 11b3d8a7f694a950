// Which entries TOPK keeps: the k of largest magnitude, ties to the lower index, zeros never.
//
// The exact answer is a radix select on the magnitude bits (for non-negative floats, bit order is value
// order): a histogram of the upper 16 bits finds the bucket holding the k-th largest, a second one of that
// bucket's lower 16 bits the exact threshold, and a scan in index order keeps what is above it plus the
// first ties. Over all n entries those passes cost several times a plain read of the array, their
// histogram increments landing at random. On large inputs a sample first bounds the threshold from below:
// one sequential pass keeps only the candidates at or above that bound (about twice k), and the radix
// select runs on them. Every entry the exact select keeps is a candidate whenever there are at least k
// candidates (the k-th largest is then at or above the bound), or when every non-zero entry is one, so
// the answer is the same, bit for bit; otherwise the exact select runs over everything.
import { nonFinite } from './payload.js';

const upperHistogram = new Uint32Array(65536);
const lowerHistogram = new Uint32Array(65536);

/** Below this many entries the sample costs more than it saves. */
const SAMPLED_FROM = 1 << 16;
const SAMPLE_SIZE = 4096;
/** Candidates wanted per kept entry: the sample's estimate of the quantile misses by far less. */
const MARGIN = 2;
const GOLDEN = 0.6180339887498949;

let candidateIndices = new Uint32Array(0);
let candidateBits = new Uint32Array(0);
const sampleBits = new Uint32Array(SAMPLE_SIZE);

/** Indices (increasing) of the k largest-magnitude non-zero entries of the float32 `bits`, k capped at
 *  the non-zero count. Throws EncodingError on a non-finite entry. */
export function selectTopk(bits: Uint32Array, wanted: number): Uint32Array {
  const n = bits.length;
  if (n >= SAMPLED_FROM && wanted * MARGIN * 4 <= n) {
    const chosen = selectFromSample(bits, wanted);
    if (chosen) return chosen;
  }
  return radixSelect(bits, n, wanted);
}

/** The sampled path; null when the bound let fewer than `wanted` entries through (or too many in). */
function selectFromSample(bits: Uint32Array, wanted: number): Uint32Array | null {
  const n = bits.length;
  // A Weyl sequence spreads the sample evenly over any n, and the same n gets the same sample.
  for (let s = 0; s < SAMPLE_SIZE; s++) sampleBits[s] = bits[Math.floor(((s * GOLDEN) % 1) * n)] & 0x7fffffff;
  sampleBits.sort();
  const rank = Math.min(SAMPLE_SIZE - 1, Math.ceil((MARGIN * wanted * SAMPLE_SIZE) / n));
  // Where most entries are 0 the bound is the smallest non-zero magnitude: every non-zero entry is a
  // candidate, and the answer is exact however few there are.
  const bound = Math.max(1, sampleBits[SAMPLE_SIZE - 1 - rank]);
  if (bound >= 0x7f800000) return null;
  const capacity = 4 * MARGIN * wanted + 1024;
  if (candidateIndices.length < capacity) {
    candidateIndices = new Uint32Array(capacity);
    candidateBits = new Uint32Array(capacity);
  }
  let c = 0;
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a < bound) continue;
    // Inf and NaN lie above any finite bound: the first one in index order is refused here, as the
    // exact select would refuse it (unless the candidates overflow first and it does).
    if (a >= 0x7f800000) throw nonFinite('TOPK encode', valueAt(bits, i), i);
    if (c === capacity) return null;
    candidateIndices[c] = i;
    candidateBits[c++] = a;
  }
  if (c < wanted && bound > 1) return null;
  const positions = radixSelect(candidateBits, c, wanted);
  for (let j = 0; j < positions.length; j++) positions[j] = candidateIndices[positions[j]];
  return positions;
}

function valueAt(bits: Uint32Array, i: number): number {
  return new Float32Array(bits.buffer, bits.byteOffset, bits.length)[i];
}

/** The exact radix select over the first `n` entries of `bits` (exported for the tests' comparison). */
export function radixSelect(bits: Uint32Array, n: number, wanted: number): Uint32Array {
  upperHistogram.fill(0);
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a >= 0x7f800000) throw nonFinite('TOPK encode', valueAt(bits, i), i);
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
