// The sending half of a tensor stream (hybrid.proto: Tensor's offset/count and the messages' part/parts):
// tensors cut into pieces of at most the run's chunk size, each piece encoded on its own, the pieces
// grouped into parts of one frame each. Gradients up, W down, full W and task states all travel this
// way; compression/stream-reader.ts is the receiving half.
import { rawWidth, type TensorMessage } from '../proto/codec.js';

/** Entries [offset, offset + count) of tensor `tensor`; `whole` when that is all of it. */
export interface PieceRange {
  tensor: number;
  offset: number;
  count: number;
  whole: boolean;
}

/** The entries of a piece: F32 is the widest value encoding a sender picks for a whole piece. */
export function pieceEntries(chunkBytes: number): number {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1024) throw new RangeError(`chunk size ${chunkBytes} bytes: must be an integer of at least 1024`);
  return Math.floor(chunkBytes / 4);
}

/** Cuts tensors of the given sizes, in order, into pieces of at most `maxEntries` entries. */
export function pieceRanges(sizes: readonly number[], maxEntries: number): PieceRange[] {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`piece size ${maxEntries}: must be a positive integer`);
  const out: PieceRange[] = [];
  sizes.forEach((size, tensor) => {
    if (size <= maxEntries) {
      out.push({ tensor, offset: 0, count: size, whole: true });
      return;
    }
    for (let offset = 0; offset < size; offset += maxEntries) out.push({ tensor, offset, count: Math.min(maxEntries, size - offset), whole: false });
  });
  return out;
}

/** A tensor message for one piece: offset and count only when it is not the whole tensor. */
export function pieceMessage(range: PieceRange, name: string, shape: readonly number[], encoding: number, data: Uint8Array): TensorMessage {
  const t: TensorMessage = { name, shape: [...shape], encoding, data };
  if (!range.whole) {
    t.offset = range.offset;
    t.count = range.count;
  }
  return t;
}

/**
 * Groups consecutive tensor messages into parts whose data adds up to at most `chunkBytes` (a message
 * bigger than that goes alone). One part when everything fits: the message then travels as one frame,
 * exactly as without chunking.
 */
export function groupParts(tensors: readonly TensorMessage[], chunkBytes: number): TensorMessage[][] {
  const parts: TensorMessage[][] = [];
  let current: TensorMessage[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const n = t.data?.byteLength ?? 0;
    if (current.length > 0 && bytes + n > chunkBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += n;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/**
 * Cuts raw tensors (F32 or U8, whole) into pieces of at most `pieceEntries(chunkBytes)` entries: views
 * on their data, no copies. What full W and task states travel as.
 */
export function rawPieces(tensors: readonly TensorMessage[], chunkBytes: number): TensorMessage[] {
  const maxEntries = pieceEntries(chunkBytes);
  const out: TensorMessage[] = [];
  for (const t of tensors) {
    const width = rawWidth(t.encoding);
    if (width === null) throw new RangeError(`splitRaw: tensor "${t.name}" is value-encoded (encoding ${t.encoding}); only F32 and U8 split raw`);
    const data = t.data ?? new Uint8Array(0);
    const size = data.byteLength / width;
    for (const r of pieceRanges([size], maxEntries)) {
      out.push(pieceMessage(r, t.name ?? '', t.shape ?? [], t.encoding ?? 0, r.whole ? data : data.subarray(r.offset * width, (r.offset + r.count) * width)));
    }
  }
  return out;
}

/** Raw tensors (whole W, task states) cut and grouped into parts. */
export function rawParts(tensors: readonly TensorMessage[], chunkBytes: number): TensorMessage[][] {
  return groupParts(rawPieces(tensors, chunkBytes), chunkBytes);
}

/** The part fields of a message cut into `parts`: none for a single frame. */
export function partFields(part: number, parts: number): { part?: number; parts?: number } {
  return parts > 1 ? { part, parts } : {};
}

/** A tensor to stream: its name and shape, and its values. */
export interface StreamTensor {
  name: string;
  shape: readonly number[];
  values: Float32Array;
}

/** Encodes one piece's values (a view into its tensor) to a payload; `range` says which piece, `index`
 *  its place among the stream's pieces. */
export type PieceEncoder = (values: Float32Array, range: PieceRange, index: number) => Uint8Array;

/**
 * Tensors cut into pieces of at most the chunk size, each piece encoded by `encodePiece` (in wire
 * encoding `encoding`), grouped into parts: the one path every stream of values takes. One part, of
 * whole tensors, when everything fits in a chunk.
 */
export function encodeStream(tensors: readonly StreamTensor[], chunkBytes: number, encoding: number, encodePiece: PieceEncoder): TensorMessage[][] {
  const ranges = pieceRanges(
    tensors.map((t) => t.values.length),
    pieceEntries(chunkBytes),
  );
  const pieces = ranges.map((r, index) => {
    const t = tensors[r.tensor];
    const values = r.whole ? t.values : t.values.subarray(r.offset, r.offset + r.count);
    return pieceMessage(r, t.name, t.shape, encoding, encodePiece(values, r, index));
  });
  return groupParts(pieces, chunkBytes);
}

/** F32 without a copy: the payload is a view on the values (the frame encoder copies them once). */
export const rawF32: PieceEncoder = (values) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
