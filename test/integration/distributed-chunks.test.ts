// Tensors in pieces, messages in parts (compression/tensor-stream.ts, compression/stream-reader.ts): the cutting and checking on their own, the
// coordinator taking pushes part by part (and refusing a missing, malformed or out-of-range chunk
// without touching W or the round), and real workers training with a chunk size far below their
// tensors: the same W as without chunks (F32), equal copies (TOPK), a task state handed over in parts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Counter } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../config/schema.js';
import { Coordinator, type Peer } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { groupParts, partFields, pieceEntries, pieceMessage, pieceRanges, rawParts } from '../../compression/tensor-stream.js';
import { PartReader, RawAssembler, ValueAssembler } from '../../compression/stream-reader.js';
import { decode, encode, Encoding, ErrorCode, f32Tensor, PROTOCOL_VERSION, u8Tensor, WireError, type Decoded, type TensorMessage } from '../../proto/codec.js';
import { ENCODING_IDS, encodeValues, type EncodingName } from '../../compression/encodings/index.js';
import { Worker } from '../../worker/worker.js';
import { topkIndexPastEnd } from '../support/encodings.js';
import { syntheticRunConfig } from '../support/synthetic-run.js';

const quiet = () => {};
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** 256 entries a piece. */
const CHUNK = 1024;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296 - 0.5) * 0.02;
  });
}

/** What WireError `fn` throws (fails the test when it throws nothing or something else). */
function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    return err as WireError;
  }
  throw new Error('expected a WireError, nothing was thrown');
}

