// A shard going back to the newest version every shard holds (docs/shards.md, section 4): the store's
// rollBackTo returns that checkpoint and moves the newer ones into `superseded/`, where neither a
// resume nor a later save sees them; version 0 needs no file. A shard's checkpoints
// (coordinator/shard-checkpoints.ts) refuse one written by another shard, another cut or another model.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { weightedSum } from '../../coordinator/aggregation.js';
import { CheckpointStore, DAMAGED_DIR, SUPERSEDED_DIR } from '../../coordinator/checkpoints.js';
import { runContext, type RunContext } from '../../coordinator/run-context.js';
import { ShardCheckpoints, type ShardCheckpoint } from '../../coordinator/shard-checkpoints.js';
import { weightSlice } from '../../coordinator/weight-slice.js';
import { shardTestConfig } from '../support/shard-fixtures.js';

interface State {
  version: number;
  w: Float32Array;
}

const state = (version: number): State => ({ version, w: Float32Array.from({ length: 16 }, (_, i) => version * 100 + i) });

let dir: string;
let warnings: string[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-rollback-'));
  warnings = [];
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const storeOf = <T>(keep = 3, at = dir) => new CheckpointStore<T>({ dir: at, keep, warn: (line) => warnings.push(line) });
const superseded = () => (fs.existsSync(path.join(dir, SUPERSEDED_DIR)) ? fs.readdirSync(path.join(dir, SUPERSEDED_DIR)).sort() : []);

describe('CheckpointStore.rollBackTo', () => {
  it('returns the checkpoint of the version asked for and moves every newer one into superseded/, with a warning naming each', () => {
    const store = storeOf<State>();
    for (const v of [2, 4, 6]) store.save(v, state(v));
    store.save(7, state(7));
    expect(store.list().map((c) => c.version)).toEqual([4, 6, 7]);
    const seven = fs.readFileSync(path.join(dir, 'checkpoint-0000000007.ckpt'));

    const back = store.rollBackTo(4);
    expect(back?.info.version).toBe(4);
    expect(back?.info.path).toBe(path.join(dir, 'checkpoint-0000000004.ckpt'));
    expect(back?.state.version).toBe(4);
    expect(Array.from(back!.state.w)).toEqual(Array.from(state(4).w));

    expect(store.list().map((c) => c.version)).toEqual([4]);
    const aside = superseded();
    expect(aside).toHaveLength(2);
    expect(aside[0].startsWith('checkpoint-0000000006.ckpt')).toBe(true);
    expect(aside[1].startsWith('checkpoint-0000000007.ckpt')).toBe(true);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(path.join(dir, 'checkpoint-0000000006.ckpt'));
    expect(warnings[0]).toContain(path.join(dir, SUPERSEDED_DIR));
    // What was set aside is the file itself, intact.
    expect(fs.readFileSync(path.join(dir, SUPERSEDED_DIR, aside[1])).equals(seven)).toBe(true);
  });

  it('moves nothing when the version asked for is the newest', () => {
    const store = storeOf<State>();
    for (const v of [1, 2]) store.save(v, state(v));
    expect(store.rollBackTo(2)?.state.version).toBe(2);
    expect(store.list().map((c) => c.version)).toEqual([1, 2]);
    expect(fs.existsSync(path.join(dir, SUPERSEDED_DIR))).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('does not block a later save of a version the superseded files held, and resumeNewest then sees the new files only', () => {
    const store = storeOf<State>();
    for (const v of [2, 4, 6]) store.save(v, state(v));
    // Without the rollback, a valid newer checkpoint stops the save.
    expect(() => store.save(5, state(5))).toThrow(/is a valid checkpoint newer than version 5/);

    store.rollBackTo(4);
    expect(() => store.save(5, state(50))).not.toThrow();
    expect(() => store.save(6, state(60))).not.toThrow();
    expect(() => store.save(7, state(70))).not.toThrow();
    expect(store.list().map((c) => c.version)).toEqual([5, 6, 7]);
    const newest = store.resumeNewest();
    expect(newest?.info.version).toBe(7);
    expect(newest?.state.w[0]).toBe(7000);
    // Pruning keeps to the directory itself: the superseded file is still there.
    expect(superseded()).toHaveLength(1);
    expect(superseded()[0].startsWith('checkpoint-0000000006.ckpt')).toBe(true);
  });

  it('throws for a version it does not hold, naming the directory and the versions it holds, and moves nothing', () => {
    const store = storeOf<State>();
    for (const v of [2, 4, 6]) store.save(v, state(v));
    expect(() => store.rollBackTo(3)).toThrow(`checkpoint store: no checkpoint of version 3 in ${dir} (it holds 2, 4, 6)`);
    expect(() => store.rollBackTo(9)).toThrow(/\(it holds 2, 4, 6\)/);
    expect(store.list().map((c) => c.version)).toEqual([2, 4, 6]);
    expect(fs.existsSync(path.join(dir, SUPERSEDED_DIR))).toBe(false);
  });

  it('says it holds none when the directory has no checkpoint', () => {
    expect(() => storeOf<State>().rollBackTo(5)).toThrow(`checkpoint store: no checkpoint of version 5 in ${dir} (it holds none)`);
  });

  it('throws for a damaged checkpoint of that version, naming it, and sets it aside alone (so that it is not offered again)', () => {
    const store = storeOf<State>();
    for (const v of [2, 4, 6]) store.save(v, state(v));
    const four = path.join(dir, 'checkpoint-0000000004.ckpt');
    fs.truncateSync(four, 30);
    expect(() => store.rollBackTo(4)).toThrow(`checkpoint store: ${four} is damaged`);
    expect(store.list().map((c) => c.version)).toEqual([2, 6]);
    expect(fs.readdirSync(path.join(dir, DAMAGED_DIR))).toEqual(['checkpoint-0000000004.ckpt']);
    expect(fs.existsSync(path.join(dir, SUPERSEDED_DIR))).toBe(false);
  });

  it('gives null for version 0 without a file (the start), moving every checkpoint aside', () => {
    const store = storeOf<State>();
    for (const v of [3, 5]) store.save(v, state(v));
    expect(store.rollBackTo(0)).toBeNull();
    expect(store.list()).toEqual([]);
    expect(superseded()).toHaveLength(2);
    // And the run goes on from 0: saves are not blocked.
    expect(store.save(1, state(1)).version).toBe(1);
  });

  it('gives null for version 0 in a directory that does not exist, and the checkpoint of version 0 when there is one', () => {
    expect(storeOf<State>(3, path.join(dir, 'not-there')).rollBackTo(0)).toBeNull();
    const store = storeOf<State>();
    store.save(0, state(0));
    store.save(1, state(1));
    const zero = store.rollBackTo(0);
    expect(zero?.info.version).toBe(0);
    expect(zero?.state.w[3]).toBe(3);
    expect(store.list().map((c) => c.version)).toEqual([0]);
  });
});

describe('ShardCheckpoints', () => {
  const config = shardTestConfig();
  const lines: string[] = [];
  const shardRun = (index: number, shards: number, cfg = config): RunContext =>
    runContext(cfg, { log: (line) => void lines.push(line), shard: { index, addresses: Array.from({ length: shards }, (_, i) => `ws://shard-${i}`) } });
  /** Shard `index` of `shards` with its slices at their initial values, moved off them by `seed`. */
  const slicesOf = (run: RunContext, seed: number) => {
    const { shared } = weightSlice(run, weightedSum);
    shared.tensors.forEach((t, i) => t.forEach((_, j) => (t[j] = seed + i + j / 1e4)));
    return shared;
  };

  it("saves a shard's slices with its cut, lists 0 and that version, and rolls back to it", () => {
    const run = shardRun(1, 2);
    const ck = new ShardCheckpoints(run, storeOf<ShardCheckpoint>(2));
    expect(ck.versions()).toEqual([0]);
    const shared = slicesOf(run, 7);
    expect(ck.save(3, shared)).toBe(true);
    expect(ck.versions()).toEqual([0, 3]);
    const back = ck.rollBackTo(3);
    expect(back).not.toBeNull();
    expect(back!.shard).toBe(1);
    expect(back!.bounds).toEqual([0, 3072, 6240]);
    expect(back!.version).toBe(3);
    expect(back!.fingerprint).toBe(run.fingerprint);
    expect(back!.shared.map((t) => t.length)).toEqual([1024, 64, 2048, 32]);
    back!.shared.forEach((t, i) =>
      expect(Buffer.from(t.buffer, t.byteOffset, t.byteLength).equals(Buffer.from(shared.tensors[i].buffer, shared.tensors[i].byteOffset, shared.tensors[i].byteLength))).toBe(true),
    );
  });

  it('goes back to version 0 without a file, and without a checkpoint directory only to version 0', () => {
    const run = shardRun(1, 2);
    expect(new ShardCheckpoints(run, storeOf<ShardCheckpoint>(2)).rollBackTo(0)).toBeNull();
    const none = new ShardCheckpoints(run, undefined);
    expect(none.versions()).toEqual([0]);
    expect(none.rollBackTo(0)).toBeNull();
    expect(() => none.rollBackTo(2)).toThrow('shard 1: asked to restore version 2, but this shard has no checkpoint directory');
  });

  it("refuses another shard's checkpoint, naming both shards and the file", () => {
    const one = shardRun(1, 3);
    new ShardCheckpoints(one, storeOf<ShardCheckpoint>(2)).save(4, slicesOf(one, 1));
    const two = new ShardCheckpoints(shardRun(2, 3), storeOf<ShardCheckpoint>(2));
    const attempt = () => two.rollBackTo(4);
    expect(attempt).toThrow(`checkpoint ${path.join(dir, 'checkpoint-0000000004.ckpt')} is shard 1's, this is shard 2`);
    expect(attempt).toThrow(/resume with the shards and config that wrote it, or give this shard an empty checkpoint directory/);
  });

  it('refuses the checkpoint of another cut (another number of shards), naming both cuts', () => {
    const two = shardRun(1, 2);
    new ShardCheckpoints(two, storeOf<ShardCheckpoint>(2)).save(4, slicesOf(two, 1));
    const three = new ShardCheckpoints(shardRun(1, 3), storeOf<ShardCheckpoint>(2));
    expect(() => three.rollBackTo(4)).toThrow('cuts W at [0, 3072, 6240], this run at [0, 2048, 4096, 6240] (another number of shards)');
  });

  it("refuses another model's checkpoint, naming both fingerprints", () => {
    const mine = shardRun(1, 2);
    const other = shardRun(1, 2, shardTestConfig({ hidden: [64, 16] }));
    expect(other.fingerprint).not.toBe(mine.fingerprint);
    new ShardCheckpoints(other, storeOf<ShardCheckpoint>(2)).save(4, slicesOf(other, 1));
    expect(() => new ShardCheckpoints(mine, storeOf<ShardCheckpoint>(2)).rollBackTo(4)).toThrow(`is for model ${other.fingerprint}, this run's is ${mine.fingerprint}`);
  });

  it('lists among the versions it can go on from no damaged checkpoint (the lead would pick it, and this shard could not restore it)', () => {
    const run = shardRun(1, 2);
    const ck = new ShardCheckpoints(run, storeOf<ShardCheckpoint>(2));
    ck.save(2, slicesOf(run, 1));
    ck.save(4, slicesOf(run, 2));
    fs.truncateSync(path.join(dir, 'checkpoint-0000000004.ckpt'), 30);
    expect(() => ck.rollBackTo(4)).toThrow(/is damaged/);
    expect(ck.versions()).toEqual([0, 2]);
  });

  it('leaves the directory as it was when it refuses a checkpoint', () => {
    const one = shardRun(1, 3);
    const written = new ShardCheckpoints(one, storeOf<ShardCheckpoint>(2));
    written.save(4, slicesOf(one, 1));
    written.save(5, slicesOf(one, 2));
    const two = new ShardCheckpoints(shardRun(2, 3), storeOf<ShardCheckpoint>(2));
    expect(() => two.rollBackTo(4)).toThrow(/is shard 1's, this is shard 2/);
    // Refused: the checkpoints stay where the shard that wrote them finds them.
    expect(
      storeOf<ShardCheckpoint>(2)
        .list()
        .map((c) => c.version),
    ).toEqual([4, 5]);
    expect(superseded()).toEqual([]);
  });
});
