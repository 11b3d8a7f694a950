import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/comm.js';
import { benchConfig, formatTable, parseCount, runGrid, specOf, type GridOptions } from '../../bench/comm-grid.js';
import { encodedPieces, ENCODINGS, helloFrame, messageBytes, pushTemplates, syntheticGradient } from '../../bench/push-frames.js';
import { totalSize } from '../../model/spec.js';
import { decodePieceInto, PartReader } from '../../compression/stream-reader.js';
import { decode, type GradientPush } from '../../proto/codec.js';
import { decodeValues, ENCODING_IDS } from '../../compression/encodings/index.js';

describe('bench:comm options', () => {
  it('defaults to the grid the issue asks for and reads every flag', () => {
    const d = parseArgs([]);
    expect(d.workers).toEqual(expect.arrayContaining([3, 8]));
    expect(d.params).toEqual(expect.arrayContaining([1_000_000, 4_000_000, 25_000_000]));
    expect(d.encodings).toEqual(['f32', 'f16', 'bf16', 'topk', 'int8']);
    expect(d).toMatchObject({ json: false, mask: 'zero', chunkBytes: 4 * 1024 * 1024 });
    const opts = parseArgs(['--json', '--workers', '2,5', '--params', '20k,1M', '--encodings', 'topk,f32', '--seconds', '0.5', '--warmup', '0.2', '--min-rounds', '4', '--mask', 'random', '--chunk-bytes', '16KiB']);
    expect(opts).toMatchObject({ json: true, workers: [2, 5], params: [20_000, 1_000_000], encodings: ['topk', 'f32'], seconds: 0.5, warmup: 0.2, minRounds: 4, mask: 'random', chunkBytes: 16384 });
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
      expect(push.frames).toHaveLength(3);
      const parts = push.frames[0].length;
      // 20k F32 entries are 80 kB: several parts at 16 KiB; the compressed encodings fit fewer.
      if (encoding === 'f32') expect(parts).toBeGreaterThan(4);
      let bytes = 0;
      for (const [k, version] of [[0, 5], [1, 300], [2, 20_000]] as const) {
        const reader = new PartReader(`push (${encoding})`, expected);
        const values = spec.shared.map((t) => new Float32Array(t.size));
        let complete = false;
        push.frames[k].forEach((shared, part) => {
          // What a client thread does: its own copy, its task name, the version varint in place.
          const frame = Buffer.from(new Uint8Array(shared));
          frame.write('task01', push.taskAt[k][part], 'utf8');
          let pos = push.versionAt[k][part];
          for (let v: number = version; ; v = Math.floor(v / 128)) {
            frame[pos++] = v >= 128 ? (v % 128) | 128 : v;
            if (v < 128) break;
          }
          if (k === 0) bytes += frame.byteLength;
          // As the coordinator hands frames to decode: a Uint8Array view (here at an odd offset).
          const m = decode(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
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
