import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore, NoValidCheckpointError, type CheckpointInfo } from '../../coordinator/checkpoints.js';
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
    expect(() => store.save(3, makeState(3))).toThrow(/checkpoint-0000000009\.ckpt is a valid checkpoint newer than version 3/);
    expect(store.list().map((c) => c.version)).toEqual([9]);
    expect(store.lastSaveError?.message).toMatch(/newer than version 3/);
    expect(fs.existsSync(path.join(dir, 'damaged'))).toBe(false);
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

/** The ways a checkpoint file is damaged: each turns a valid file into one the store must not trust. */
const DAMAGE: Record<string, { problem: RegExp; apply: (file: string) => void }> = {
  truncated: { problem: /truncated/, apply: (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)) },
  'cut in its header': { problem: /truncated/, apply: (f) => fs.truncateSync(f, 20) },
  empty: { problem: /empty/, apply: (f) => fs.writeFileSync(f, Buffer.alloc(0)) },
  'bit-flipped': {
    problem: /sha256/,
    apply: (f) => {
      const bytes = fs.readFileSync(f);
      bytes[Math.floor(bytes.length * 0.6)] ^= 0x10;
      fs.writeFileSync(f, bytes);
    },
  },
  'of another format version': {
    problem: /format version 2, this build reads 1/,
    apply: (f) => {
      const bytes = fs.readFileSync(f);
      bytes.writeUInt32LE(2, 8);
      fs.writeFileSync(f, bytes);
    },
  },
  'not a checkpoint': { problem: /bad magic/, apply: (f) => fs.writeFileSync(f, Buffer.alloc(200, 7)) },
  'checksummed but undecodable': {
    problem: /payload does not decode/,
    apply: (f) => {
      // A header that vouches for its payload, and a payload msgpack cannot read (0xc1 is never used).
      const payload = Buffer.from([0xc1, 0xc1, 0xc1]);
      const head = fs.readFileSync(f).subarray(0, 52);
      head.writeBigUInt64LE(BigInt(payload.length), 12);
      createHash('sha256').update(payload).digest().copy(head, 20);
      fs.writeFileSync(f, Buffer.concat([head, payload]));
    },
  },
};

function damagedNames(): string[] {
  const aside = path.join(dir, 'damaged');
  return fs.existsSync(aside) ? fs.readdirSync(aside).sort() : [];
}

