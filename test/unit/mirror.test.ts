// compression/mirror.ts: W as the workers hold it. The coordinator's mirror encodes each version of W as
// its delta against what the workers hold (deltaEncoder), the workers' mirrors add the decoded deltas
// (add, addPiece): both sides must stay equal bit for bit over many versions, whatever the encoding,
// with the tensors cut into pieces and the pieces grouped into parts, as the downlink sends them.
import { describe, expect, it, vi } from 'vitest';
import { decodeValues, encodeWithSentValues, ENCODING_IDS, type EncodeOptions, type EncodingName } from '../../compression/encodings/index.js';
import { Mirror } from '../../compression/mirror.js';
import { ValueAssembler } from '../../compression/stream-reader.js';
import { encodeStream, partFields, rawF32, type StreamTensor } from '../../compression/tensor-stream.js';
import { Random } from '../../lib/random.js';
import { decode, encode, type TensorMessage } from '../../proto/codec.js';
import { seededUniform } from '../support/encodings.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: readonly Float32Array[], b: readonly Float32Array[]) => a.length === b.length && a.every((t, i) => bits(t).equals(bits(b[i])));

/** 256 entries a piece: the kernels below travel in several pieces each. */
const CHUNK = 1024;
const LAYOUT = [
  { name: 'dense/kernel', shape: [40, 30] },
  { name: 'dense/bias', shape: [30] },
  { name: 'out/kernel', shape: [30, 20] },
];
const SIZES = LAYOUT.map((t) => t.shape.reduce((a, b) => a * b, 1));

function gaussian(n: number, seed: number, std: number): Float32Array {
  return Random.stream(seed, 'test/mirror').fillGaussian(new Float32Array(n), std);
}

/** A W that changes version by version: small steps on every entry, now and then a large one on a few. */
class ChangingW {
  readonly tensors: Float32Array[];
  private readonly random: Random;

  constructor(seed: number) {
    this.tensors = SIZES.map((n, i) => gaussian(n, seed * 10 + i, 0.1));
    this.random = Random.stream(seed, 'test/mirror/steps');
  }

  step(): void {
    for (const t of this.tensors) {
      for (let i = 0; i < t.length; i++) {
        const u = this.random.uniform();
        // Mostly tiny moves, some entries untouched, a few jumps of many orders of magnitude more.
        if (u < 0.2) continue;
        const size = u > 0.995 ? 3 : u > 0.9 ? 1e-2 : 1e-4;
        t[i] += (this.random.uniform() * 2 - 1) * size;
      }
    }
  }

  stream(): StreamTensor[] {
    return LAYOUT.map((t, i) => ({ name: t.name, shape: t.shape, values: this.tensors[i] }));
  }
}

/** The coordinator's side of one update: W's delta against `mirror`, in parts, as encoded frames. */
function deltaFrames(mirror: Mirror, w: ChangingW, version: number, encoding: EncodingName, options: EncodeOptions): { frames: Uint8Array[]; parts: TensorMessage[][] } {
  const parts = encodeStream(
    w.stream(),
    CHUNK,
    ENCODING_IDS[encoding],
    mirror.deltaEncoder((delta) => encodeWithSentValues(delta, encoding, options)),
  );
  mirror.advance(version);
  return { parts, frames: parts.map((shared, i) => encode('update', { version, delta: true, shared, ...partFields(i, parts.length) })) };
}

/** The coordinator's side of a full W (dense_every): raw F32 pieces, and the mirror replaced. */
function fullFrames(mirror: Mirror, w: ChangingW, version: number): Uint8Array[] {
  mirror.replace(version, w.tensors);
  const parts = encodeStream(w.stream(), CHUNK, ENCODING_IDS.f32, rawF32);
  return parts.map((shared, i) => encode('update', { version, shared, ...partFields(i, parts.length) }));
}

/** A worker's side: the frames of one update put back together (ValueAssembler) and applied with add/replace. */
function applyWhole(mirror: Mirror, frames: readonly Uint8Array[]): void {
  const assembler = new ValueAssembler('update');
  let complete = false;
  let version = -1;
  let delta = false;
  for (const frame of frames) {
    const msg = decode(frame);
    if (msg.kind !== 'update') throw new Error(`an update expected, got ${msg.kind}`);
    version = msg.body.version ?? 0;
    delta = msg.body.delta ?? false;
    complete = assembler.accept(msg.body.part ?? 0, msg.body.parts ?? 0, msg.body.shared ?? []);
  }
  expect(complete).toBe(true);
  const values = assembler.tensors.map((t) => t.values);
  expect(assembler.tensors.map((t) => t.name)).toEqual(LAYOUT.map((t) => t.name));
  if (delta) mirror.add(version, values);
  else mirror.replace(version, values);
}

