// Tensors in pieces and messages in parts (hybrid.proto, Tensor and the part/parts fields): how a sender
// cuts them so that no frame's tensor payload passes the run's chunk size, and how a receiver checks,
// part by part, that the pieces cover each tensor exactly once and in order, so it can use each piece
// the moment it arrives instead of holding whole messages.
import { decodePieceInto, ErrorCode, rawWidth, WireError, type TensorMessage } from './codec.js';

/** The default largest tensor payload of one frame: 4 MiB. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

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
function splitRaw(tensors: readonly TensorMessage[], chunkBytes: number): TensorMessage[] {
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
  return groupParts(splitRaw(tensors, chunkBytes), chunkBytes);
}

/** The part fields of a message cut into `parts`: none for a single frame. */
export function partFields(part: number, parts: number): { part?: number; parts?: number } {
  return parts > 1 ? { part, parts } : {};
}

/** A piece as the receiver places it: which tensor, which entries. */
export interface ReceivedPiece {
  message: TensorMessage;
  /** Index into the expected tensors (fixed layouts), or the running tensor count (free layouts). */
  tensor: number;
  name: string;
  shape: number[];
  offset: number;
  count: number;
  /** The tensor is complete with this piece. */
  last: boolean;
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The receiving end of one message in parts. With `expected`, the pieces must cover exactly those
 * tensors (name, shape), in order (pushes, updates); without, any tensors, each covered from its first
 * entry to its last before the next begins (task states). Every violation is a WireError(MALFORMED)
 * naming the part; after one, the reader is spent and the message must be dropped.
 */
export class PartReader {
  private nextPart = 0;
  private parts = 0;
  private tensor = 0;
  private offset = 0;
  private current: { name: string; shape: number[]; size: number } | null = null;
  private spent = false;

  constructor(
    private readonly what: string,
    private readonly expected: readonly { name: string; shape: readonly number[] }[] | null,
  ) {}

  /** The part this reader waits for next (0 before the first). */
  get waitingFor(): number {
    return this.nextPart;
  }

  /** Whether the message has begun and is not complete. */
  get open(): boolean {
    return this.nextPart > 0 && !this.spent;
  }

  private fail(code: ErrorCode, message: string): never {
    this.spent = true;
    throw new WireError(code, `${this.what}: ${message}`);
  }

  /**
   * Takes part `part` of `parts` (0 or 1: the whole message in one frame) and its tensor messages.
   * Returns the pieces placed, and whether the message is now complete.
   */
  accept(part: number, parts: number, tensors: readonly TensorMessage[]): { pieces: ReceivedPiece[]; complete: boolean } {
    if (this.spent) this.fail(ErrorCode.MALFORMED, 'an earlier part was refused');
    const total = Math.max(1, parts);
    if (this.nextPart === 0) {
      if (part !== 0) this.fail(ErrorCode.MALFORMED, `part ${part} of ${total} arrived first (part 0 is missing)`);
      this.parts = total;
    } else {
      if (total !== this.parts) this.fail(ErrorCode.MALFORMED, `part ${part} says ${total} parts, part 0 said ${this.parts}`);
      if (part !== this.nextPart) this.fail(ErrorCode.MALFORMED, `part ${part} of ${total} arrived, part ${this.nextPart} expected (a part is missing)`);
    }
    const pieces = tensors.map((t) => this.place(t, part));
    this.nextPart = part + 1;
    const complete = this.nextPart === this.parts;
    if (complete) {
      const unfinished = this.expected ? this.tensor < this.expected.length : this.current !== null;
      if (unfinished) {
        const name = this.expected ? this.expected[this.tensor].name : this.current!.name;
        const of = this.expected ? ` after ${this.tensor} of the ${this.expected.length} tensors` : '';
        this.fail(ErrorCode.SHAPE, `the message ends${of}: tensor "${name}" is incomplete (entries from ${this.offset} missing)`);
      }
      this.spent = true;
    }
    return { pieces, complete };
  }

