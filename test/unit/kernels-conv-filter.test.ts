// The wasm Conv2DBackpropFilter kernel against tfjs' cpu backend on fresh random inputs: lenet5's
// shapes at batch 64 (batch 128 in kernels-conv-filter-batch128: the cpu reference is slow), strides
// 1 and 2, 'same' / 'valid' / numeric / explicit padding, NHWC and NCHW.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSE_UP_TO_TERMS } from '../../model/kernels/conv2d-backprop-filter.js';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { LENET5, VARIED, outputShape, type ConvCase } from '../support/kernels-conv-cases.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm Conv2DBackpropFilter', () => {
  it('is this project’s kernel (tfjs 4.22 has none for wasm)', () => {
    expect(isWasmTrainingKernelRegistered('Conv2DBackpropFilter')).toBe(true);
  });

  it('the shapes under test reach both forms of the kernel', () => {
    const terms = (c: ConvCase) =>
      outputShape(c)
        .slice(0, 3)
        .reduce((a, b) => a * b, 1);
    expect(terms(LENET5[0])).toBeGreaterThan(DENSE_UP_TO_TERMS);
    expect(terms(LENET5[2])).toBeLessThanOrEqual(DENSE_UP_TO_TERMS);
    expect(terms(VARIED[VARIED.length - 1])).toBeGreaterThan(DENSE_UP_TO_TERMS);
  });

  it.each([...LENET5.filter((c) => c.x[0] === 64), ...VARIED])('matches the cpu backend: $name', async (c) => {
    const x = tf.randomNormal(c.x);
    const dy = tf.randomNormal(outputShape(c));
    const result = await compareWithCpu('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter });
    tf.dispose([x, dy]);
    expect(result.wasmShape).toEqual(c.filter);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('matches the cpu backend in NCHW', async () => {
    const x = tf.randomNormal([3, 2, 9, 9]); // [B, C, H, W]
    const dy = tf.randomNormal([3, 4, 5, 5]);
    const result = await compareWithCpu('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 4] });
    tf.dispose([x, dy]);
    expect(result.wasmShape).toEqual([3, 3, 2, 4]);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('refuses a dy that does not fit x and the filter, naming both shapes', async () => {
    const x = tf.randomNormal([2, 8, 8, 1]);
    const dy = tf.randomNormal([2, 7, 7, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 3] })).toThrow(
      /dy has shape \[2,7,7,3\].*\[2,8,8,3\]/,
    );
    tf.dispose([x, dy]);
  });
});
