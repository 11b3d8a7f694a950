import { describe, expect, it } from 'vitest';
import { DataError, type Split } from '../../data/dataset.js';
import { seededSubset, takeExamples, trainTestSplit } from '../../data/split.js';

describe('train/test split', () => {
  it('partitions every index, deterministically by seed', () => {
    const a = trainTestSplit(1000, 200, 5);
    expect(a.test.length).toBe(200);
    expect(a.train.length).toBe(800);
    const all = [...a.train, ...a.test].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const b = trainTestSplit(1000, 200, 5);
    expect(Array.from(b.test)).toEqual(Array.from(a.test));
    const c = trainTestSplit(1000, 200, 6);
    expect(Array.from(c.test)).not.toEqual(Array.from(a.test));
    // Nearby seeds give unrelated splits, not shifted copies: overlap near the 20% of chance.
    const overlap = Array.from(c.test).filter((i) => new Set(a.test).has(i)).length;
    expect(overlap).toBeGreaterThan(15);
    expect(overlap).toBeLessThan(70);
  });

  it('refuses a test split that leaves nothing to train on', () => {
    expect(() => trainTestSplit(100, 100, 0)).toThrow(DataError);
    expect(() => trainTestSplit(100, 0, 0)).toThrow(DataError);
  });
});

describe('seeded subsets', () => {
  it('picks k distinct sorted indices, by seed and stream', () => {
    const a = seededSubset(500, 50, 1);
    expect(a.length).toBe(50);
    expect(new Set(a).size).toBe(50);
    expect(Array.from(a)).toEqual(Array.from(a).sort((p, q) => p - q));
    expect(Array.from(seededSubset(500, 50, 1))).toEqual(Array.from(a));
    expect(Array.from(seededSubset(500, 50, 2))).not.toEqual(Array.from(a));
    expect(Array.from(seededSubset(500, 50, 1, 'other'))).not.toEqual(Array.from(a));
    expect(seededSubset(10, 20, 1).length).toBe(10);
  });

  it('copies the chosen examples', () => {
    const split: Split = { x: Float32Array.from([0, 0, 1, 1, 2, 2]), y: Int32Array.from([7, 8, 9]), count: 3 };
    const sub = takeExamples(split, 2, Int32Array.from([2, 0]));
    expect(Array.from(sub.x)).toEqual([2, 2, 0, 0]);
    expect(Array.from(sub.y)).toEqual([9, 7]);
    sub.x[0] = 42;
    expect(split.x[4]).toBe(2);
    expect(() => takeExamples(split, 2, Int32Array.from([3]))).toThrow(RangeError);
  });
});