  private place(t: TensorMessage, part: number): ReceivedPiece {
    const name = t.name ?? '';
    const shape = t.shape ?? [];
    const offset = t.offset ?? 0;
    const claimed = t.count ?? 0;
    const where = `part ${part}, tensor "${name}"`;
    let target: { name: string; shape: readonly number[] };
    let tensor: number;
    if (this.expected) {
      if (this.tensor >= this.expected.length) this.fail(ErrorCode.SHAPE, `${where}: more tensors than the model's ${this.expected.length}`);
      target = this.expected[this.tensor];
      tensor = this.tensor;
      if (name !== target.name) this.fail(ErrorCode.SHAPE, `part ${part}: tensor ${this.tensor} is "${name}", expected "${target.name}"${this.offset > 0 ? ` from entry ${this.offset}` : ''}`);
      if (shape.length !== target.shape.length || shape.some((d, i) => d !== target.shape[i])) {
        this.fail(ErrorCode.SHAPE, `${where}: shape [${shape.join(', ')}], expected [${target.shape.join(', ')}]`);
      }
    } else {
      if (this.current && (name !== this.current.name || shape.length !== this.current.shape.length || shape.some((d, i) => d !== this.current!.shape[i]))) {
        this.fail(ErrorCode.MALFORMED, `${where}: tensor "${this.current.name}" is incomplete (entries from ${this.offset} missing)`);
      }
      if (!this.current) this.current = { name, shape: [...shape], size: shapeSize(shape) };
      target = this.current;
      tensor = this.tensor;
    }
    const size = shapeSize(target.shape);
    const count = claimed === 0 ? size : claimed;
    if (claimed === 0 && offset !== 0) this.fail(ErrorCode.MALFORMED, `${where}: offset ${offset} without a count`);
    if (offset !== this.offset) this.fail(ErrorCode.MALFORMED, `${where}: piece at entry ${offset}, expected entry ${this.offset} (a piece is missing or repeated)`);
    if (offset + count > size) this.fail(ErrorCode.MALFORMED, `${where}: entries [${offset}, ${offset + count}) pass the tensor's ${size}`);
    this.offset += count;
    const last = this.offset === size;
    if (last) {
      this.tensor++;
      this.offset = 0;
      this.current = null;
    }
    return { message: t, tensor, name, shape: [...shape], offset, count, last };
  }
}

/**
 * A message of any tensors whose parts are arriving, put back together as they come, for messages used
 * only once complete. Its PartReader checks the parts and pieces first.
 */
abstract class Assembler<T> {
  private readonly reader: PartReader;
  protected readonly done: T[] = [];

  constructor(what: string) {
    this.reader = new PartReader(what, null);
  }

  /** Whether the message has begun and is not complete. */
  get open(): boolean {
    return this.reader.open;
  }

  /** The part this assembler waits for next. */
  get waitingFor(): number {
    return this.reader.waitingFor;
  }

  /** Takes part `part` of `parts`; true once the message is complete. Throws WireError as PartReader does. */
  accept(part: number, parts: number, tensors: readonly TensorMessage[]): boolean {
    const { pieces, complete } = this.reader.accept(part, parts, tensors);
    for (const p of pieces) this.add(p);
    return complete;
  }

  /** The whole tensors so far. */
  get tensors(): T[] {
    return this.done;
  }

  protected abstract add(piece: ReceivedPiece): void;
}

/** Raw pieces (F32, U8) back into whole tensor messages (task states). */
export class RawAssembler extends Assembler<TensorMessage> {
  private buffer: Uint8Array | null = null;

  protected add(piece: ReceivedPiece): void {
    const t = piece.message;
    const width = rawWidth(t.encoding);
    if (width === null) throw new WireError(ErrorCode.SHAPE, `tensor "${piece.name}": encoding ${t.encoding} cannot travel in raw pieces (F32 or U8 only)`);
    const data = t.data ?? new Uint8Array(0);
    if (data.byteLength !== piece.count * width) throw new WireError(ErrorCode.SHAPE, `tensor "${piece.name}": ${data.byteLength} bytes for ${piece.count} entries (${piece.count * width} expected)`);
    if (piece.offset === 0 && piece.last) {
      this.done.push(t);
      return;
    }
    if (piece.offset === 0) this.buffer = new Uint8Array(shapeSize(piece.shape) * width);
    this.buffer!.set(data, piece.offset * width);
    if (piece.last) {
      this.done.push({ name: piece.name, shape: piece.shape, encoding: t.encoding, data: this.buffer! });
      this.buffer = null;
    }
  }
}

/** A tensor's values, decoded from its pieces. */
export interface DecodedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Value-encoded pieces (any of F32, F16, BF16, TOPK, INT8) decoded into whole tensors (updates). */
export class ValueAssembler extends Assembler<DecodedTensor> {
  private current: DecodedTensor | null = null;

  protected add(piece: ReceivedPiece): void {
    if (piece.offset === 0) this.current = { name: piece.name, shape: piece.shape, values: new Float32Array(shapeSize(piece.shape)) };
    const t = this.current!;
    decodePieceInto(piece.message, t.values.subarray(piece.offset, piece.offset + piece.count));
    if (piece.last) {
      this.done.push(t);
      this.current = null;
    }
  }
}
