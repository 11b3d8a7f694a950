// The hand-written update frame (proto/update-frames.ts) against protobufjs' own encoding: the same
// bytes for every field combination the downlink sends, and buffers reused only once given back.
import { describe, expect, it } from 'vitest';
import { decode, encode, Encoding, type ParamUpdate, type TensorMessage } from '../../proto/codec.js';
import { UpdateFrameWriter } from '../../proto/update-frames.js';

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

const PIECES: TensorMessage[] = [
  { name: 'dense_1/kernel', shape: [784, 64], encoding: Encoding.ENCODING_F32, data: bytes(4 * 300, 1), offset: 1200, count: 300 },
  { name: 'dense_1/bias', shape: [64], encoding: Encoding.ENCODING_F32, data: bytes(256, 2) },
  { name: 'conv/kernel', shape: [5, 5, 1, 6], encoding: Encoding.ENCODING_TOPK, data: bytes(170, 3), offset: 0, count: 150 },
  { name: 'ünïcode', shape: [3], encoding: Encoding.ENCODING_F16, data: bytes(6, 4) },
  { name: '', shape: [], data: new Uint8Array(0) },
  { name: 'big offset', shape: [2 ** 20, 300], encoding: Encoding.ENCODING_F32, data: bytes(8, 5), offset: 2 ** 33 + 7, count: 2 },
];

const UPDATES: ParamUpdate[] = [
  { version: 7, done: false },
  { version: 0, done: true, delta: true, part: 0, parts: 3 },
  { version: 123456789, delta: false, part: 2, parts: 3 },
  { version: 2 ** 40 + 5 },
  {},
];

describe('update frames written into pooled buffers', () => {
  for (const [u, update] of UPDATES.entries()) {
    for (const shared of [PIECES, PIECES.slice(0, 1), []]) {
      it(`are protobufjs' bytes: update ${u}, ${shared.length} pieces`, () => {
        const writer = new UpdateFrameWriter();
        const { frame } = writer.write(update, shared);
        const expected = encode('update', { ...update, shared: [...shared] });
        expect(Buffer.from(frame).equals(Buffer.from(expected))).toBe(true);
        const decoded = decode(frame);
        expect(decoded.kind).toBe('update');
      });
    }
  }

  it('hands a buffer out again only after release, and keeps no more than asked', () => {
    const writer = new UpdateFrameWriter(1);
    const a = writer.write({ version: 1 }, PIECES);
    const b = writer.write({ version: 2 }, PIECES);
    expect(b.frame.buffer).not.toBe(a.frame.buffer);
    a.release();
    a.release();
    b.release();
    // One kept (the first released); a smaller frame fits in it, and the frame is written anew.
    const c = writer.write({ version: 3 }, PIECES.slice(0, 2));
    expect(c.frame.buffer).toBe(a.frame.buffer);
    expect(Buffer.from(c.frame).equals(Buffer.from(encode('update', { version: 3, shared: PIECES.slice(0, 2) })))).toBe(true);
    const d = writer.write({ version: 4 }, PIECES.slice(0, 2));
    expect(d.frame.buffer).not.toBe(c.frame.buffer);
  });
});
