// The wasm Concat and SplitV kernels (strided row copies, model/kernels/copy-rows.ts) against tfjs' cpu
// backend: along every axis, the channel concatenation of DenseNet / Inception blocks, three inputs,
// an empty input, int32, and bool (handed to the built-in kernel); the gradient of tf.concat (a split)
// on wasm; and repeated calls leaving no tensor or wasm buffer behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { relativeError, useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

type Dtype = 'float32' | 'int32' | 'bool';

/** Concat of inputs of `shapes` along `axis`, then a split of the result into `sizes`, on one backend. */
function concatThenSplit(data: number[][], shapes: number[][], dtype: Dtype, axis: number, sizes: number[]): number[][] {
  return tf.tidy(() => {
    const joined = tf.concat(
      data.map((d, i) => tf.tensor(d, shapes[i], dtype)),
      axis,
    );
    return [joined, ...tf.split(joined, sizes, axis)].map((t) => Array.from(t.dataSync()));
  });
}

const CASES: { name: string; shapes: number[][]; axis: number; sizes: number[]; dtype: Dtype }[] = [
  {
    name: 'channels of a DenseNet block',
    shapes: [
      [4, 8, 8, 16],
      [4, 8, 8, 32],
    ],
    axis: 3,
    sizes: [8, 24, 16],
    dtype: 'float32',
  },
  {
    name: 'three inputs on the last axis',
    shapes: [
      [3, 5, 5, 8],
      [3, 5, 5, 3],
      [3, 5, 5, 8],
    ],
    axis: -1,
    sizes: [19],
    dtype: 'float32',
  },
  {
    name: 'axis 0',
    shapes: [
      [2, 3, 4],
      [5, 3, 4],
    ],
    axis: 0,
    sizes: [3, 4],
    dtype: 'float32',
  },
  {
    name: 'axis 1',
    shapes: [
      [2, 3, 4],
      [2, 1, 4],
    ],
    axis: 1,
    sizes: [1, 3],
    dtype: 'float32',
  },
  {
    name: 'axis 2',
    shapes: [
      [2, 3, 4],
      [2, 3, 6],
    ],
    axis: 2,
    sizes: [5, 5],
    dtype: 'float32',
  },
  {
    name: 'an empty input',
    shapes: [
      [2, 3, 0],
      [2, 3, 4],
      [2, 3, 2],
    ],
    axis: 2,
    sizes: [0, 6],
    dtype: 'float32',
  },
  {
    name: 'int32',
    shapes: [
      [4, 7],
      [4, 9],
    ],
    axis: 1,
    sizes: [8, 8],
    dtype: 'int32',
  },
  {
    name: 'bool (built-in)',
    shapes: [
      [4, 7],
      [4, 9],
    ],
    axis: 1,
    sizes: [8, 8],
    dtype: 'bool',
  },
];

describe('wasm Concat and SplitV', () => {
  it('are this project’s kernels', () => {
    expect(isWasmTrainingKernelRegistered('Concat')).toBe(true);
    expect(isWasmTrainingKernelRegistered('SplitV')).toBe(true);
  });

  it.each(CASES)('match the cpu backend: $name', async (c) => {
    const data = c.shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => (c.dtype === 'bool' ? i % 2 : ((i * 7919) % 1000) - 500)));
    await tf.setBackend('wasm');
    const onWasm = concatThenSplit(data, c.shapes, c.dtype, c.axis, c.sizes);
    await tf.setBackend('cpu');
    const onCpu = concatThenSplit(data, c.shapes, c.dtype, c.axis, c.sizes);
    await tf.setBackend('wasm');
    expect(onWasm).toEqual(onCpu);
  });

  it('the gradient of tf.concat on the last axis matches the cpu backend', async () => {
    const data = tf.tidy(() =>
      [
        [4, 6, 6, 8],
        [4, 6, 6, 12],
        [4, 6, 6, 20],
      ].map((s) => tf.randomNormal(s).dataSync() as Float32Array),
    );
    const run = () =>
      tf.tidy(() => {
        const [a, b, u] = [tf.tensor4d(data[0], [4, 6, 6, 8]), tf.tensor4d(data[1], [4, 6, 6, 12]), tf.tensor4d(data[2], [4, 6, 6, 20])];
        const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([tf.relu(p), q], 3), u)));
        return g([a, b]).map((t) => t.dataSync() as Float32Array);
      });
    await tf.setBackend('wasm');
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => expect(relativeError(g, onCpu[i])).toBe(0));
  });

  it('repeated calls leave no tensor or wasm buffer behind', () => {
    const a = tf.randomNormal([4, 8, 8, 16]);
    const b = tf.randomNormal([4, 8, 8, 8]);
    const once = () => tf.dispose(tf.tidy(() => tf.split(tf.concat([a, b], 3), [12, 12], 3)));
    expectNothingLeft(once);
    tf.dispose([a, b]);
  });
});
