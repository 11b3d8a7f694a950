import { describe, expect, it } from 'vitest';
import { taskSchema, type TaskConfig } from '../../config/schema.js';
import { DataError } from '../../data/dataset.js';
import { FASHION_MNIST_DIR } from '../../data/idx.js';
import { loadTaskData } from '../../data/tasks.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('loadTaskData', () => {
  it('mnist: seeded split with the test examples held out and a train limit', async () => {
    const a = await loadTaskData(task({ name: 'digits', dataset: { source: 'mnist' } }), 1);
    expect(a.name).toBe('digits');
    expect([a.train.count, a.test.count]).toEqual([8000, 2000]);
    expect(a.inputShape).toEqual([28, 28, 1]);
    expect(a.classes).toBe(10);

    const b = await loadTaskData(task({ name: 'few', dataset: { source: 'mnist', test: 500, train: 1000 } }), 1);
    expect([b.train.count, b.test.count]).toEqual([1000, 500]);

    const again = await loadTaskData(task({ name: 'digits', dataset: { source: 'mnist' } }), 1);
    expect(bytesOf(again.test.x).equals(bytesOf(a.test.x))).toBe(true);
    const otherSeed = await loadTaskData(task({ name: 'digits', dataset: { source: 'mnist' } }), 2);
    expect(bytesOf(otherSeed.test.x).equals(bytesOf(a.test.x))).toBe(false);

    // Tasks sharing the cached source own their arrays.
    expect(again.train.x === a.train.x).toBe(false);
    const before = a.train.x[300];
    again.train.x[300] = 123;
    expect(a.train.x[300]).toBe(before);
  });

  it('mnist with transforms: rotated and relabelled', async () => {
    const plain = await loadTaskData(task({ name: 'p', dataset: { source: 'mnist', test: 100, train: 50 } }), 0);
    const t = await loadTaskData(
      task({
        name: 'r',
        dataset: { source: 'mnist', test: 100, train: 50 },
        transforms: [
          { type: 'rotate', degrees: 180 },
          { type: 'label_map', map: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] },
        ],
      }),
      0,
    );
    expect(t.classes).toBe(2);
    for (let i = 0; i < 50; i++) expect(t.train.y[i]).toBe(plain.train.y[i] % 2);
    expect(t.train.x[0]).toBe(plain.train.x[783]);
    expect(t.train.x[783]).toBe(plain.train.x[0]);
  });

  it('idx: Fashion-MNIST with seeded subsets', async () => {
    const f = await loadTaskData(task({ name: 'fashion', dataset: { source: 'idx', path: FASHION_MNIST_DIR, train: 2000, test: 300 } }), 0);
    expect([f.train.count, f.test.count]).toEqual([2000, 300]);
    expect(f.inputShape).toEqual([28, 28, 1]);
    expect(f.classes).toBe(10);
    const g = await loadTaskData(task({ name: 'fashion-p', dataset: { source: 'idx', path: FASHION_MNIST_DIR, train: 2000, test: 300 }, transforms: [{ type: 'permute', seed: 3 }] }), 0);
    // Same subset, pixels permuted: each image keeps its multiset of values.
    expect(Array.from(g.train.y)).toEqual(Array.from(f.train.y));
    const sorted = (a: Float32Array) => Array.from(a).sort((p, q) => p - q);
    expect(sorted(g.train.x.subarray(0, 784))).toEqual(sorted(f.train.x.subarray(0, 784)));
    expect(bytesOf(g.train.x).equals(bytesOf(f.train.x))).toBe(false);
  });

  it('synthetic', async () => {
    const s = await loadTaskData(task({ name: 'syn', dataset: { source: 'synthetic', features: 8, train: 40, test: 10 } }), 0);
    expect(s.inputShape).toEqual([8]);
    expect([s.train.count, s.test.count, s.classes]).toEqual([40, 10, 10]);
  });

  it('errors name the task and the file or setting at fault', async () => {
    await expect(loadTaskData(task({ name: 'gone', dataset: { source: 'idx', path: '/nonexistent/idx' } }), 0)).rejects.toThrow(/task "gone": IDX directory not found: \/nonexistent\/idx/);
    await expect(loadTaskData(task({ name: 'big', dataset: { source: 'mnist', test: 10000 } }), 0)).rejects.toBeInstanceOf(DataError);
    await expect(loadTaskData(task({ name: 'vec', dataset: { source: 'synthetic' }, transforms: [{ type: 'rotate', degrees: 90 }] }), 0)).rejects.toThrow(
      /task "vec", transforms\[0\] \(rotate\)/,
    );
  });
});
