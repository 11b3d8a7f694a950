import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/comm.js';
import { benchConfig, formatTable, parseCount, runGrid, specOf, taskName, type GridOptions } from '../../bench/comm-grid.js';
import { encodedPieces, ENCODINGS, helloFrame, messageBytes, pushTemplates, syntheticGradient } from '../../bench/push-frames.js';
import { PushWriter, VERSION_CLASSES } from '../../bench/push-writer.js';
import { clientThreadUrl, ClientPool } from '../../bench/round-clients.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { startServer } from '../../coordinator/server.js';
import { modelFingerprint, totalSize } from '../../model/spec.js';
import { decodePieceInto, PartReader } from '../../compression/stream-reader.js';
import { groupParts, partFields } from '../../compression/tensor-stream.js';
import { decode, encode, type GradientPush } from '../../proto/codec.js';
import { decodeValues, ENCODING_IDS } from '../../compression/encodings/index.js';

describe('bench:comm options', () => {
  it('defaults to the grid the issue asks for and reads every flag', () => {
    const d = parseArgs([]);
    expect(d.workers).toEqual(expect.arrayContaining([3, 8]));
    expect(d.params).toEqual(expect.arrayContaining([1_000_000, 4_000_000, 25_000_000]));
    expect(d.encodings).toEqual(['f32', 'f16', 'bf16', 'topk', 'int8']);
    expect(d).toMatchObject({ json: false, mask: 'zero', chunkBytes: 4 * 1024 * 1024 });
    const opts = parseArgs([
      '--json',
      '--workers',
      '2,5',
      '--params',
      '20k,1M',
      '--encodings',
      'topk,f32',
      '--seconds',
      '0.5',
      '--warmup',
      '0.2',
      '--min-rounds',
      '4',
      '--mask',
      'random',
      '--chunk-bytes',
      '16KiB',
    ]);
    expect(opts).toMatchObject({
      json: true,
      workers: [2, 5],
      params: [20_000, 1_000_000],
      encodings: ['topk', 'f32'],
      seconds: 0.5,
      warmup: 0.2,
      minRounds: 4,
      mask: 'random',
      chunkBytes: 16384,
    });
  });

  it('refuses what it cannot read, naming the flag', () => {
    expect(parseCount('4M')).toBe(4_000_000);
    expect(parseCount('250k')).toBe(250_000);
    expect(parseCount('4MiB')).toBe(4 * 1024 * 1024);
    expect(parseCount('4G')).toBeNaN();
    expect(() => parseArgs(['--params', 'lots'])).toThrow(/bench:comm: --params takes positive numbers; got 'lots'/);
    expect(() => parseArgs(['--encodings', 'f32,gzip'])).toThrow(/--encodings takes f32, f16, bf16, topk, int8; got 'gzip'/);
    expect(() => parseArgs(['--chunk-bytes', '100'])).toThrow(/--chunk-bytes takes at least 1024/);
    expect(() => parseArgs(['--workers'])).toThrow(/--workers needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
  });

  it('sizes the model to the asked number of shared parameters and sends the encoding both ways', () => {
    for (const p of [20_000, 1_000_000, 4_000_000, 25_000_000]) {
      expect(Math.abs(totalSize(specOf(benchConfig(3, p)).shared) - p) / p).toBeLessThan(p < 1e6 ? 0.02 : 0.002);
    }
    const c = benchConfig(3, 20_000, 'topk', 16384).distributed;
    expect(c.uplink).toMatchObject({ encoding: 'topk', topk_fraction: 0.01 });
    expect(c.downlink).toMatchObject({ encoding: 'topk', topk_fraction: 0.01 });
    expect(c.downlink.dense_every).toBeGreaterThanOrEqual(1_000_000);
    expect(c.chunk_bytes).toBe(16384);
  });
});

describe('bench:comm push frames', () => {
  const chunkBytes = 16384;
  const spec = specOf(benchConfig(2, 20_000));
  const gradient = syntheticGradient(spec);
  const expected = spec.shared.map((t) => ({ name: t.name, shape: t.shape }));

  it('says in the hello what a real worker says: every value encoding, and parts', () => {
    const m = decode(helloFrame('task01', 'abc'));
    expect(m.kind).toBe('hello');
    if (m.kind !== 'hello') return;
    expect(m.body).toMatchObject({ task: 'task01', modelFingerprint: 'abc', parts: true });
    expect(m.body.encodings).toEqual(ENCODINGS.map((e) => ENCODING_IDS[e]));
  });

  for (const encoding of ENCODINGS) {
    it(`${encoding}: the part frames, patched as a client patches them, decode into a push a PartReader takes in full`, () => {
      const push = pushTemplates('task00', encodedPieces(spec, gradient, encoding, chunkBytes), chunkBytes);
      expect(push.frames).toHaveLength(VERSION_CLASSES.length);
      const parts = push.frames[0].length;
      // 20k F32 entries are 80 kB: several parts at 16 KiB; the compressed encodings fit fewer.
      if (encoding === 'f32') expect(parts).toBeGreaterThan(4);
      // What a client thread does: its own copies of the templates, its task name and version in them.
      const writer = new PushWriter(push, 'task01');
      let bytes = 0;
      for (const version of [0, 5, 300, 20_000]) {
        const reader = new PartReader(`push (${encoding})`, expected);
        const values = spec.shared.map((t) => new Float32Array(t.size));
        let complete = false;
        writer.frames(version).forEach((frame) => {
          if (version === 5) bytes += frame.byteLength;
          // As the coordinator hands frames to decode: a Uint8Array view (here at an odd offset).
          const copy = new Uint8Array(frame.byteLength + 1);
          copy.set(frame, 1);
          const m = decode(copy.subarray(1));
          expect(m.kind).toBe('push');
          const body = m.body as GradientPush;
          expect(body).toMatchObject({ task: 'task01', baseVersion: version });
          expect(body.parts ?? 0).toBe(parts > 1 ? parts : 0);
          const r = reader.accept(body.part ?? 0, body.parts ?? 0, body.gradient ?? []);
          for (const piece of r.pieces) decodePieceInto(piece.message, values[piece.tensor].subarray(piece.offset, piece.offset + piece.count));
          complete = r.complete;
        });
        expect(complete).toBe(true);
        // The pieces carry the gradient: exactly in F32, within the encodings' bounds otherwise.
        values.forEach((v, i) => {
          const g = gradient[i];
          if (encoding === 'f32') expect(v).toEqual(g);
          else if (encoding === 'topk') expect(v.filter((x) => x !== 0).length).toBeLessThanOrEqual(Math.ceil(g.length * 0.011) + 5);
          else {
            let worst = 0;
            for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(v[j] - g[j]));
            expect(worst).toBeLessThan(1e-5);
          }
        });
      }
      expect(messageBytes('task00', encodedPieces(spec, gradient, encoding, chunkBytes), chunkBytes).push).toBe(bytes);
    });
  }

  for (const encoding of ['f32', 'topk'] as const) {
    it(`${encoding}: a client's push frame for a task and version is encode('push', ...) of that push, bit for bit`, () => {
      const pieces = encodedPieces(spec, gradient, encoding, chunkBytes);
      const parts = groupParts(pieces, chunkBytes);
      const writer = new PushWriter(pushTemplates('task00', pieces, chunkBytes), 'task07');
      // Every class's ends, and back and forth between classes (each switch copies the templates anew).
      const versions = [...VERSION_CLASSES.flat(), 5, 300, 6, 0, 16_385, 129, 1];
      for (const version of versions) {
        const frames = writer.frames(version);
        expect(frames).toHaveLength(parts.length);
        frames.forEach((frame, part) => {
          const want = encode('push', { task: 'task07', baseVersion: version, gradient: parts[part], loss: 0.5, samples: 64, ...partFields(part, parts.length) });
          expect(Buffer.compare(frame, want), `version ${version}, part ${part}`).toBe(0);
        });
      }
      expect(() => writer.frames(2_097_152)).toThrow(/version 2097152 is past the push templates/);
      expect(() => new PushWriter(pushTemplates('task00', pieces, chunkBytes), 'task7')).toThrow(/takes 5 bytes; the push templates hold names of 6/);
    });
  }

  it('finds the compiled client thread from source and from dist', () => {
    expect(clientThreadUrl('file:///repo/bench/round-clients.ts').href).toBe('file:///repo/dist/bench/round-client-thread.js');
    expect(clientThreadUrl('file:///repo/dist/bench/round-clients.js').href).toBe('file:///repo/dist/bench/round-client-thread.js');
    // The test suite builds first (pretest), so the thread these tests run is there.
    expect(existsSync(clientThreadUrl())).toBe(true);
  });

  it('encodes each piece on its own: a TOPK piece keeps 1% of its own entries', () => {
    const pieces = encodedPieces(spec, gradient, 'topk', chunkBytes);
    expect(pieces.length).toBeGreaterThan(spec.shared.length);
    for (const p of pieces) {
      const count = p.count || (p.shape ?? []).reduce((a, b) => a * b, 1);
      const kept = decodeValues(p.data!, 'topk', count).filter((x) => x !== 0).length;
      expect(kept).toBe(Math.max(1, Math.round(count * 0.01)));
    }
  });
});