describe('cutting and checking', () => {
  const layout = [
    { name: 'k', shape: [40, 30] },
    { name: 'b', shape: [30] },
  ];
  /** F32 pieces of the layout's random values, grouped into parts of CHUNK bytes. */
  function parts(): { values: Float32Array[]; parts: TensorMessage[][] } {
    const values = [random(1200, 1), random(30, 2)];
    const tensors = layout.map((t, i) => f32Tensor(t.name, t.shape, values[i]));
    return { values, parts: rawParts(tensors, CHUNK) };
  }

  it('cuts each tensor into pieces that cover it once, in order, and keeps every part within the chunk size', () => {
    const ranges = pieceRanges([1200, 30, 0, 256], pieceEntries(CHUNK));
    expect(ranges.filter((r) => r.tensor === 0).map((r) => [r.offset, r.count])).toEqual([
      [0, 256],
      [256, 256],
      [512, 256],
      [768, 256],
      [1024, 176],
    ]);
    expect(ranges.filter((r) => r.tensor !== 0).map((r) => r.whole)).toEqual([true, true, true]);
    const { parts: p } = parts();
    expect(p.length).toBeGreaterThan(4);
    for (const part of p) expect(part.reduce((a, t) => a + t.data!.byteLength, 0)).toBeLessThanOrEqual(CHUNK);
    // Small tensors share a frame: one part when everything fits.
    expect(rawParts([f32Tensor('x', [10], random(10, 3)), f32Tensor('y', [10], random(10, 4))], CHUNK)).toHaveLength(1);
    expect(() => pieceEntries(100)).toThrow(/at least 1024/);
  });

  it('puts raw pieces back together bit for bit (F32 and U8)', () => {
    const { values, parts: p } = parts();
    const mask = Uint8Array.from({ length: 1200 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    const withMask = [...p, ...rawParts([u8Tensor('m', [40, 30], mask)], CHUNK)];
    const raw = new RawAssembler('state');
    withMask.forEach((tensors, i) => {
      expect(raw.accept(i, withMask.length, tensors)).toBe(i === withMask.length - 1);
    });
    const [k, b, m] = raw.tensors;
    expect(bits(new Float32Array(new Uint8Array(k.data!).buffer)).equals(bits(values[0]))).toBe(true);
    expect(bits(new Float32Array(new Uint8Array(b.data!).buffer)).equals(bits(values[1]))).toBe(true);
    expect(Buffer.from(m.data!).equals(Buffer.from(mask))).toBe(true);
  });

  it('decodes encoded pieces into whole tensors', () => {
    const v = random(1200, 5);
    const ranges = pieceRanges([1200], pieceEntries(CHUNK));
    const pieces = ranges.map((r) => pieceMessage(r, 'k', [40, 30], Encoding.ENCODING_BF16, encodeValues(v.subarray(r.offset, r.offset + r.count), 'bf16')));
    const out = new ValueAssembler('update');
    out.accept(0, 0, pieces);
    const whole = encodeValues(v, 'bf16');
    const expected = new Uint16Array(whole.buffer, whole.byteOffset, 1200);
    // BF16 is entry by entry: the pieces decode to exactly what the whole tensor would.
    const got = out.tensors[0].values;
    expect(Array.from(got, (x) => new Uint16Array(new Float32Array([x]).buffer)[1])).toEqual(Array.from(expected));
  });

  const refusals: [string, (p: TensorMessage[][]) => [number, number, TensorMessage[]][], RegExp][] = [
    [
      'a missing part',
      (p) => [
        [0, p.length, p[0]],
        [2, p.length, p[2]],
      ],
      /part 2 of \d+ arrived, part 1 expected \(a part is missing\)/,
    ],
    ['part 0 missing', (p) => [[1, p.length, p[1]]], /part 1 of \d+ arrived first/],
    [
      'a changed part count',
      (p) => [
        [0, p.length, p[0]],
        [1, p.length + 1, p[1]],
      ],
      /says \d+ parts, part 0 said/,
    ],
    [
      'a repeated piece',
      (p) => [
        [0, p.length, p[0]],
        [1, p.length, [p[0][0], ...p[1]]],
      ],
      /expected entry \d+ \(a piece is missing or repeated\)/,
    ],
    ['a piece past the end', (p) => [[0, p.length, [{ ...p[0][0], offset: 0, count: 5000 }]]], /pass the tensor's 1200/],
    ['a wrong tensor', (p) => [[0, p.length, [{ ...p[0][0], name: 'q' }]]], /tensor 0 is "q", expected "k"/],
    [
      'a message that ends early',
      (p) => [
        [0, 2, p[0]],
        [1, 2, p[1]],
      ],
      /ends after 0 of the 2 tensors/,
    ],
    ['an extra tensor', (p) => p.map((t, i) => [i, p.length, i === p.length - 1 ? [...t, t[t.length - 1]] : t]), /more tensors than the model's 2/],
  ];
  for (const [what, frames, message] of refusals) {
    it(`refuses ${what}`, () => {
      const { parts: p } = parts();
      const reader = new PartReader('push', layout);
      const sequence = frames(p);
      const last = sequence.pop()!;
      for (const [part, n, tensors] of sequence) reader.accept(part, n, tensors);
      const err = wireError(() => reader.accept(...last));
      expect(err.message).toMatch(message);
      // Spent: nothing more is taken.
      expect(() => reader.accept(last[0] + 1, last[1], [])).toThrow(/earlier part was refused/);
    });
  }
});

// ---- The coordinator, in process ------------------------------------------------------------------

function config(distributed: object, tasks = 1, steps = 30): RunConfig {
  return syntheticRunConfig({ tasks, steps, distributed: { report_every: 5, ...distributed } }, 'chunks test');
}

/** A joined in-process peer of task a; keeps the replies. */
function joined(distributed: object, hello: object = {}) {
  const metrics = new CoordinatorMetrics(['a']);
  const coordinator = new Coordinator(config(distributed), { log: quiet, metrics });
  const replies: Decoded[] = [];
  const peer: Peer = { send: (frame) => replies.push(decode(frame)), close: () => {} };
  coordinator.attach(peer);
  coordinator.receive(peer, encode('hello', { protocolVersion: PROTOCOL_VERSION, task: 'a', modelFingerprint: '', workerId: 'w', encodings: Object.values(ENCODING_IDS), parts: true, ...hello }));
  return { coordinator, metrics, peer, replies };
}

/** A push of `gradient` as a worker cuts it: pieces in `encoding`, grouped into parts. */
function pushFrames(coordinator: Coordinator, gradient: Float32Array[], encoding: EncodingName, chunk: number, corrupt?: (piece: TensorMessage, index: number) => TensorMessage): Uint8Array[] {
  const ranges = pieceRanges(
    coordinator.spec.shared.map((t) => t.size),
    pieceEntries(chunk),
  );
  const pieces = ranges.map((r, i) => {
    const t = coordinator.spec.shared[r.tensor];
    const piece = pieceMessage(r, t.name, t.shape, ENCODING_IDS[encoding], encodeValues(gradient[r.tensor].subarray(r.offset, r.offset + r.count), encoding, { topkFraction: 0.05 }));
    return corrupt ? corrupt(piece, i) : piece;
  });
  const parts = groupParts(pieces, chunk);
  return parts.map((g, i) => encode('push', { task: 'a', baseVersion: 0, gradient: g, loss: 1, samples: 32, ...partFields(i, parts.length) }));
}

async function reasonCount(counter: Counter<string>, reason: string): Promise<number> {
  return (await counter.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('the coordinator takes pushes part by part', () => {
  const F32 = { chunk_bytes: CHUNK };
  const TOPK = { chunk_bytes: CHUNK, uplink: { encoding: 'topk', topk_fraction: 0.05 } };

  it('negotiates: refuses a worker without parts or without the run encoding; the welcome names both and W follows in parts', () => {
    const noParts = joined(F32, { parts: false });
    expect(noParts.replies[0].kind === 'error' && noParts.replies[0].body).toMatchObject({ code: ErrorCode.ENCODING, message: expect.stringMatching(/in parts/) });
    const noTopk = joined(TOPK, { encodings: [Encoding.ENCODING_F16] });
    expect(noTopk.replies[0].kind === 'error' && noTopk.replies[0].body).toMatchObject({ code: ErrorCode.ENCODING, message: expect.stringMatching(/uplink encoding is TOPK/) });

    const { coordinator, replies } = joined(TOPK);
    const [welcome, ...rest] = replies;
    expect(welcome.kind).toBe('welcome');
    if (welcome.kind !== 'welcome') return;
    expect(welcome.body).toMatchObject({ sharedFollows: true, shared: [] });
    // The negotiated settings travel once, in the run config.
    expect(JSON.parse(welcome.body.configJson ?? '{}').distributed).toMatchObject({ uplink: { encoding: 'topk' }, downlink: { encoding: 'f32' }, chunk_bytes: CHUNK });
    expect(rest.length).toBeGreaterThan(4);
    const reader = new PartReader('welcome W', coordinator.spec.shared);
    const values = new ValueAssembler('welcome W');
    rest.forEach((r, i) => {
      expect(r.kind).toBe('update');
      if (r.kind !== 'update') return;
      expect(r.body).toMatchObject({ version: 0, part: i, parts: rest.length });
      // No frame carries more than a chunk of tensor payload.
      expect((r.body.shared ?? []).reduce((a, t) => a + (t.data?.byteLength ?? 0), 0)).toBeLessThanOrEqual(CHUNK);
      // The model's own layout, and the values.
      reader.accept(r.body.part ?? 0, r.body.parts ?? 0, r.body.shared ?? []);
      values.accept(r.body.part ?? 0, r.body.parts ?? 0, r.body.shared ?? []);
    });
    values.tensors.forEach((t, i) => expect(bits(t.values).equals(bits(coordinator.mirrorTensors[i]))).toBe(true));
    expect(coordinator.maxFrameBytes).toBeLessThan(2 * CHUNK + (2 << 20));
    for (const c of [noParts, noTopk, { coordinator }]) c.coordinator.stop(false);
  });

  it('a push in parts moves W exactly as the same push in one frame', () => {
    const chunked = joined(F32);
    const whole = joined({});
    const gradient = chunked.coordinator.spec.shared.map((t, i) => random(t.size, 10 + i));
    const frames = pushFrames(chunked.coordinator, gradient, 'f32', CHUNK);
    expect(frames.length).toBeGreaterThan(4);
    for (const f of frames) chunked.coordinator.receive(chunked.peer, f);
    for (const f of pushFrames(whole.coordinator, gradient, 'f32', 4 << 20)) whole.coordinator.receive(whole.peer, f);
    expect(chunked.coordinator.version).toBe(1);
    expect(whole.coordinator.version).toBe(1);
    chunked.coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(whole.coordinator.sharedTensors[i]))).toBe(true));
    chunked.coordinator.stop(false);
    whole.coordinator.stop(false);
  });

  type Case = [string, object, EncodingName, (frames: Uint8Array[]) => Uint8Array[], ErrorCode, RegExp, string, string];
  const cases: Case[] = [
    ['a missing chunk', F32, 'f32', (f) => [f[0], f[2]], ErrorCode.MALFORMED, /part 2 of \d+ arrived, part 1 expected/, 'connections', 'malformed'],
    ['a chunk without its start', F32, 'f32', (f) => [f[1]], ErrorCode.MALFORMED, /without the parts before it/, 'connections', 'malformed'],
    ['a new push over an incomplete one', F32, 'f32', (f) => [f[0], f[1], f[0]], ErrorCode.MALFORMED, /a new push began while part 2/, 'connections', 'malformed'],
    [
      'a non-finite value in a later chunk',
      F32,
      'f32',
      (f) => {
        const body = decode(f[1]);
        if (body.kind !== 'push') throw new Error('not a push');
        const piece = body.body.gradient![0];
        const v = new Float32Array(new Uint8Array(piece.data!).buffer);
        v[3] = NaN;
        return [f[0], encode('push', { ...body.body, gradient: [{ ...piece, data: new Uint8Array(v.buffer) }, ...body.body.gradient!.slice(1)] })];
      },
      ErrorCode.NON_FINITE,
      /value NaN at index 259/,
      'pushes',
      'non_finite',
    ],
  ];
  for (const [what, distributed, encoding, mangle, code, message, counter, reason] of cases) {
    it(`refuses ${what} without touching W or the round`, async () => {
      const { coordinator, metrics, peer, replies } = joined(distributed);
      replies.length = 0;
      const before = coordinator.sharedTensors.map((t) => t.slice());
      const gradient = coordinator.spec.shared.map((t, i) => random(t.size, 20 + i));
      const frames = pushFrames(coordinator, gradient, encoding, CHUNK);
      const c = counter === 'pushes' ? metrics.pushesRejected : metrics.connectionsRejected;
      const count = await reasonCount(c, reason);
      for (const f of mangle(frames)) coordinator.receive(peer, f);
      const errors = replies.filter((r) => r.kind === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].kind === 'error' && errors[0].body).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await reasonCount(c, reason)).toBe(count + 1);
      expect(coordinator.version).toBe(0);
      coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
      // The round is still open for this task: a whole push, in parts, closes it.
      for (const f of frames) coordinator.receive(peer, f);
      expect(coordinator.version).toBe(1);
      coordinator.stop(false);
    });
  }

  const topkCases: [string, (piece: TensorMessage) => TensorMessage, RegExp][] = [
    ['a malformed TOPK chunk', (p) => ({ ...p, data: p.data!.subarray(0, p.data!.length - 1) }), /TOPK/],
    ['an out-of-range TOPK index in a chunk', (p) => ({ ...p, data: topkIndexPastEnd(p.count!) }), /index|range/i],
  ];
  for (const [what, corrupt, message] of topkCases) {
    it(`refuses ${what} without touching W or the round`, async () => {
      const { coordinator, metrics, peer, replies } = joined(TOPK);
      replies.length = 0;
      const before = coordinator.sharedTensors.map((t) => t.slice());
      const gradient = coordinator.spec.shared.map((t, i) => random(t.size, 30 + i));
      const count = await reasonCount(metrics.connectionsRejected, 'malformed');
      // The third piece (of the kernel, not its first) is the bad one.
      for (const f of pushFrames(coordinator, gradient, 'topk', CHUNK, (p, i) => (i === 2 ? corrupt(p) : p))) coordinator.receive(peer, f);
      const errors = replies.filter((r) => r.kind === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].kind === 'error' && errors[0].body).toMatchObject({ code: ErrorCode.MALFORMED, message: expect.stringMatching(message) });
      expect(await reasonCount(metrics.connectionsRejected, 'malformed')).toBe(count + 1);
      expect(coordinator.version).toBe(0);
      coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(before[i]))).toBe(true));
      for (const f of pushFrames(coordinator, gradient, 'topk', CHUNK)) coordinator.receive(peer, f);
      expect(coordinator.version).toBe(1);
      coordinator.stop(false);
    });
  }
});

