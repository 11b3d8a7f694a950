// The receiving half of a tensor stream (compression/tensor-stream.ts sends): a reader checks, part by
// part, that the pieces cover each tensor exactly once and in order, so that a receiver can decode each
// piece the moment it arrives instead of holding whole messages; assemblers put messages used only
// once complete back together.
import { allFinite } from '../lib/finite.js';
import { checkFinite, Encoding, ErrorCode, rawWidth, WireError, type TensorMessage } from '../proto/codec.js';
import { decodeValuesInto, encodingName, EncodingError } from './encodings/index.js';

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

function describe(t: TensorMessage): string {
  return `tensor "${t.name ?? ''}"`;
}

/**
 * Decodes a piece (hybrid.proto Tensor with offset/count, or a whole tensor) of `target.length` entries
 * into `target`: the piece's encoding and the entry count are checked, and every value must be finite.
 * A wrong entry count or a non-value encoding (U8) is WireError(SHAPE), an undecodable payload
 * MALFORMED, a non-finite value NON_FINITE; `target` may then hold part of the piece. `isFinite` tests
 * F32 pieces (a weight arena's SIMD test for its push buffers); checkFinite then names the bad value.
 * Returns the indices within the piece of the entries it sent, for TOPK (the rest are 0), else null.
 * `zeroed`: `target` is all zeros already, so TOPK writes its kept entries alone.
 */
export function decodePieceInto(t: TensorMessage, target: Float32Array, isFinite: (values: Float32Array) => boolean = allFinite, zeroed = false): Uint32Array | null {
  const id = t.encoding ?? Encoding.ENCODING_F32;
  const encoding = encodingName(id);
  if (encoding === undefined) throw new WireError(ErrorCode.SHAPE, `${describe(t)}: encoding ${Encoding[id] ?? id} does not carry values`);
  const data = t.data ?? new Uint8Array(0);
  if (encoding === 'f32') {
    if (data.byteLength !== target.length * 4) {
      const of = t.count ? `entries [${t.offset ?? 0}, ${(t.offset ?? 0) + target.length})` : `shape [${(t.shape ?? []).join(', ')}]`;
      throw new WireError(ErrorCode.SHAPE, `${describe(t)}: ${data.byteLength} bytes for ${of} (${target.length * 4} expected)`);
    }
    // A byte copy whatever the frame's alignment, then the check on the aligned copy.
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(data);
    if (!isFinite(target)) checkFinite(t.name ?? '', target, t.offset ?? 0);
    return null;
  }
  try {
    return decodeValuesInto(data, encoding, target, zeroed);
  } catch (err) {
    if (!(err instanceof EncodingError)) throw err;
    const code = err.reason === 'count' ? ErrorCode.SHAPE : err.reason === 'non-finite' ? ErrorCode.NON_FINITE : ErrorCode.MALFORMED;
    throw new WireError(code, `${describe(t)} (${encoding.toUpperCase()}): ${err.message}`);
  }
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

  /** With `optional`, an expected layout may also be left out entirely (no piece in any part). */
  constructor(
    private readonly what: string,
    private readonly expected: readonly { name: string; shape: readonly number[] }[] | null,
    private readonly optional = false,
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
      const empty = this.optional && this.tensor === 0 && this.offset === 0;
      const unfinished = this.expected ? this.tensor < this.expected.length && !empty : this.current !== null;
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

  /** `expected` and `optional` as PartReader takes them (default: any tensors). */
  constructor(what: string, expected: readonly { name: string; shape: readonly number[] }[] | null = null, optional = false) {
    this.reader = new PartReader(what, expected, optional);
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
    if (data.byteLength !== piece.count * width)
      throw new WireError(ErrorCode.SHAPE, `tensor "${piece.name}": ${data.byteLength} bytes for ${piece.count} entries (${piece.count * width} expected)`);
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