/** Another worker's side: each piece decoded on its own (decodeValues) and added where it belongs (addPiece). */
function applyPieces(mirror: Mirror, frames: readonly Uint8Array[], encoding: EncodingName): void {
  let version = -1;
  for (const frame of frames) {
    const msg = decode(frame);
    if (msg.kind !== 'update') throw new Error(`an update expected, got ${msg.kind}`);
    version = msg.body.version ?? 0;
    for (const piece of msg.body.shared ?? []) {
      const t = LAYOUT.findIndex((l) => l.name === piece.name);
      const offset = piece.offset ?? 0;
      const count = piece.count || SIZES[t];
      const values = decodeValues(piece.data!, msg.body.delta ? encoding : 'f32', count);
      if (msg.body.delta) mirror.addPiece(t, offset, values);
      else mirror.tensors[t].set(values, offset);
    }
  }
  if (frames.length > 0) mirror.advance(version);
}

describe('Mirror on its own', () => {
  it('takes its tensors as its own and starts at the version given', () => {
    const tensors = [new Float32Array([1, 2, 3])];
    const m = new Mirror(tensors, -1);
    expect(m.version).toBe(-1);
    expect(m.tensors).toBe(tensors);
    expect(m.tensors[0]).toBe(tensors[0]);
  });

  it('replace copies a full W into its own arrays and sets the version', () => {
    const own = [new Float32Array(4), new Float32Array(2)];
    const m = new Mirror(own, -1);
    const w = [new Float32Array([1, -2, 3.5, 1e-30]), new Float32Array([7, 8])];
    m.replace(3, w);
    expect(m.version).toBe(3);
    expect(m.tensors[0]).toBe(own[0]);
    expect(same(m.tensors, w)).toBe(true);
    // A copy: W moving on leaves the mirror where it was.
    w[0][0] = 100;
    expect(m.tensors[0][0]).toBe(1);
  });

  it('addPiece adds a decoded delta from an offset, in float32, leaving the rest and the version alone', () => {
    const m = new Mirror([new Float32Array([1, 1, 1, 1, 1]), new Float32Array([0.1, 0.2])], 5);
    m.addPiece(0, 2, new Float32Array([0.1, 2 ** -30]));
    // float32 additions, as both sides do them.
    expect(Array.from(m.tensors[0])).toEqual([1, 1, Math.fround(1 + Math.fround(0.1)), Math.fround(1 + 2 ** -30), 1]);
    expect(m.tensors[0][3]).toBe(1);
    expect(Array.from(m.tensors[1])).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(m.version).toBe(5);
  });

  it('add adds whole-tensor deltas and moves to the version given', () => {
    const m = new Mirror([new Float32Array([1, 2]), new Float32Array([3])], 0);
    m.add(1, [new Float32Array([0.5, -2]), new Float32Array([0.25])]);
    expect(m.version).toBe(1);
    expect(Array.from(m.tensors[0])).toEqual([1.5, 0]);
    expect(Array.from(m.tensors[1])).toEqual([3.25]);
  });

  it('deltaEncoder encodes W minus the mirror piece by piece and adds what the receivers will decode; advance sets the version', () => {
    const m = new Mirror([new Float32Array([1, 2, 3, 4, 5, 6])], 7);
    const w = new Float32Array([1.5, 2, 2, 4, 5, 9]);
    const seen: Float32Array[] = [];
    const encoder = m.deltaEncoder((delta) => {
      seen.push(delta.slice());
      return encodeWithSentValues(delta, 'f32');
    });
    // Two pieces of one tensor, in order.
    const first = encoder(w.subarray(0, 4), { tensor: 0, offset: 0, count: 4, whole: false }, 0);
    const second = encoder(w.subarray(4), { tensor: 0, offset: 4, count: 2, whole: false }, 1);
    expect(seen.map((d) => Array.from(d))).toEqual([
      [0.5, 0, -1, 0],
      [0, 3],
    ]);
    expect(Array.from(decodeValues(first, 'f32', 4))).toEqual([0.5, 0, -1, 0]);
    expect(Array.from(decodeValues(second, 'f32', 2))).toEqual([0, 3]);
    // F32 deltas of these values are exact: the mirror is W now. The version waits for advance().
    expect(Array.from(m.tensors[0])).toEqual(Array.from(w));
    expect(m.version).toBe(7);
    m.advance(8);
    expect(m.version).toBe(8);
  });

  it('with a lossy encoding the mirror takes what was sent, not W', () => {
    const m = new Mirror([new Float32Array(8)], 0);
    const w = new Float32Array([0.001, -5, 0.002, 4, 0, 0.003, 3, -0.004]);
    const payload = m.deltaEncoder((delta) => encodeWithSentValues(delta, 'topk', { topkFraction: 0.25 }))(w, { tensor: 0, offset: 0, count: 8, whole: true }, 0);
    // The two largest entries went; the rest stay at the mirror's 0.
    expect(Array.from(m.tensors[0])).toEqual([0, -5, 0, 4, 0, 0, 0, 0]);
    expect(Array.from(decodeValues(payload, 'topk', 8))).toEqual([0, -5, 0, 4, 0, 0, 0, 0]);
  });

  it("built on W's own arrays (the F32 downlink) it is W: replace copies nothing", () => {
    const w = SIZES.map((n, i) => gaussian(n, 50 + i, 1));
    const m = new Mirror([...w], 0);
    const spies = w.map((t) => vi.spyOn(t, 'set'));
    m.replace(1, w);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(m.version).toBe(1);
    m.tensors.forEach((t, i) => expect(t).toBe(w[i]));
    // W moving in place is the mirror moving.
    w[0][0] = 42;
    expect(m.tensors[0][0]).toBe(42);
    // A mirror of copies does copy (the same spy sees the call).
    const copies = new Mirror(
      w.map((t) => t.slice()),
      0,
    );
    const copySpies = copies.tensors.map((t) => vi.spyOn(t, 'set'));
    copies.replace(2, w);
    for (const spy of copySpies) expect(spy).toHaveBeenCalledTimes(1);
    expect(same(copies.tensors, w)).toBe(true);
    expect(copies.tensors[0]).not.toBe(w[0]);
  });
});

