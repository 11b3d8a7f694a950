import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../coordinator/checkpoints.js';
import type { OptimizerState } from '../../optim/optimizer.js';

interface State {
  version: number;
  run: string;
  weights: Float32Array[];
  optimizer: OptimizerState;
  tasks: Record<string, { indices: Int32Array; values: Float32Array; head: Float32Array[]; loss: number; samples: number }>;
  /** Encoded messages kept as bytes: a Uint8Array view into a larger buffer, and a Buffer. */
  encoded: Record<string, Uint8Array>;
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function makeState(seed: number): State {
  const w = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + k * 31 + i) * 1e-3);
  return {
    version: seed,
    run: `run-${seed}-é✓`,
    // Values a lossy or float64 round trip would change: -0, NaN, a subnormal, the float32 extremes.
    weights: [w(300, 0), Float32Array.from([-0, NaN, 1.4e-45, 3.4028234663852886e38, -Infinity, 0.1]), new Float32Array(0)],
    optimizer: {
      type: 'adam',
      step: seed * 7,
      slots: [
        [w(300, 1), w(6, 2), new Float32Array(0)],
        [w(300, 3), w(6, 4), new Float32Array(0)],
      ],
    },
    tasks: {
      digits: { indices: Int32Array.from([0, 5, 299]), values: w(3, 5), head: [w(40, 6), w(10, 7)], loss: 0.123456789012345, samples: 60000 },
      fashion: { indices: new Int32Array(0), values: new Float32Array(0), head: [w(40, 8)], loss: 2.5, samples: 0 },
    },
    encoded: { digits: new Uint8Array(Array.from({ length: 64 }, (_, i) => (i * seed) & 255)).subarray(3, 40), fashion: Buffer.from([seed, 0, 255]) },
  };
}

function expectSameState(actual: State, expected: State): void {
  const walk = (a: unknown, e: unknown, where: string): void => {
    if (ArrayBuffer.isView(e)) {
      expect(a?.constructor, where).toBe(e.constructor);
      expect(bytesOf(a as ArrayBufferView).equals(bytesOf(e)), where).toBe(true);
    } else if (Array.isArray(e)) {
      expect(Array.isArray(a), where).toBe(true);
      expect((a as unknown[]).length, where).toBe(e.length);
      e.forEach((v, i) => walk((a as unknown[])[i], v, `${where}[${i}]`));
    } else if (e !== null && typeof e === 'object') {
      expect(Object.keys(a as object).sort(), where).toEqual(Object.keys(e).sort());
      for (const [k, v] of Object.entries(e)) walk((a as Record<string, unknown>)[k], v, `${where}.${k}`);
    } else {
      expect(Object.is(a, e), `${where}: ${String(a)} vs ${String(e)}`).toBe(true);
    }
  };
  walk(actual, expected, 'state');
}

