// The update frame (Envelope { update: ParamUpdate }) written by hand into reused buffers. Every round
// sends W, or its delta, to every worker: through protobufjs' writer each frame is a fresh allocation
// grown and copied on the way (several copies of megabytes a round, and garbage that the collector then
// chases). Here the frame's size is computed first, the bytes are written once into a buffer from a
// pool, and the buffer comes back once every connection it went to has written it out.
//
// The bytes are protobufjs' own, bit for bit (tested): fields in field-number order, proto3 defaults (0,
// false, empty) left out, packed `shape`, lengths as varints.
import type { ParamUpdate, TensorMessage } from './codec.js';

const UPDATE_FIELD = 4;
const LENGTH_DELIMITED = 2;
const VARINT = 0;

const tag = (field: number, type: number): number => (field << 3) | type;

function varintSize(v: number): number {
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

const utf8 = new TextEncoder();

/** A frame in a pooled buffer: give it back with `release` once nothing will read it. */
export interface PooledFrame {
  frame: Uint8Array;
  release: () => void;
}

export class UpdateFrameWriter {
  private readonly free: Uint8Array[] = [];

  /** `keep`: free buffers held at most (a round's parts, and the next round's while some go out). */
  constructor(private readonly keep = 16) {}

  /** The update frame of `update` with the pieces `shared` (its own `shared` is ignored). */
  write(update: ParamUpdate, shared: readonly TensorMessage[]): PooledFrame {
    const names = shared.map((t) => (t.name ? utf8.encode(t.name) : null));
    const tensorSizes = shared.map((t, i) => tensorSize(t, names[i]));
    const { version, done, delta, part, parts } = update;
    let body = 0;
    if (version) body += 1 + varintSize(version);
    for (const size of tensorSizes) body += 1 + varintSize(size) + size;
    if (done) body += 2;
    if (delta) body += 2;
    if (part) body += 1 + varintSize(part);
    if (parts) body += 1 + varintSize(parts);
    const total = 1 + varintSize(body) + body;

    const buffer = this.take(total);
    const out = new FrameCursor(buffer.subarray(0, total));
    out.varint(tag(UPDATE_FIELD, LENGTH_DELIMITED)).varint(body);
    if (version) out.varint(tag(1, VARINT)).varint(version);
    shared.forEach((t, i) => {
      out.varint(tag(2, LENGTH_DELIMITED)).varint(tensorSizes[i]);
      writeTensor(out, t, names[i]);
    });
    if (done) out.varint(tag(3, VARINT)).varint(1);
    if (delta) out.varint(tag(4, VARINT)).varint(1);
    if (part) out.varint(tag(5, VARINT)).varint(part);
    if (parts) out.varint(tag(6, VARINT)).varint(parts);
    if (out.at !== total) throw new Error(`update frame: wrote ${out.at} bytes of ${total}`);

    let released = false;
    return {
      frame: out.bytes,
      release: () => {
        if (released) return;
        released = true;
        if (this.free.length < this.keep) this.free.push(buffer);
      },
    };
  }

  /** The smallest free buffer that holds `bytes`, or a new one of exactly that size. */
  private take(bytes: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].byteLength >= bytes && (best < 0 || this.free[i].byteLength < this.free[best].byteLength)) best = i;
    }
    if (best < 0) return new Uint8Array(bytes);
    return this.free.splice(best, 1)[0];
  }
}

function tensorSize(t: TensorMessage, name: Uint8Array | null): number {
  let size = 0;
  if (name) size += 1 + varintSize(name.byteLength) + name.byteLength;
  if (t.shape && t.shape.length > 0) size += 1 + varintSize(packedSize(t.shape)) + packedSize(t.shape);
  if (t.encoding) size += 1 + varintSize(t.encoding);
  if (t.data && t.data.byteLength > 0) size += 1 + varintSize(t.data.byteLength) + t.data.byteLength;
  if (t.offset) size += 1 + varintSize(t.offset);
  if (t.count) size += 1 + varintSize(t.count);
  return size;
}

function packedSize(shape: readonly number[]): number {
  return shape.reduce((a, d) => a + varintSize(d), 0);
}

function writeTensor(out: FrameCursor, t: TensorMessage, name: Uint8Array | null): void {
  if (name) out.varint(tag(1, LENGTH_DELIMITED)).blob(name);
  if (t.shape && t.shape.length > 0) {
    out.varint(tag(2, LENGTH_DELIMITED)).varint(packedSize(t.shape));
    for (const d of t.shape) out.varint(d);
  }
  if (t.encoding) out.varint(tag(3, VARINT)).varint(t.encoding);
  if (t.data && t.data.byteLength > 0) out.varint(tag(4, LENGTH_DELIMITED)).blob(t.data);
  if (t.offset) out.varint(tag(5, VARINT)).varint(t.offset);
  if (t.count) out.varint(tag(6, VARINT)).varint(t.count);
}

class FrameCursor {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(v: number): this {
    while (v >= 0x80) {
      this.bytes[this.at++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.bytes[this.at++] = v;
    return this;
  }

  /** A length-prefixed byte string. */
  blob(data: Uint8Array): this {
    this.varint(data.byteLength);
    this.bytes.set(data, this.at);
    this.at += data.byteLength;
    return this;
  }
}
