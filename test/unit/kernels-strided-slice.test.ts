// The wasm StridedSlice kernel against tfjs' cpu backend: steps of 2 and 3, negative steps, masks,
// shrinking and new axes, int32 (which tfjs 4.22's own wasm kernel returns as float bits) and bool,
// and what it hands to the built-in kernel (steps of 1, more than four axes to nest); against values
// worked out by hand where the cpu backend is wrong (a stepped slice with a shrunk axis) or throws (an
// empty slice); loopAxes, which plans the loop; and repeated calls leaving no wasm buffer behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { loopAxes } from '../../model/kernels/strided-slice.js';
import { useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

type Dtype = 'float32' | 'int32' | 'bool';
interface SliceCase {
  name: string;
  shape: number[];
  begin: number[];
  end: number[];
  strides: number[];
  masks?: [number, number, number, number, number];
  dtype?: Dtype;
  /** Where the cpu backend is wrong itself: the values, worked out by hand. */
  expected?: { values: number[]; shape: number[] };
}

const CASES: SliceCase[] = [
  { name: 'x[:, ::2, ::2, :]', shape: [16, 16, 16, 32], begin: [0, 0, 0, 0], end: [16, 16, 16, 32], strides: [1, 2, 2, 1] },
  { name: 'x[:, 1::2, 1::2, :], odd size', shape: [3, 9, 7, 5], begin: [0, 1, 1, 0], end: [3, 9, 7, 5], strides: [1, 2, 2, 1] },
  { name: 'every axis stepped', shape: [5, 6, 7, 8], begin: [0, 1, 2, 0], end: [5, 6, 7, 8], strides: [2, 3, 2, 3] },
  { name: 'reversed axes', shape: [3, 5, 4], begin: [-1, -1, 0], end: [-4, -6, 4], strides: [-1, -1, 1] },
  { name: 'step -2', shape: [3, 7, 4], begin: [0, 6, 3], end: [3, 0, 0], strides: [1, -2, -1] },
  { name: 'masks, shrink, new axis and ellipsis', shape: [4, 6, 5], begin: [0, 1, 0], end: [0, 0, 5], strides: [1, 2, 2], masks: [0b001, 0b010, 0, 0, 0] },
  // x[0::2, 2, 0::2] of x = range(120) as [4, 6, 5]; tfjs 4.22's cpu kernel gives [2, 3, 4, 62, 63, 64].
  {
    name: 'shrinking axis, stepped (the cpu backend is wrong here)',
    shape: [4, 6, 5],
    begin: [0, 2, 0],
    end: [4, 3, 5],
    strides: [2, 1, 2],
    masks: [0, 0, 0, 0, 0b010],
    expected: { values: [10, 12, 14, 70, 72, 74], shape: [2, 3] },
  },
  { name: 'new axis and ellipsis', shape: [4, 6, 5], begin: [0, 0, 1], end: [0, 0, 5], strides: [1, 1, 2], masks: [0, 0, 0b010, 0b001, 0] },
  { name: 'int32, stepped', shape: [3, 6], begin: [0, 2], end: [3, 100], strides: [1, 2], dtype: 'int32' },
  { name: 'bool, stepped', shape: [4, 6], begin: [0, 1], end: [4, 6], strides: [2, 2], dtype: 'bool' },
  // TensorFlow gives [3, 0]; tfjs 4.22's cpu and wasm kernels both throw (a negative size).
  { name: 'empty (begin past end)', shape: [3, 6], begin: [0, 4], end: [3, 2], strides: [1, 1], expected: { values: [], shape: [3, 0] } },
  { name: 'empty, stepped', shape: [3, 6], begin: [0, 4], end: [3, 2], strides: [1, 2], dtype: 'int32' },
  { name: 'crop of step 1 (built-in)', shape: [4, 8, 8, 3], begin: [0, 1, 1, 0], end: [4, 7, 6, 3], strides: [1, 1, 1, 1], dtype: 'int32' },
  { name: 'five stepped axes (built-in)', shape: [4, 4, 4, 4, 4], begin: [0, 0, 0, 0, 0], end: [4, 4, 4, 4, 4], strides: [2, 2, 2, 2, 2] },
];

function sliceOn(c: SliceCase, data: number[]): { values: number[]; shape: number[]; dtype: string } {
  return tf.tidy(() => {
    const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask] = c.masks ?? [0, 0, 0, 0, 0];
    const out = tf.stridedSlice(tf.tensor(data, c.shape, c.dtype ?? 'float32'), c.begin, c.end, c.strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
    return { values: Array.from(out.dataSync()), shape: out.shape, dtype: out.dtype };
  });
}

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('loopAxes', () => {
  it('drops unit axes, merges axes that continue each other and fills up to four', () => {
    // [16, 8, 8, 32] taken from [16, 16, 16, 32] by steps of 2 on the middle axes (element steps)
    // (the batch and row axes continue each other: 8 rows of 1024 elements are the next image's 8192).
    expect(loopAxes([16, 8, 8, 32], [8192, 1024, 64, 1])).toEqual({ counts: [1, 128, 8, 32], steps: [0, 1024, 64, 1] });
    expect(loopAxes([16, 8, 8, 32], [16384, 1024, 64, 1])).toEqual({ counts: [16, 8, 8, 32], steps: [16384, 1024, 64, 1] });
    expect(loopAxes([1, 6, 3], [90, 30, 2])).toEqual({ counts: [1, 1, 6, 3], steps: [0, 0, 30, 2] });
    expect(loopAxes([4, 5], [10, 2])).toEqual({ counts: [1, 1, 1, 20], steps: [0, 0, 0, 2] });
    expect(loopAxes([2, 2, 2, 2, 2], [16, 8, 4, 2, 1])).toEqual({ counts: [1, 1, 1, 32], steps: [0, 0, 0, 1] });
    expect(loopAxes([2, 2, 2, 2, 2], [32, 16, 8, 4, 1])).toEqual({ counts: [1, 1, 16, 2], steps: [0, 0, 4, 1] });
    expect(loopAxes([2, 2, 2, 2, 2], [500, 100, 20, 7, 1])).toBeNull();
  });
});

describe('wasm StridedSlice', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('StridedSlice')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: size }, (_, i) => (c.dtype === 'bool' ? i % 3 === 0 : c.expected !== undefined ? i : ((i * 7919) % 1000) - 500) as number);
    await tf.setBackend('wasm');
    const onWasm = sliceOn(c, data);
    if (c.expected !== undefined) {
      expect(onWasm).toEqual({ ...c.expected, dtype: c.dtype ?? 'float32' });
      return;
    }
    await tf.setBackend('cpu');
    const onCpu = sliceOn(c, data);
    await tf.setBackend('wasm');
    expect(onWasm).toEqual(onCpu);
  });

  it('repeated calls leave no tensor or wasm buffer behind', () => {
    const x = tf.randomNormal([8, 8, 8, 8]);
    const once = () => tf.dispose(tf.stridedSlice(x, [0, 0, 0, 0], [8, 8, 8, 8], [1, 2, 2, 1]));
    expectNothingLeft(once);
    x.dispose();
  });
});