describe('coordinator and worker mirrors over many versions', () => {
  const VERSIONS = 60;
  const DENSE_EVERY = 25;
  const cases: [string, EncodingName, EncodeOptions][] = [
    ['TOPK (F32 values)', 'topk', { topkFraction: 0.05 }],
    ['TOPK (F16 values)', 'topk', { topkFraction: 0.1, topkValues: 'f16' }],
    ['INT8', 'int8', { int8ChunkSize: 64, random: seededUniform(9) }],
    ['INT8 (Math.random, one scale a piece)', 'int8', {}],
    ['F16', 'f16', {}],
    ['BF16', 'bf16', {}],
  ];
  for (const [what, encoding, options] of cases) {
    it(`${what}: the workers' copies equal the coordinator's mirror bit for bit at every version, across pieces and parts`, () => {
      const w = new ChangingW(encoding.length + what.length);
      // The coordinator's mirror starts as a copy of W at version 0; the workers get it in full.
      const coordinator = new Mirror(
        w.tensors.map((t) => t.slice()),
        0,
      );
      const whole = new Mirror(
        SIZES.map((n) => new Float32Array(n)),
        -1,
      );
      const pieces = new Mirror(
        SIZES.map((n) => new Float32Array(n)),
        -1,
      );
      const welcome = fullFrames(coordinator, w, 0);
      applyWhole(whole, welcome);
      applyPieces(pieces, welcome, encoding);
      expect(same(whole.tensors, coordinator.tensors)).toBe(true);

      let lossy = 0;
      let maxParts = 0;
      let pieceCount = 0;
      for (let version = 1; version <= VERSIONS; version++) {
        w.step();
        let frames: Uint8Array[];
        if (version % DENSE_EVERY === 0) {
          frames = fullFrames(coordinator, w, version);
          expect(same(coordinator.tensors, w.tensors), `version ${version}: a full W`).toBe(true);
        } else {
          const update = deltaFrames(coordinator, w, version, encoding, options);
          frames = update.frames;
          maxParts = Math.max(maxParts, update.parts.length);
          pieceCount = Math.max(pieceCount, update.parts.flat().length);
          if (!same(coordinator.tensors, w.tensors)) lossy++;
        }
        expect(coordinator.version).toBe(version);
        applyWhole(whole, frames);
        applyPieces(pieces, frames, encoding);
        expect(whole.version, `version ${version}`).toBe(version);
        expect(pieces.version, `version ${version}`).toBe(version);
        coordinator.tensors.forEach((t, i) => {
          expect(bits(whole.tensors[i]).equals(bits(t)), `version ${version}, tensor ${LAYOUT[i].name} (assembled)`).toBe(true);
          expect(bits(pieces.tensors[i]).equals(bits(t)), `version ${version}, tensor ${LAYOUT[i].name} (piece by piece)`).toBe(true);
        });
      }
      // Not the trivial case: the updates came in several pieces (and parts), the encoding lost
      // something, and the copies still track W (the deltas are taken against the mirror, so the
      // encoding error does not accumulate).
      // (TOPK's small payloads share a frame; the full W always comes in several.)
      expect(welcome.length).toBeGreaterThan(1);
      if (encoding !== 'topk') expect(maxParts).toBeGreaterThan(1);
      expect(pieceCount).toBeGreaterThan(LAYOUT.length);
      expect(lossy).toBeGreaterThan(0);
      const drift = Math.max(...coordinator.tensors.map((t, i) => Math.max(...Array.from(t, (x, j) => Math.abs(x - w.tensors[i][j])))));
      const spread = Math.max(...w.tensors.map((t) => Math.max(...Array.from(t, Math.abs))));
      expect(drift).toBeLessThan(spread);
      if (encoding !== 'topk') expect(drift).toBeLessThan(0.05 * spread);
    });
  }
});
