// A shard's slices as the wire names them (model/shard-plan.ts): sliceLayout names a cut tensor
// "name[from:to]", sliceViews gives views that write through, planFromBounds rebuilds the plan a
// welcome's boundaries describe and refuses boundaries that do not cut W, and a worker's planRun turns
// such a welcome into a WorkerError (worker/run-plan.ts).
import { describe, expect, it } from 'vitest';
import { planFromBounds, planShards, sliceLayout, sliceViews, type ShardSlice } from '../../model/shard-plan.js';
import { buildModelSpec, modelFingerprint } from '../../model/spec.js';
import { taskInputShape } from '../../data/shapes.js';
import { PROTOCOL_VERSION, type Welcome } from '../../proto/codec.js';
import { planRun } from '../../worker/run-plan.js';
import { WorkerError } from '../../worker/worker-error.js';
import { SHARD_TEST_SIZES, shardTestConfig } from '../support/shard-fixtures.js';

const TENSORS = [
  { name: 'dense/kernel', shape: [64, 64] },
  { name: 'dense/bias', shape: [64] },
  { name: 'dense_1/kernel', shape: [64, 32] },
  { name: 'dense_1/bias', shape: [32] },
];
const SIZES = [...SHARD_TEST_SIZES];
const TOTAL = 6240;

describe('sliceLayout', () => {
  it('names the tensor K = 2 cuts "name[from:to]" of shape [to - from] and keeps whole tensors as they are', () => {
    const plan = planShards(SIZES, 2);
    expect(plan.bounds).toEqual([0, 3072, TOTAL]);
    expect(sliceLayout(TENSORS, plan.slices[0])).toEqual([{ name: 'dense/kernel[0:3072]', shape: [3072] }]);
    expect(sliceLayout(TENSORS, plan.slices[1])).toEqual([
      { name: 'dense/kernel[3072:4096]', shape: [1024] },
      { name: 'dense/bias', shape: [64] },
      { name: 'dense_1/kernel', shape: [64, 32] },
      { name: 'dense_1/bias', shape: [32] },
    ]);
  });

  it('treats a slice from 0 that stops short as cut, and one of every entry of a 2-D tensor as whole', () => {
    expect(sliceLayout(TENSORS, [{ tensor: 2, offset: 0, count: 2047 }])).toEqual([{ name: 'dense_1/kernel[0:2047]', shape: [2047] }]);
    expect(sliceLayout(TENSORS, [{ tensor: 2, offset: 1, count: 2047 }])).toEqual([{ name: 'dense_1/kernel[1:2048]', shape: [2047] }]);
    expect(sliceLayout(TENSORS, [{ tensor: 0, offset: 0, count: 4096 }])).toEqual([{ name: 'dense/kernel', shape: [64, 64] }]);
  });

  it("gives a whole tensor's shape as a copy, so that a change to the layout leaves the model's shape alone", () => {
    const [whole] = sliceLayout(TENSORS, [{ tensor: 0, offset: 0, count: 4096 }]);
    expect(whole.shape).not.toBe(TENSORS[0].shape);
    whole.shape.push(1);
    expect(TENSORS[0].shape).toEqual([64, 64]);
  });

  it('is empty for a shard past the end of a small W', () => {
    const plan = planShards([100, 50], 4);
    const empty = plan.slices.filter((s) => s.length === 0);
    expect(empty.length).toBeGreaterThan(0);
    for (const slices of empty)
      expect(
        sliceLayout(
          [
            { name: 'w', shape: [10, 10] },
            { name: 'b', shape: [50] },
          ],
          slices,
        ),
      ).toEqual([]);
  });
});

describe('sliceViews', () => {
  const full = () => SIZES.map((n, t) => Float32Array.from({ length: n }, (_, i) => t * 10_000 + i));

  it("gives each slice's entries of its tensor, in slice order", () => {
    const tensors = full();
    const plan = planShards(SIZES, 2);
    const views = sliceViews(tensors, plan.slices[1]);
    expect(views.map((v) => v.length)).toEqual([1024, 64, 2048, 32]);
    expect([views[0][0], views[0][1023]]).toEqual([3072, 4095]);
    expect([views[1][0], views[3][31]]).toEqual([10_000, 30_031]);
    // Shard 0 and shard 1 together hold every entry once.
    const both = [...sliceViews(tensors, plan.slices[0]), ...views];
    expect(both.reduce((a, v) => a + v.length, 0)).toBe(TOTAL);
  });

  it('are views: a write through one lands in the full tensor, and a write to the tensor shows in the view', () => {
    const tensors = full();
    const slices: ShardSlice[] = [{ tensor: 0, offset: 3072, count: 1024 }];
    const [view] = sliceViews(tensors, slices);
    expect(view.buffer).toBe(tensors[0].buffer);
    view[0] = -1;
    view[1023] = -2;
    expect(tensors[0][3072]).toBe(-1);
    expect(tensors[0][4095]).toBe(-2);
    expect(tensors[0][3071]).toBe(3071);
    tensors[0][3073] = -3;
    expect(view[1]).toBe(-3);
  });
});