let dir: string;
let warnings: string[];
let store: CheckpointStore<State>;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-ckpt-'));
  warnings = [];
  store = new CheckpointStore<State>({ dir, keep: 3, warn: (line) => warnings.push(line) });
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('CheckpointStore', () => {
  it('round-trips nested state with typed arrays, numbers and strings exactly', () => {
    const state = makeState(4);
    const info = store.save(4, state);
    expect(path.basename(info.path)).toBe('checkpoint-0000000004.ckpt');
    expect(info.bytes).toBe(fs.statSync(info.path).size);
    const loaded = store.loadNewest();
    expect(loaded?.info).toEqual(info);
    expectSameState(loaded!.state, state);
    expect(warnings).toEqual([]);
  });

  it('keeps only the newest `keep` checkpoints and replaces a re-saved version', () => {
    for (let v = 1; v <= 5; v++) store.save(v, makeState(v));
    expect(store.list().map((c) => c.version)).toEqual([3, 4, 5]);
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-0000000003.ckpt', 'checkpoint-0000000004.ckpt', 'checkpoint-0000000005.ckpt']);
    store.save(5, makeState(50));
    expect(store.list().map((c) => c.version)).toEqual([3, 4, 5]);
    expectSameState(store.loadNewest()!.state, makeState(50));
  });

  it('skips a truncated newest checkpoint with a warning naming it and loads the previous one', () => {
    store.save(1, makeState(1));
    const newest = store.save(2, makeState(2));
    fs.truncateSync(newest.path, Math.floor(newest.bytes / 2));
    const loaded = store.loadNewest();
    expect(loaded?.info.version).toBe(1);
    expectSameState(loaded!.state, makeState(1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(newest.path);
    expect(warnings[0]).toMatch(/truncated/);
  });

  it('skips a newest checkpoint cut inside its header', () => {
    store.save(1, makeState(1));
    const newest = store.save(2, makeState(2));
    fs.truncateSync(newest.path, 20);
    expect(store.loadNewest()?.info.version).toBe(1);
    expect(warnings[0]).toContain(newest.path);
  });

  it('skips a bit-flipped newest checkpoint with a warning naming it and loads the previous one', () => {
    store.save(1, makeState(1));
    const newest = store.save(2, makeState(2));
    const bytes = fs.readFileSync(newest.path);
    const at = Math.floor(bytes.length * 0.6);
    bytes[at] ^= 0x10;
    fs.writeFileSync(newest.path, bytes);
    const loaded = store.loadNewest();
    expect(loaded?.info.version).toBe(1);
    expectSameState(loaded!.state, makeState(1));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(newest.path);
    expect(warnings[0]).toMatch(/sha256/);
  });

  it('skips files that are not checkpoints at all, and returns null when none is valid', () => {
    fs.writeFileSync(path.join(dir, 'checkpoint-0000000007.ckpt'), Buffer.alloc(200, 7));
    expect(store.loadNewest()).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('checkpoint-0000000007.ckpt');
    expect(warnings[0]).toMatch(/magic/);
  });

  it('gives null for an empty or missing directory', () => {
    expect(store.loadNewest()).toBeNull();
    expect(store.list()).toEqual([]);
    const missing = new CheckpointStore<State>({ dir: path.join(dir, 'not-there'), warn: (l) => warnings.push(l) });
    expect(missing.loadNewest()).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('ignores temporary files left by a crashed save and removes them on the next save', () => {
    store.save(1, makeState(1));
    // A crash after writing the whole temp file but before the rename: a complete, newer payload that must not count.
    const complete = fs.readFileSync(store.save(2, makeState(2)).path);
    fs.rmSync(path.join(dir, 'checkpoint-0000000002.ckpt'));
    const strays = ['checkpoint-0000000002.ckpt.tmp-4242', 'checkpoint-0000000003.ckpt.tmp-1'];
    fs.writeFileSync(path.join(dir, strays[0]), complete);
    fs.writeFileSync(path.join(dir, strays[1]), complete.subarray(0, 100));
    expect(store.list().map((c) => c.version)).toEqual([1]);
    expect(store.loadNewest()?.info.version).toBe(1);
    expect(warnings).toEqual([]);
    store.save(2, makeState(2));
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-0000000001.ckpt', 'checkpoint-0000000002.ckpt']);
  });

  it('refuses to save below a newer checkpoint already in the directory', () => {
    store.save(9, makeState(9));
    expect(() => store.save(3, makeState(3))).toThrow(/checkpoint-0000000009\.ckpt is newer than version 3/);
    expect(store.list().map((c) => c.version)).toEqual([9]);
  });

  it('rejects versions that do not fit the file name and a bad keep', () => {
    expect(() => store.save(-1, makeState(1))).toThrow(/version/);
    expect(() => store.save(1.5, makeState(1))).toThrow(/version/);
    expect(() => store.save(1e10, makeState(1))).toThrow(/version/);
    expect(() => new CheckpointStore({ dir, keep: 0 })).toThrow(/keep/);
  });

  it('writes and reads a 25M-float state in a few seconds, bit for bit', () => {
    const big = [new Float32Array(20_000_000), new Float32Array(5_000_000)];
    for (const t of big) for (let i = 0; i < t.length; i++) t[i] = (i % 1009) * 1e-3 - 0.5;
    const bigStore = new CheckpointStore<{ weights: Float32Array[]; step: number }>({ dir, warn: (l) => warnings.push(l) });
    const t0 = performance.now();
    const info = bigStore.save(1, { weights: big, step: 1 });
    const saveSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const loaded = bigStore.loadNewest();
    const loadSeconds = (performance.now() - t1) / 1000;
    process.stderr.write(`25M floats (${(info.bytes / 1e6).toFixed(1)} MB): save ${saveSeconds.toFixed(2)} s, load ${loadSeconds.toFixed(2)} s\n`);
    expect(info.bytes).toBeGreaterThan(100_000_000);
    expect(info.bytes).toBeLessThan(100_001_000);
    expect(saveSeconds).toBeLessThan(5);
    expect(loadSeconds).toBeLessThan(5);
    expect(loaded!.state.weights.map((w) => w.length)).toEqual([20_000_000, 5_000_000]);
    loaded!.state.weights.forEach((w, i) => expect(bytesOf(w).equals(bytesOf(big[i]))).toBe(true));
  });
});