// ---- Real workers over ws ----------------------------------------------------------------------------

async function train(cfg: RunConfig, onLog: (task: string, line: string) => void = () => {}, around?: (workers: Worker[], url: string) => Promise<void>) {
  const coordinator = new Coordinator(cfg, { log: quiet });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: quiet });
  const done = new Promise((resolve) => coordinator.once('done', resolve));
  const url = `ws://127.0.0.1:${server.port}`;
  const trouble: string[] = [];
  const workers = cfg.tasks.map(
    (t) =>
      new Worker({
        url,
        task: t.name,
        log: (line) => {
          onLog(t.name, line);
          if (/ignoring|reconnecting/.test(line)) trouble.push(line);
        },
      }),
  );
  const outcomes = workers.map((w) => w.run());
  if (around) await around(workers, url);
  const results = await Promise.all(outcomes);
  await done;
  coordinator.stop(false);
  await server.close();
  expect(trouble).toEqual([]);
  return { coordinator, workers, results };
}

describe('training with chunks', () => {
  it('F32 in parts trains exactly the W of F32 in whole frames, and TOPK in parts keeps every copy equal to the mirror', async () => {
    const whole = await train(config({}, 2));
    const chunked = await train(config({ chunk_bytes: CHUNK }, 2));
    expect(chunked.coordinator.version).toBe(30);
    chunked.coordinator.sharedTensors.forEach((t, i) => expect(bits(t).equals(bits(whole.coordinator.sharedTensors[i])), `tensor ${i}`).toBe(true));
    expect(chunked.results.map((r) => r.evaluation?.accuracy)).toEqual(whole.results.map((r) => r.evaluation?.accuracy));

    const topk = await train(config({ chunk_bytes: CHUNK, uplink: { encoding: 'topk', topk_fraction: 0.05 }, downlink: { encoding: 'topk', topk_fraction: 0.05, dense_every: 7 } }, 2));
    const mirror = topk.coordinator.mirrorTensors;
    expect(mirror.some((m, i) => !bits(m).equals(bits(topk.coordinator.sharedTensors[i])))).toBe(true);
    for (const w of topk.workers) w.sharedCopy!.tensors.forEach((t, i) => expect(bits(t).equals(bits(mirror[i]))).toBe(true));
  }, 120_000);

  it('hands a task state over in parts to the worker that takes the task over', async () => {
    const lines: string[] = [];
    let reportedStep = -1;
    await train(
      config({ chunk_bytes: CHUNK }, 2, 40),
      (task, line) => lines.push(`${task}: ${line}`),
      async (workers, url) => {
        // Worker a stops after its 12th round (its state goes out in parts); a new one takes over.
        await new Promise<void>((resolve) => workers[0].on('round', (v: number) => v === 11 && resolve()));
        await workers[0].stop();
        reportedStep = 12;
        const next = new Worker({ url, task: 'a', log: (line) => lines.push(`a2: ${line}`) });
        const outcome = await next.run();
        expect(outcome.evaluation).not.toBeNull();
      },
    );
    const took = lines.find((l) => /^a2: .*took over the task state of step/.test(l));
    expect(took, lines.join('\n')).toBeDefined();
    expect(Number(/step (\d+)/.exec(took!)![1])).toBeGreaterThanOrEqual(reportedStep);
  }, 120_000);
});