describe('CheckpointStore with damaged files', () => {
  for (const [kind, { problem, apply }] of Object.entries(DAMAGE)) {
    it(`a resume past a newer checkpoint that is ${kind} moves it into damaged/ and the saves that follow succeed`, () => {
      for (const v of [50, 55, 60]) store.save(v, makeState(v));
      apply(path.join(dir, 'checkpoint-0000000060.ckpt'));
      const setAside: [CheckpointInfo, string][] = [];
      const resuming = new CheckpointStore<State>({ dir, keep: 3, warn: (l) => warnings.push(l), onSetAside: (info, why) => setAside.push([info, why]) });

      const resumed = resuming.resumeNewest();
      expect(resumed?.info.version).toBe(55);
      expectSameState(resumed!.state, makeState(55));
      expect(damagedNames()).toEqual(['checkpoint-0000000060.ckpt']);
      expect(resuming.list().map((c) => c.version)).toEqual([50, 55]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(path.join(dir, 'checkpoint-0000000060.ckpt'));
      expect(warnings[0]).toContain(path.join(dir, 'damaged', 'checkpoint-0000000060.ckpt'));
      expect(warnings[0]).toMatch(problem);
      expect(setAside.map(([info, why]) => [info.version, problem.test(why)])).toEqual([[60, true]]);

      // Checkpointing goes on past 60, keeping the newest three, and what it writes is what a resume loads.
      for (let v = 56; v <= 66; v++) expect(resuming.save(v, makeState(v)).version).toBe(v);
      expect(resuming.lastSaveError).toBeNull();
      expect(resuming.list().map((c) => c.version)).toEqual([64, 65, 66]);
      expectSameState(resuming.resumeNewest()!.state, makeState(66));
      expect(warnings).toHaveLength(1);
    });
  }

  it('a stray file far ahead (checkpoint-9999999999.ckpt) is moved aside by the next save instead of disabling checkpointing', () => {
    store.save(1, makeState(1));
    fs.writeFileSync(path.join(dir, 'checkpoint-9999999999.ckpt'), 'left here by something else\n'.repeat(10));
    for (let v = 2; v <= 13; v++) store.save(v, makeState(v));
    expect(store.list().map((c) => c.version)).toEqual([11, 12, 13]);
    expect(damagedNames()).toEqual(['checkpoint-9999999999.ckpt']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/checkpoint-9999999999\.ckpt is damaged \(not a hybrid checkpoint \(bad magic\)\); moved to /);
  });

  it('a save moves aside every damaged file above it but stops at a valid one', () => {
    for (const v of [1, 2, 3]) store.save(v, makeState(v));
    DAMAGE.truncated.apply(path.join(dir, 'checkpoint-0000000003.ckpt'));
    // 9 is valid: it is another run's, and it stays; nothing below it was looked at or moved.
    fs.writeFileSync(path.join(dir, 'checkpoint-0000000009.ckpt'), fs.readFileSync(path.join(dir, 'checkpoint-0000000002.ckpt')));
    fs.writeFileSync(path.join(dir, 'checkpoint-0000000012.ckpt'), Buffer.alloc(0));
    expect(() => store.save(2, makeState(2))).toThrow(/checkpoint-0000000009\.ckpt is a valid checkpoint newer than version 2/);
    expect(damagedNames()).toEqual(['checkpoint-0000000012.ckpt']);
    expect(store.list().map((c) => c.version)).toEqual([1, 2, 3, 9]);
  });

  it('a name already taken in damaged/ gets a numbered suffix: nothing set aside is overwritten', () => {
    for (let round = 0; round < 3; round++) {
      fs.writeFileSync(path.join(dir, 'checkpoint-0000000100.ckpt'), `junk ${round}`);
      store.save(10 + round, makeState(10 + round));
    }
    expect(damagedNames()).toEqual(['checkpoint-0000000100.ckpt', 'checkpoint-0000000100.ckpt.1', 'checkpoint-0000000100.ckpt.2']);
    expect(fs.readFileSync(path.join(dir, 'damaged', 'checkpoint-0000000100.ckpt.2'), 'utf8')).toBe('junk 2');
  });

  it('a resume finding only damaged checkpoints refuses, naming each and its problem, and moves nothing', () => {
    const kinds = Object.entries(DAMAGE);
    const all = new CheckpointStore<State>({ dir, keep: kinds.length, warn: (l) => warnings.push(l) });
    kinds.forEach(([, { apply }], i) => apply(all.save(i + 1, makeState(i + 1)).path));
    const before = fs.readdirSync(dir).sort();
    let error: unknown;
    try {
      all.resumeNewest();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoValidCheckpointError);
    const refusal = error as NoValidCheckpointError;
    expect(refusal.damaged.map((d) => d.info.version)).toEqual(kinds.map((_, i) => kinds.length - i));
    expect(refusal.message).toContain(`holds ${kinds.length} checkpoint files and none is valid`);
    kinds.forEach(([, { problem }], i) => {
      expect(refusal.message).toContain(`checkpoint-000000000${i + 1}.ckpt: `);
      expect(refusal.damaged.find((d) => d.info.version === i + 1)?.problem).toMatch(problem);
    });
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it('told to start fresh, a resume finding only damaged checkpoints moves them all aside, and every later save succeeds', () => {
    for (const v of [10, 20, 30]) DAMAGE['bit-flipped'].apply(store.save(v, makeState(v)).path);
    const fresh = new CheckpointStore<State>({ dir, keep: 3, warn: (l) => warnings.push(l), freshIfAllDamaged: true });
    expect(fresh.resumeNewest()).toBeNull();
    expect(damagedNames()).toEqual(['checkpoint-0000000010.ckpt', 'checkpoint-0000000020.ckpt', 'checkpoint-0000000030.ckpt']);
    expect(warnings).toHaveLength(3);
    for (let v = 0; v < 12; v++) fresh.save(v, makeState(v));
    expect(fresh.list().map((c) => c.version)).toEqual([9, 10, 11]);
  });

  it('a resume in an empty or missing directory gives null, with nothing moved or warned', () => {
    expect(store.resumeNewest()).toBeNull();
    expect(new CheckpointStore<State>({ dir: path.join(dir, 'not-there'), warn: (l) => warnings.push(l) }).resumeNewest()).toBeNull();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('loadNewest only reads: a damaged newer file is skipped but stays where it is', () => {
    store.save(1, makeState(1));
    DAMAGE.empty.apply(store.save(2, makeState(2)).path);
    expect(store.loadNewest()?.info.version).toBe(1);
    expect(store.list().map((c) => c.version)).toEqual([1, 2]);
    expect(damagedNames()).toEqual([]);
  });

  it('records why the last save failed, and clears it when a save succeeds', () => {
    const blocked = path.join(dir, 'blocked');
    const elsewhere = new CheckpointStore<State>({ dir: blocked, warn: (l) => warnings.push(l) });
    fs.writeFileSync(blocked, 'a file where the directory should be');
    expect(elsewhere.lastSaveError).toBeNull();
    expect(() => elsewhere.save(1, makeState(1))).toThrow(/EEXIST|ENOTDIR/);
    expect(elsewhere.lastSaveError?.message).toMatch(/EEXIST|ENOTDIR/);
    fs.rmSync(blocked);
    elsewhere.save(2, makeState(2));
    expect(elsewhere.lastSaveError).toBeNull();
  });
});