describe('planFromBounds', () => {
  it("rebuilds planShards' plan from its boundaries", () => {
    for (const k of [1, 2, 3, 5]) {
      const plan = planShards(SIZES, k);
      expect(planFromBounds(SIZES, plan.bounds), `K = ${k}`).toEqual(plan);
    }
  });

  it('takes boundaries off the alignment and an empty shard (two equal boundaries)', () => {
    const plan = planFromBounds(SIZES, [0, 4100, 4100, TOTAL]);
    expect(plan.shards).toBe(3);
    expect(plan.slices).toEqual([
      [
        { tensor: 0, offset: 0, count: 4096 },
        { tensor: 1, offset: 0, count: 4 },
      ],
      [],
      [
        { tensor: 1, offset: 4, count: 60 },
        { tensor: 2, offset: 0, count: 2048 },
        { tensor: 3, offset: 0, count: 32 },
      ],
    ]);
  });

  it('gives a copy of the boundaries, not the array it was handed', () => {
    const bounds = [0, 3072, TOTAL];
    const plan = planFromBounds(SIZES, bounds);
    bounds[1] = 1;
    expect(plan.bounds).toEqual([0, 3072, TOTAL]);
  });

  const bad: [string, number[]][] = [
    ['no boundaries', []],
    ['one boundary', [0]],
    ['a first boundary other than 0', [1, 3072, TOTAL]],
    ['a last boundary short of W', [0, 3072, TOTAL - 1]],
    ['a last boundary past W', [0, 3072, TOTAL + 1024]],
    ['decreasing boundaries', [0, 4096, 3072, TOTAL]],
    ['a boundary past W in the middle', [0, 7000, TOTAL]],
    ['a fractional boundary', [0, 3072.5, TOTAL]],
    ['a NaN boundary', [0, NaN, TOTAL]],
    ['a negative boundary', [0, -1024, TOTAL]],
  ];
  for (const [what, bounds] of bad) {
    it(`refuses ${what}, naming the boundaries and W's size`, () => {
      expect(() => planFromBounds(SIZES, bounds)).toThrow(RangeError);
      expect(() => planFromBounds(SIZES, bounds)).toThrow(`shard boundaries [${bounds.join(', ')}] do not cut W's ${TOTAL} entries into increasing ranges from 0`);
    });
  }
});

describe("a worker's plan of a sharded welcome (worker/run-plan.ts)", () => {
  const config = shardTestConfig();
  const spec = buildModelSpec(config.model, taskInputShape(config.tasks[0]));
  const welcome = (shardAddresses: string[], shardBounds: number[]): Welcome => ({
    protocolVersion: PROTOCOL_VERSION,
    modelFingerprint: modelFingerprint(spec),
    configJson: JSON.stringify(config),
    version: 0,
    shardAddresses,
    shardBounds,
  });
  const ADDRESSES = ['ws://lead:1', 'ws://follower:2'];

  it("takes good boundaries: the lead's layout is shard 0's slices, each shard's as sliceLayout names them", () => {
    const plan = planRun(welcome(ADDRESSES, [0, 3072, TOTAL]), 'a', 'ws://lead:1', null);
    expect(plan.shards.plan).toEqual(planShards(SIZES, 2));
    expect(plan.shards.addresses).toEqual(ADDRESSES);
    expect(plan.shared).toEqual(sliceLayout(spec.shared, plan.shards.plan.slices[0]));
    expect(plan.shards.layouts[1]).toEqual(sliceLayout(spec.shared, plan.shards.plan.slices[1]));
    expect(plan.shards.layouts[1][0].name).toMatch(/\[3072:4096\]$/);
  });

  it('refuses boundaries that do not cut W with a WorkerError naming the coordinator and the boundaries', () => {
    for (const bounds of [[0, 3072], [0, 3072, TOTAL - 1], [0, 5000, 3000, TOTAL], []]) {
      const attempt = () => planRun(welcome(ADDRESSES, bounds), 'a', 'ws://lead:1', null);
      expect(attempt, `[${bounds.join(', ')}]`).toThrow(WorkerError);
      expect(attempt, `[${bounds.join(', ')}]`).toThrow(/the coordinator at ws:\/\/lead:1 names 2 shards, but shard boundaries/);
    }
  });

  it('refuses a cut into another number of shards than the addresses', () => {
    const attempt = () => planRun(welcome(ADDRESSES, [0, 2048, 4096, TOTAL]), 'a', 'ws://lead:1', null);
    expect(attempt).toThrow(WorkerError);
    expect(attempt).toThrow(/names 2 shard addresses for a cut into 3/);
  });

  it('plans one coordinator when the welcome names no shards, whatever its boundaries', () => {
    const plan = planRun(welcome([], [0, 1, 2]), 'a', 'ws://lead:1', null);
    expect(plan.shards.plan.shards).toBe(1);
    expect(plan.shards.addresses).toEqual([]);
    expect(plan.shared).toEqual(spec.shared.map((t) => expect.objectContaining({ name: t.name, shape: t.shape }) as unknown));
  });
});
