// The wasm Conv2DBackpropInput kernel against tfjs' cpu backend on fresh random inputs: lenet5's
// shapes (batch 64 and 128), strides 1 and 2, 'same' / 'valid' / numeric / explicit padding.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { LENET5, VARIED, outputShape, type ConvCase } from '../support/kernels-conv-cases.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

/** The kernel on fresh random dy and filter of case `c`, against the cpu backend. */
async function expectMatchesCpu(c: ConvCase): Promise<void> {
  const dy = tf.randomNormal(outputShape(c));
  const filter = tf.randomNormal(c.filter);
  const result = await compareWithCpu('Conv2DBackpropInput', { dy, filter }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x });
  tf.dispose([dy, filter]);
  expect(result.wasmShape).toEqual(c.x);
  expect(result.error).toBeLessThan(1e-5);
}

describe('wasm Conv2DBackpropInput', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Conv2DBackpropInput')).toBe(true);
  });

  it.each([...LENET5, ...VARIED.slice(0, -1)])('matches the cpu backend: $name', async (c) => {
    await expectMatchesCpu(c);
  });

  it.each([
    { name: '40 input channels (more than the loop unrolls), stride 2, same', x: [2, 9, 9, 40], filter: [3, 3, 40, 4], strides: 2, pad: 'same' },
    { name: '33 input channels, stride 1, valid', x: [3, 8, 8, 33], filter: [3, 3, 33, 5], strides: 1, pad: 'valid' },
  ] as ConvCase[])('matches the cpu backend in the conv form: $name', async (c) => {
    await expectMatchesCpu(c);
  });

  it('matches the cpu backend with padding wider than the filter (matrix-product form)', async () => {
    const c: ConvCase = { name: 'pad 3 > 2', x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 1, pad: 3 };
    await expectMatchesCpu(c);
  });

  it('matches the cpu backend with padding wider than the filter and many channels (built-in kernel)', async () => {
    const c: ConvCase = { name: 'pad 3 > 2, 40 channels', x: [2, 6, 6, 40], filter: [3, 3, 40, 3], strides: 1, pad: 3 };
    await expectMatchesCpu(c);
  });
});
