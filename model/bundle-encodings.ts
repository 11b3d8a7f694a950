// How a bundle's sections store their numbers (manifest version 3): W's tensors as float32, float16,
// int8 (a scale per output channel) or int4 (a scale per group of 32 or 64); each task's sparse values
// as float32, float16 or int8 (one scale per tensor), their positions as whichever of 16- or 32-bit
// indices, a bitmap or delta-coded varints is smallest for that tensor; heads and statistics as float32
// or float16. The codecs are model/quantize.ts; this module lays them out as sections and reads them
// back, checking every length against the manifest before it decodes a byte.
import { BundleError } from './bundle-error.js';
import type { Section } from './bundle-manifest.js';
import {
  decodeDense,
  decodePositions,
  decodeValues,
  denseLength,
  encodeDense,
  encodePositions,
  encodeValues,
  QuantizeError,
  valuesLength,
  type DenseEncoding,
  type ValueEncoding,
} from './quantize.js';
import type { TensorSpec } from './spec.js';

/** The encodings of one bundle, chosen per part. */
export interface BundleEncodings {
  shared: DenseEncoding;
  /** Entries per int4 scale. */
  group: 32 | 64;
  values: ValueEncoding;
  /** Heads and statistics. */
  heads: 'f32' | 'f16';
}

export const FLOAT32: BundleEncodings = { shared: 'f32', group: 32, values: 'f32', heads: 'f32' };

/** `hybrid export --quantize` and `export.quantize` in the run config: one name for a whole bundle. */
export const QUANTIZE_PRESETS = {
  f16: { shared: 'f16', group: 32, values: 'f16', heads: 'f16' },
  int8: { shared: 'int8', group: 32, values: 'int8', heads: 'f16' },
  int4: { shared: 'int4', group: 32, values: 'int8', heads: 'f16' },
} as const satisfies Record<string, BundleEncodings>;
export type QuantizePreset = keyof typeof QUANTIZE_PRESETS;

/** W as a bundle in `encodings` gives it back: what quantisation-aware training computes its forward
 *  pass with (its gradient then goes to the float W: the straight-through estimator). */
export function fakeQuantized(tensors: readonly Float32Array[], specs: readonly TensorSpec[], encodings: BundleEncodings): Float32Array[] {
  return tensors.map((w, l) => decodeDense(encodeDense(w, specs[l].shape, encodings.shared, encodings.group), specs[l].shape, encodings.shared, encodings.group));
}

/** The W a trainer computes round `version` against: W itself, or fake-quantised in the last
 *  `train.quantize_aware_steps` rounds (and after them). `hybrid train` and the workers both use it. */
export function trainingShared(
  config: { train: { steps: number; quantize_aware_steps: number }; export: { quantize: string } },
  version: number,
  tensors: readonly Float32Array[],
  specs: readonly TensorSpec[],
): readonly Float32Array[] {
  const { steps, quantize_aware_steps: aware } = config.train;
  const preset = config.export.quantize;
  if (aware === 0 || version < steps - aware || !(preset in QUANTIZE_PRESETS)) return tensors;
  return fakeQuantized(tensors, specs, QUANTIZE_PRESETS[preset as QuantizePreset]);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** A dense section's fields and bytes. */
export function denseSection(values: Float32Array, tensor: TensorSpec, encoding: DenseEncoding, group: 32 | 64): { fields: { encoding: DenseEncoding; group?: 32 | 64 }; bytes: Uint8Array } {
  try {
    return { fields: { encoding, ...(encoding === 'int4' ? { group } : {}) }, bytes: encodeDense(values, tensor.shape, encoding, group) };
  } catch (err) {
    if (err instanceof QuantizeError) throw new BundleError(`tensor ${tensor.name} cannot be stored as ${encoding}: ${err.message}`);
    throw err;
  }
}

/** A sparse section: the non-zeros' values, padded to 4 bytes, then their positions. */
export function sparseSection(
  dense: Float32Array,
  encoding: ValueEncoding,
): { fields: { nnz: number; values: ValueEncoding; positions: ReturnType<typeof encodePositions>['encoding']; values_bytes: number }; bytes: Uint8Array } {
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nnz++;
  const values = new Float32Array(nnz);
  const positions = new Uint32Array(nnz);
  for (let i = 0, k = 0; i < dense.length; i++) {
    if (dense[i] === 0) continue;
    values[k] = dense[i];
    positions[k++] = i;
  }
  const valueBytes = encodeValues(values, encoding);
  const coded = encodePositions(positions, dense.length);
  const bytes = new Uint8Array(align4(valueBytes.length) + coded.bytes.length);
  bytes.set(valueBytes, 0);
  bytes.set(coded.bytes, align4(valueBytes.length));
  return { fields: { nnz, values: encoding, positions: coded.encoding, values_bytes: valueBytes.length }, bytes };
}

/** The length a version-3 section must have (for varint positions: at least one byte a position). */
export function encodedLength(s: Section, tensor: TensorSpec): { exact: number } | { atLeast: number } {
  if (s.kind === 'dense') return { exact: denseLength(tensor.shape, s.encoding ?? 'f32', s.group ?? 32) };
  const values = align4(valuesLength(s.nnz, s.values ?? 'f32'));
  switch (s.positions) {
    case 'u16':
      return { exact: values + 2 * s.nnz };
    case 'u32':
      return { exact: values + 4 * s.nnz };
    case 'bitmap':
      return { exact: values + Math.ceil(tensor.size / 8) };
    default:
      return { atLeast: values + s.nnz };
  }
}

/** Reads a version-3 dense section into float32. */
export function readDense(bytes: Uint8Array, s: Extract<Section, { kind: 'dense' }>, tensor: TensorSpec, where: string): Float32Array {
  try {
    return decodeDense(bytes, tensor.shape, s.encoding ?? 'f32', s.group ?? 32);
  } catch (err) {
    if (err instanceof QuantizeError) throw new BundleError(`${where}: section ${s.name} (${s.encoding ?? 'f32'}): ${err.message}`);
    throw err;
  }
}

/** Reads a version-3 sparse section into a dense float32 tensor, zero off its positions. */
export function readSparse(bytes: Uint8Array, s: Extract<Section, { kind: 'sparse' }>, tensor: TensorSpec, where: string): Float32Array {
  const encoding = s.values ?? 'f32';
  const valueBytes = s.values_bytes ?? valuesLength(s.nnz, encoding);
  if (valueBytes !== valuesLength(s.nnz, encoding))
    throw new BundleError(`${where}: section ${s.name}: ${valueBytes} bytes of values, ${s.nnz} ${encoding} values take ${valuesLength(s.nnz, encoding)}`);
  try {
    const values = decodeValues(bytes.subarray(0, valueBytes), s.nnz, encoding);
    const positions = decodePositions(bytes.subarray(align4(valueBytes)), s.positions ?? 'u32', s.nnz, tensor.size);
    const out = new Float32Array(tensor.size);
    for (let k = 0; k < s.nnz; k++) out[positions[k]] = values[k];
    return out;
  } catch (err) {
    if (err instanceof QuantizeError) throw new BundleError(`${where}: section ${s.name}: ${err.message}`);
    throw err;
  }
}
