// The value encodings: their names, their numbers in proto/hybrid.proto's Encoding enum (also the first
// byte of a TOPK or INT8 payload), and the options an encoder takes.

export type EncodingName = 'f32' | 'f16' | 'bf16' | 'topk' | 'int8';

export const ENCODING_IDS: Readonly<Record<EncodingName, number>> = { f32: 0, f16: 1, bf16: 2, topk: 3, int8: 4 };

const NAMES = new Map<number, EncodingName>(Object.entries(ENCODING_IDS).map(([name, id]) => [id, name as EncodingName]));

/** The value encoding of a wire Encoding number (undefined for U8 and unknown numbers; absent is F32). */
export function encodingName(id: number | null | undefined): EncodingName | undefined {
  return NAMES.get(id ?? ENCODING_IDS.f32);
}

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
