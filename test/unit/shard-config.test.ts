// What a run over K > 1 coordinator shards does not support yet (coordinator/run-context.ts,
// docs/shards.md): async rounds, replicas and fewer than 2 kept
// checkpoints are each refused with their reason; a run of one coordinator takes them all. And the
// shard position runContext gives: the plan, this shard's layout and sizes.
import { describe, expect, it } from 'vitest';
import { runContext } from '../../coordinator/run-context.js';
import { planShards, sliceLayout } from '../../model/shard-plan.js';
import { SHARD_TEST_SIZES, shardTestConfig, type ShardTestOverrides } from '../support/shard-fixtures.js';

const log = (): void => undefined;
const TWO = { index: 0, addresses: ['ws://lead:8765', 'ws://follower:8765'] };

const UNSUPPORTED: [string, ShardTestOverrides, string][] = [
  ['async rounds', { distributed: { mode: 'async' } }, 'distributed.mode is "async"; shards run sync rounds only'],
  ['a task of 2 replicas', { replicas: 2 }, 'a task has replicas > 1; shards take one worker per task'],
  ['keep_checkpoints 1', { distributed: { keep_checkpoints: 1 } }, 'distributed.keep_checkpoints is below 2; a resume needs the newest version every shard has, so each shard keeps at least 2'],
];

describe('a run over K > 1 coordinator shards', () => {
  for (const [what, overrides, reason] of UNSUPPORTED) {
    it(`refuses ${what}, naming the reason and K`, () => {
      const config = shardTestConfig(overrides);
      const attempt = () => runContext(config, { log, shard: TWO });
      expect(attempt).toThrow('this run cannot be split over 2 coordinator shards: ');
      expect(attempt).toThrow(reason);
      // The follower's side (the same run context) refuses alike.
      expect(() => runContext(config, { log, shard: { ...TWO, index: 1 } })).toThrow(reason);
    });
  }

  it('names every reason at once, and only those that apply', () => {
    const config = shardTestConfig({ replicas: 2, distributed: { keep_checkpoints: 1 } });
    let message = '';
    try {
      runContext(config, { log, shard: { index: 0, addresses: ['a', 'b', 'c'] } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^this run cannot be split over 3 coordinator shards: /);
    expect(message).toContain('replicas > 1');
    expect(message).toContain('keep_checkpoints is below 2');
    expect(message).not.toContain('async');
  });

  it('takes the default config (sync, one worker per task, weighted_sum, keep 3), keep_checkpoints 2 and every aggregation method', () => {
    expect(runContext(shardTestConfig(), { log, shard: TWO }).shard.plan.shards).toBe(2);
    for (const method of ['pcgrad', 'cagrad', 'mgda', 'imtl_g', 'nash_mtl', 'uncertainty', 'dwa', 'famo'])
      expect(runContext(shardTestConfig({ aggregation: { method } }), { log, shard: TWO }).shard.plan.shards, method).toBe(2);
    expect(runContext(shardTestConfig({ distributed: { keep_checkpoints: 2 } }), { log, shard: TWO }).shard.plan.shards).toBe(2);
  });

  it("gives each shard the plan of K = the addresses' count, its own slices' layout and their sizes", () => {
    const config = shardTestConfig();
    const lead = runContext(config, { log, shard: TWO }).shard;
    const follower = runContext(config, { log, shard: { ...TWO, index: 1 } });
    const plan = planShards([...SHARD_TEST_SIZES], 2);
    expect(lead.plan).toEqual(plan);
    expect(follower.shard.plan).toEqual(plan);
    expect(lead.index).toBe(0);
    expect(follower.shard.index).toBe(1);
    expect(lead.addresses).toEqual(TWO.addresses);
    expect(follower.shard.layout).toEqual(sliceLayout(follower.spec.shared, plan.slices[1]));
    expect(lead.sizes).toEqual([3072]);
    expect(follower.shard.sizes).toEqual([1024, 64, 2048, 32]);
    // The whole model is still what the run context describes.
    expect(follower.sharedSizes).toEqual([...SHARD_TEST_SIZES]);
  });

  it('refuses a shard index outside 0 .. K-1', () => {
    expect(() => runContext(shardTestConfig(), { log, shard: { ...TWO, index: 2 } })).toThrow('shard 2 of 2: --shard I/K takes I from 0 to K-1');
  });
});

describe('a run of one coordinator (K = 1)', () => {
  for (const [what, overrides] of UNSUPPORTED) {
    it(`takes ${what}, without shards and with a list of one address`, () => {
      const config = shardTestConfig(overrides);
      const plain = runContext(config, { log });
      expect(plain.shard.plan.shards).toBe(1);
      expect(plain.shard.index).toBe(0);
      expect(plain.shard.addresses).toEqual([]);
      expect(plain.shard.layout).toEqual(plain.spec.shared);
      expect(plain.shard.sizes).toEqual([...SHARD_TEST_SIZES]);
      expect(runContext(config, { log, shard: { index: 0, addresses: ['ws://only:8765'] } }).shard.plan.shards).toBe(1);
    });
  }
});
