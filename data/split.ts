// Seeded, deterministic choices of which examples go where: the train/test split of a source that has
// none (the mnist package) and the "at most N examples" subsets. Same seed, same indices.
import { DataError, type Split } from './dataset.js';
import { Random } from '../lib/random.js';

/** Indices 0..count-1 split into `testCount` test and the rest train, each sorted ascending (so copying
 *  them reads the source in order). */
export function trainTestSplit(count: number, testCount: number, seed: number): { train: Int32Array; test: Int32Array } {
  if (!Number.isInteger(testCount) || testCount < 1 || testCount >= count) {
    throw new DataError(`test split of ${testCount} examples needs 1..${count - 1} (the data set has ${count}, and training needs at least one)`);
  }
  const perm = Random.stream(seed, 'split/train-test').permutation(count);
  return { test: perm.slice(0, testCount).sort(), train: perm.slice(testCount).sort() };
}

/** `k` distinct indices out of 0..count-1 (all of them when k >= count), sorted ascending. The stream
 *  name keeps the subsets of different purposes (train, test) independent under one seed. */
export function seededSubset(count: number, k: number, seed: number, stream = 'subset'): Int32Array {
  if (!Number.isInteger(k) || k < 0) throw new DataError(`subset size must be a non-negative integer, got ${k}`);
  if (k >= count) return Int32Array.from({ length: count }, (_, i) => i);
  return Random.stream(seed, `split/${stream}`).permutation(count).slice(0, k).sort();
}

/** The chosen examples copied into new arrays, in the order of `indices`. */
export function takeExamples(split: Split, inputSize: number, indices: Int32Array): Split {
  const x = new Float32Array(indices.length * inputSize);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (i < 0 || i >= split.count) throw new RangeError(`example index ${i} outside 0..${split.count - 1}`);
    x.set(split.x.subarray(i * inputSize, (i + 1) * inputSize), k * inputSize);
    y[k] = split.y[i];
  }
  return { x, y, count: indices.length };
}

/** What a user's data set without a test file holds out when its config does not say: a fifth. */
export const DEFAULT_TEST_FRACTION = 0.2;

/** Test examples a config's `test` asks of `count`: a fraction (below 1) of them, at least one; or a count. */
export function testCountOf(test: number, count: number): number {
  return test < 1 ? Math.max(1, Math.round(test * count)) : test;
}

/** Indices 0..count-1 of a source with no test set of its own: `test` (fraction or count) held out, and at
 *  most `train` of the rest kept, both seeded; `stream` keeps sources' subsets independent. */
export function holdOut(count: number, test: number | undefined, train: number | undefined, seed: number, stream: string): { train: Int32Array; test: Int32Array } {
  const split = trainTestSplit(count, testCountOf(test ?? DEFAULT_TEST_FRACTION, count), seed);
  return { train: keepAtMost(split.train, train, seed, `${stream}-train`), test: split.test };
}

/** At most `k` of `indices` (a seeded subset, in their order); all when `k` is absent or not smaller. */
export function keepAtMost(indices: Int32Array, k: number | undefined, seed: number, stream: string): Int32Array {
  if (k === undefined || k >= indices.length) return indices;
  return seededSubset(indices.length, k, seed, stream).map((j) => indices[j]);
}

/** 0 .. n-1. */
export function allIndices(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
