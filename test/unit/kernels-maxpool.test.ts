// The wasm MaxPoolGrad kernel against tfjs' cpu backend on fresh random inputs: lenet5's 2x2/2
// pools at batch 64 and 128 (after a ReLU, so whole windows of zeros tie, as in training), and
// overlapping, gapped and padded windows. tfjs 4.22's own wasm MaxPoolGrad fails these (see
// model/kernels/max-pool-grad.ts).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { maxPoolGradLoop } from '../../model/kernels/max-pool-grad.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  relu: boolean;
}

const CASES: PoolCase[] = [
  ...[64, 128].flatMap((batch): PoolCase[] => [
    { name: `lenet5 pool1, batch ${batch}, after ReLU`, x: [batch, 28, 28, 6], filterSize: 2, strides: 2, pad: 'valid', relu: true },
    { name: `lenet5 pool2, batch ${batch}, after ReLU`, x: [batch, 10, 10, 16], filterSize: 2, strides: 2, pad: 'valid', relu: true },
  ]),
  { name: 'lenet5 pool1, batch 64, negative values', x: [64, 28, 28, 6], filterSize: 2, strides: 2, pad: 'valid', relu: false },
  { name: '2x2/2, odd size, valid (last row unused)', x: [4, 7, 7, 3], filterSize: 2, strides: 2, pad: 'valid', relu: true },
  { name: '2x2/2, odd size, same', x: [4, 7, 9, 3], filterSize: 2, strides: 2, pad: 'same', relu: false },
  { name: '3x3/2 same (overlapping windows), after ReLU', x: [4, 9, 9, 3], filterSize: 3, strides: 2, pad: 'same', relu: true },
  { name: '3x3/1 same', x: [4, 9, 9, 3], filterSize: 3, strides: 1, pad: 'same', relu: false },
  { name: '2x2/3 valid (gaps between windows)', x: [4, 10, 10, 3], filterSize: 2, strides: 3, pad: 'valid', relu: false },
  { name: '3x2 window, strides [1, 2], same, after ReLU', x: [4, 7, 9, 3], filterSize: [3, 2], strides: [1, 2], pad: 'same', relu: true },
  { name: 'numeric padding 1, 3x3/2', x: [2, 8, 8, 2], filterSize: 3, strides: 2, pad: 1, relu: false },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm MaxPoolGrad', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('MaxPoolGrad')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    const raw = tf.randomNormal(c.x);
    const input = c.relu ? tf.relu(raw) : raw;
    const output = tf.maxPool(input as tf.Tensor4D, c.filterSize, c.strides, c.pad);
    const dy = tf.randomNormal(output.shape);
    const result = await compareWithCpu('MaxPoolGrad', { dy, input, output }, { filterSize: c.filterSize, strides: c.strides, pad: c.pad });
    tf.dispose([raw, input, output, dy]);
    expect(result.wasmShape).toEqual(c.x);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('sends a window’s gradient to its first maximum only', () => {
    // One 2x2 window of equal values and one of distinct values, in one image of 2x4.
    const input = tf.tensor4d([3, 3, 1, 5, 3, 3, 7, 2], [1, 2, 4, 1]);
    const output = tf.maxPool(input, 2, 2, 'valid');
    const dy = tf.tensor4d([10, 20], [1, 1, 2, 1]);
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
    expect(Array.from(dx.dataSync())).toEqual([10, 0, 0, 0, 0, 0, 20, 0]);
    tf.dispose([input, output, dy, dx]);
  });

  it.each([
    ['valid 2x2/2 (the unrolled loop)', 2, 2, 'valid'],
    ['same 3x3/2 (the general loop)', 3, 2, 'same'],
  ] as const)('follows the cpu backend on -Infinity and NaN: %s', async (_name, filterSize, strides, pad) => {
    // Windows of -Infinity only, NaN next to numbers, NaN only, and +Infinity.
    const values = [-Infinity, -Infinity, NaN, 2, NaN, NaN, Infinity, 1, -Infinity, -Infinity, NaN, 2, NaN, NaN, Infinity, 1];
    const input = tf.tensor4d(values, [1, 4, 4, 1]);
    const output = tf.maxPool(input, filterSize, strides, pad);
    const dy = tf.randomNormal(output.shape);
    const result = await compareWithCpu('MaxPoolGrad', { dy, input, output }, { filterSize, strides, pad });
    tf.dispose([input, output, dy]);
    expect(result.error).toBe(0);
  });

  it('the JavaScript loop (used where the wasm memory is out of reach) agrees with the kernel', () => {
    const input = tf.relu(tf.randomNormal([3, 9, 9, 4]));
    for (const [filterSize, strides, pad] of [
      [2, 2, 'valid'],
      [3, 2, 'same'],
    ] as const) {
      const output = tf.maxPool(input as tf.Tensor4D, filterSize, strides, pad);
      const dy = tf.randomNormal(output.shape);
      const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, { filterSize, strides, pad }) as tf.Tensor;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad);
      const sizes = [3, 9, 9, 4, info.outHeight, info.outWidth, strides, strides, info.padInfo.top, info.padInfo.left, filterSize, filterSize];
      const out = new Float32Array(input.size);
      maxPoolGradLoop(input.dataSync() as Float32Array, dy.dataSync() as Float32Array, out, sizes);
      expect(Array.from(out)).toEqual(Array.from(dx.dataSync()));
      tf.dispose([output, dy, dx]);
    }
    input.dispose();
  });

  it('refuses a dy that does not fit the pooling', () => {
    const input = tf.randomNormal([1, 4, 4, 2]);
    const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
    const dy = tf.randomNormal([1, 3, 3, 2]);
    expect(() => tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, { filterSize: 2, strides: 2, pad: 'valid' })).toThrow(/dy has shape \[1,3,3,2\], expected \[1,2,2,2\]/);
    tf.dispose([input, output, dy]);
  });
});
