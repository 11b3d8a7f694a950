import { Random } from '../../lib/random.js';
import { describe, expect, it } from 'vitest';
import { BatchSampler, gather } from '../../data/batches.js';
import type { Split } from '../../data/dataset.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('BatchSampler', () => {
  it('covers every example exactly once per epoch, with full batches that wrap across epochs', () => {
    const count = 10;
    const s = new BatchSampler(count, 3, Random.stream(4, 'batches'));
    const stream: number[] = [];
    for (let b = 0; b < 20; b++) {
      const batch = s.next();
      expect(batch.length).toBe(3);
      stream.push(...batch);
    }
    // 60 indices = 6 epochs back to back, each a permutation of 0..9.
    for (let e = 0; e < 6; e++) expect(stream.slice(e * count, (e + 1) * count).sort((a, b) => a - b)).toEqual(range(count));
    expect(s.epoch).toBe(5);
    // Each epoch is reshuffled.
    expect(stream.slice(0, 10)).not.toEqual(stream.slice(10, 20));
  });

  it('is deterministic by seed', () => {
    const take = (seed: number) => {
      const s = new BatchSampler(100, 16, Random.stream(seed, 'batches'));
      return Array.from({ length: 10 }, () => Array.from(s.next())).flat();
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
  });

  it('handles a batch larger than the data set', () => {
    const s = new BatchSampler(3, 7, Random.stream(0, 'batches'));
    const b = Array.from(s.next());
    expect(b.length).toBe(7);
    expect(b.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(() => new BatchSampler(0, 4, Random.stream(0, 'batches'))).toThrow(RangeError);
  });

  it("draws a round's batches for several replicas as one stream: replicas of batch 32 see what one worker of batch 64 sees", () => {
    const one = new BatchSampler(100, 64, Random.stream(3, 'batches'));
    const many = new BatchSampler(100, 32, Random.stream(3, 'batches'));
    for (let round = 0; round < 5; round++) expect(Array.from(many.next(2 * 32))).toEqual(Array.from(one.next()));
    // The number of replicas may change between rounds: the order goes on, each example once an epoch.
    const s = new BatchSampler(30, 4, Random.stream(9, 'batches'));
    const stream = [...s.next(8), ...s.next(12), ...s.next(4), ...s.next(6)];
    expect([...stream].sort((a, b) => a - b)).toEqual(range(30));
  });

  it('goes on from a position: a fresh sampler moved there draws the same batches', () => {
    const a = new BatchSampler(23, 5, Random.stream(7, 'batches'));
    for (let b = 0; b < 13; b++) a.next();
    const at = a.position;
    expect(at).toEqual({ epoch: 2, position: 65 - 46 });
    const b = new BatchSampler(23, 5, Random.stream(7, 'batches'));
    b.seek(at);
    for (let k = 0; k < 10; k++) expect(Array.from(b.next())).toEqual(Array.from(a.next()));
    expect(() => b.seek(at)).toThrow(/only a fresh sampler/);
    expect(() => new BatchSampler(23, 5, Random.stream(7, 'batches')).seek({ epoch: 0, position: 24 })).toThrow(/not within 23 examples/);
  });
});

describe('gather', () => {
  const split: Split = { x: Float32Array.from({ length: 5 * 4 }, (_, i) => i), y: Int32Array.from([10, 11, 12, 13, 14]), count: 5 };

  it('copies the selected examples and reuses its buffers', () => {
    const a = gather(split, 4, Int32Array.from([3, 0]));
    expect(Array.from(a.x)).toEqual([12, 13, 14, 15, 0, 1, 2, 3]);
    expect(Array.from(a.y)).toEqual([13, 10]);
    const b = gather(split, 4, Int32Array.from([4, 4]), a);
    expect(b.x).toBe(a.x);
    expect(Array.from(b.x)).toEqual([16, 17, 18, 19, 16, 17, 18, 19]);
    expect(Array.from(b.y)).toEqual([14, 14]);
    expect(split.x[0]).toBe(0);
  });

  it('refuses buffers of the wrong size and indices out of range', () => {
    const out = { x: new Float32Array(8), y: new Int32Array(2) };
    expect(() => gather(split, 4, Int32Array.from([0, 1, 2]), out)).toThrow(RangeError);
    expect(() => gather(split, 4, Int32Array.from([0, 5]), out)).toThrow(/index 5/);
  });
});
