import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { taskSchema, type TaskConfig, type TransformConfig } from '../../config/schema.js';
import { BatchSampler, gather, readExamples, type Batch } from '../../data/batches.js';
import { DataError, isStreamed, StreamedSplit, type TaskData } from '../../data/dataset.js';
import { ExampleCache } from '../../data/example-cache.js';
import { ImageSource } from '../../data/images.js';
import { loadTaskData } from '../../data/tasks.js';
import { Random } from '../../lib/random.js';
import { someDigits, tempDir, writePngFolder } from '../support/user-data.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const dir = tempDir('streaming');
const N = 200;
const SIZE = 784;
/** 16 decoded digits (16 x 784 x 4 bytes): far fewer than the data set's 200. */
const TINY_MB = (16 * SIZE * 4) / 2 ** 20;

beforeAll(async () => {
  writePngFolder(join(dir, 'digits'), await someDigits(N));
});

function load(dataset: Record<string, unknown>, transforms: TransformConfig[] = []): Promise<TaskData> {
  return loadTaskData(task({ name: 's', dataset: { source: 'images', path: join(dir, 'digits'), size: [28, 28], channels: 1, test: 40, ...dataset }, transforms }), 5);
}

const sourceOf = (data: TaskData) => (data.train as StreamedSplit).source as ImageSource;

describe('streamed image folder', () => {
  it('streams when the decoded set passes cache_mb, and reads the values an eager load holds, epoch after epoch', async () => {
    const eager = await load({});
    const streamed = await load({ cache_mb: TINY_MB });
    expect(isStreamed(eager.train)).toBe(false);
    expect(isStreamed(streamed.train)).toBe(true);
    expect(streamed.train).toBeInstanceOf(StreamedSplit);
    expect([streamed.train.count, streamed.test.count]).toEqual([eager.train.count, eager.test.count]);
    expect(Array.from(streamed.train.y)).toEqual(Array.from(eager.train.y));
    expect(() => streamed.train.x).toThrow(DataError);
    expect(() => streamed.train.x).toThrow(/is streamed, not held in memory: read its examples with gather\(\) or readExamples\(\)/);

    const source = sourceOf(streamed);
    const limit = source.cacheStats().limitBytes;
    const a = new BatchSampler(eager.train.count, 32, Random.stream(1, 'test/batches'));
    const b = new BatchSampler(streamed.train.count, 32, Random.stream(1, 'test/batches'));
    let bufA: Batch | undefined;
    let bufB: Batch | undefined;
    while (b.epoch < 4) {
      bufA = gather(eager.train, SIZE, a.next(), bufA);
      bufB = gather(streamed.train, SIZE, b.next(), bufB);
      expect(Array.from(bufB.y)).toEqual(Array.from(bufA.y));
      expect(Buffer.from(bufB.x.buffer).equals(Buffer.from(bufA.x.buffer))).toBe(true);
      const stats = source.cacheStats();
      expect(stats.bytes).toBeLessThanOrEqual(limit);
      expect(stats.entries).toBeLessThanOrEqual(16);
    }
    const stats = source.cacheStats();
    expect(stats.peakBytes).toBeLessThanOrEqual(limit);
    expect(stats.entries).toBe(16);
    expect(stats.misses).toBeGreaterThan(4 * 160 - 16 * 4);

    // Evaluation reads contiguous ranges; train and test share the one bounded cache.
    for (const split of ['train', 'test'] as const) {
      const n = eager[split].count;
      const out = new Float32Array(n * SIZE);
      expect(readExamples(streamed[split], SIZE, 0, n, out)).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(eager[split].x));
      expect(Array.from(readExamples(streamed[split], SIZE, 3, 2))).toEqual(Array.from(eager[split].x.subarray(3 * SIZE, 5 * SIZE)));
    }
    expect(source.cacheStats().bytes).toBeLessThanOrEqual(limit);
    expect(() => readExamples(streamed.test, SIZE, 39, 2)).toThrow(RangeError);
  });

  it('a cache that holds the training set serves every later epoch from memory', async () => {
    const streamed = await load({ stream: true, cache_mb: 1 });
    const source = sourceOf(streamed);
    const sampler = new BatchSampler(streamed.train.count, 40, Random.stream(2, 'test/batches'));
    let buf: Batch | undefined;
    while (sampler.epoch < 1) buf = gather(streamed.train, SIZE, sampler.next(), buf);
    const first = source.cacheStats();
    expect(first.misses).toBe(streamed.train.count);
    for (let i = 0; i < 8; i++) buf = gather(streamed.train, SIZE, sampler.next(), buf);
    expect(source.cacheStats().misses).toBe(first.misses);
    expect(source.cacheStats().hits).toBeGreaterThanOrEqual(8 * 40 - 40);
  });

  it('transforms apply to each example as it is read', async () => {
    const transforms: TransformConfig[] = [
      { type: 'rotate', degrees: 90 },
      { type: 'permute', seed: 4 },
      { type: 'label_map', map: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] },
    ];
    const eager = await load({}, transforms);
    const streamed = await load({ cache_mb: TINY_MB }, transforms);
    expect(isStreamed(streamed.train)).toBe(true);
    expect([streamed.classes, streamed.classNames]).toEqual([2, undefined]);
    expect(Array.from(streamed.train.y)).toEqual(Array.from(eager.train.y));
    const idx = Int32Array.from([0, 17, 3, 150, 17]);
    const a = gather(eager.train, SIZE, idx);
    const b = gather(streamed.train, SIZE, idx);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
  });
});

describe('ExampleCache', () => {
  it('evicts the least recently used example and never holds more than its bound', () => {
    const cache = new ExampleCache(2, 3 * 2 * 4);
    const out = new Float32Array(2);
    for (const k of [1, 2, 3]) cache.slot(k)!.fill(k);
    expect(cache.copyTo(1, out, 0)).toBe(true); // 1 is now the most recent
    cache.slot(4)!.fill(4); // evicts 2
    expect(cache.copyTo(2, out, 0)).toBe(false);
    expect(cache.copyTo(3, out, 0)).toBe(true);
    expect(Array.from(out)).toEqual([3, 3]);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 24, peakBytes: 24, hits: 2, misses: 1 });
    expect(new ExampleCache(100, 10).slot(0)).toBeUndefined();
  });
});
