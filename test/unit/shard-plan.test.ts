// How W is cut over K coordinator shards (model/shard-plan.ts): contiguous ranges of the tensors
// laid end to end, every entry in exactly one shard, equal bytes up to the alignment.
import { describe, expect, it } from 'vitest';
import { planShards, shardOf } from '../../model/shard-plan.js';

/** Each shard's entries as [tensor, index] pairs, in order. */
function entriesOf(plan: ReturnType<typeof planShards>): [number, number][][] {
  return plan.slices.map((slices) => slices.flatMap((s) => Array.from({ length: s.count }, (_, j): [number, number] => [s.tensor, s.offset + j])));
}

describe('shard plan', () => {
  const SIZES = [784 * 64, 64, 64 * 10, 0, 10, 5000];
  const TOTAL = SIZES.reduce((a, n) => a + n, 0);

  for (const shards of [1, 2, 3, 5, 8]) {
    it(`covers every entry once, in order, with ${shards} shard(s) of equal size up to the alignment`, () => {
      const plan = planShards(SIZES, shards);
      const all = entriesOf(plan).flat();
      const expected = SIZES.flatMap((n, t) => Array.from({ length: n }, (_, i): [number, number] => [t, i]));
      expect(all).toEqual(expected);
      expect(plan.bounds[0]).toBe(0);
      expect(plan.bounds[shards]).toBe(TOTAL);
      const counts = plan.slices.map((s) => s.reduce((a, x) => a + x.count, 0));
      for (const c of counts) expect(Math.abs(c - TOTAL / shards)).toBeLessThanOrEqual(1024);
      for (const b of plan.bounds.slice(1, -1)) expect(b % 1024).toBe(0);
      // Every entry's shard is the one whose slices hold it.
      entriesOf(plan).forEach((entries, i) => {
        for (const [t, j] of [entries[0], entries[entries.length - 1]]) expect(shardOf(plan, SIZES, t, j)).toBe(i);
      });
    });
  }

  it('splits a large tensor by element range across neighbours', () => {
    const plan = planShards([10_000_000], 3, 1);
    expect(plan.slices).toEqual([[{ tensor: 0, offset: 0, count: 3_333_333 }], [{ tensor: 0, offset: 3_333_333, count: 3_333_334 }], [{ tensor: 0, offset: 6_666_667, count: 3_333_333 }]]);
  });

  it('leaves shards past the end of a small W empty rather than splitting below the alignment', () => {
    const plan = planShards([100, 50], 4);
    expect(plan.slices.filter((s) => s.length > 0)).toHaveLength(1);
    expect(entriesOf(plan).flat()).toHaveLength(150);
  });

  it('refuses a shard count or alignment that is not a whole number of at least 1, and bad sizes', () => {
    expect(() => planShards(SIZES, 0)).toThrow(/shards must be a whole number of at least 1, got 0/);
    expect(() => planShards(SIZES, 1.5)).toThrow(/got 1.5/);
    expect(() => planShards(SIZES, 2, 0)).toThrow(/alignment/);
    expect(() => planShards([3, -1], 2)).toThrow(/tensor 1 has -1 entries/);
    expect(() => shardOf(planShards(SIZES, 2), SIZES, 5, 5000)).toThrow(/outside W/);
  });
});