describe('bench:comm on a tiny grid', () => {
  it("fails the run when the welcome's run config sets other encodings than the benchmark row", async () => {
    const chunkBytes = 16384;
    const config = benchConfig(1, 20_000, 'f32', chunkBytes);
    const spec = specOf(config);
    const log = (): void => undefined;
    const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
    const coordinator = new Coordinator(config, { log, metrics });
    const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log, metrics });
    const task = taskName(0);
    const pool = new ClientPool([{ task, hello: helloFrame(task, modelFingerprint(spec)) }]);
    try {
      const failed = new Promise<Error>((resolve) => pool.onFailure(resolve));
      const push = pushTemplates(task, encodedPieces(spec, syntheticGradient(spec), 'f32', chunkBytes), chunkBytes);
      pool.startWs(`ws://127.0.0.1:${server.port}`, 'zero', push, { uplink: 'topk', downlink: 'topk', chunkBytes });
      expect((await failed).message).toBe(
        `bench: ws client ${task}: the welcome negotiated {"uplink":"f32","downlink":"f32","chunkBytes":16384}, the benchmark row is {"uplink":"topk","downlink":"topk","chunkBytes":16384}`,
      );
    } finally {
      await pool.close();
      coordinator.stop(false);
      await server.close();
    }
  });

  it('runs sync rounds with parts over ws, raw TCP and plain ws, and TOPK moves far fewer bytes than F32', async () => {
    const opts: GridOptions = { json: true, workers: [2], params: [20_000], encodings: ['f32', 'topk'], seconds: 1, warmup: 0.3, minRounds: 3, mask: 'zero', chunkBytes: 16384 };
    const lines: string[] = [];
    const result = await runGrid(opts, (l) => lines.push(l));
    const json = JSON.parse(JSON.stringify(result)) as typeof result;
    expect(Object.keys(json).sort()).toEqual(['rows', 'tcp_bytes_per_second']);
    const [f32, topk] = json.rows;
    expect(f32).toMatchObject({ workers: 2, params: 20_000, encoding: 'f32', chunk_bytes: 16384 });
    expect(topk).toMatchObject({ workers: 2, params: 20_000, encoding: 'topk', topk_fraction: 0.01 });
    expect(f32.push_parts).toBeGreaterThan(4);
    for (const row of json.rows) {
      // Rounds completed: the coordinator closes one only once both clients' pushes (all parts) are in.
      expect(row.rounds).toBeGreaterThanOrEqual(3);
      expect(row.round_ms).toBeGreaterThan(0);
      expect(Math.abs((row.rounds_per_second * row.round_ms) / 1000 - 1)).toBeLessThan(1e-3);
      expect(Math.abs((row.bytes_per_second * row.round_ms) / (row.bytes_per_round * 1000) - 1)).toBeLessThan(1e-3);
      expect(Math.abs(row.up_bytes_per_round + row.down_bytes_per_round - row.bytes_per_round)).toBeLessThanOrEqual(1);
      expect(row.tcp_bytes_per_second).toBeGreaterThan(0);
      expect(Math.abs(row.tcp_ratio - row.bytes_per_second / row.tcp_bytes_per_second)).toBeLessThan(1e-3);
      // Plain ws moved the F32 frames' bytes: its rate over the F32 bytes a round is its round time.
      expect(row.ws_round_ms).toBeGreaterThan(0);
      expect(Math.abs(row.ws_tcp_ratio - row.ws_bytes_per_second / row.tcp_bytes_per_second)).toBeLessThan(1e-3);
      expect(Math.abs((row.ws_bytes_per_second * row.ws_round_ms) / (f32.bytes_per_round * 1000) - 1)).toBeLessThan(0.01);
    }
    // F32: each round moves each worker's gradient up and W down, 4 bytes an entry, plus framing.
    const dense = 2 * 4 * f32.shared_params;
    expect(f32.up_bytes_per_round).toBeGreaterThan(dense);
    expect(f32.up_bytes_per_round).toBeLessThan(dense * 1.02);
    expect(f32.down_bytes_per_round).toBeGreaterThan(dense);
    expect(f32.down_bytes_per_round).toBeLessThan(dense * 1.02);
    // TOPK at 1% both ways: tens of times fewer.
    expect(topk.bytes_per_round).toBeLessThan(f32.bytes_per_round / 20);
    expect(topk.bytes_per_round).toBeGreaterThan(0);
    expect(json.tcp_bytes_per_second).toBe(f32.tcp_bytes_per_second);
    expect(lines.join('\n')).toMatch(/2 workers x 20000 params/);
    expect(lines.join('\n')).toMatch(/plain ws \(f32 frames\): [\d.]+ ms\/round/);
    const table = formatTable(result).split('\n');
    expect(table).toHaveLength(3);
    expect(table[2]).toMatch(/topk 1%/);
  });
});
