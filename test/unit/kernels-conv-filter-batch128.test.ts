// The wasm Conv2DBackpropFilter kernel against tfjs' cpu backend on lenet5's shapes at batch 128
// (apart from the other cases because tfjs' cpu kernel takes ~10-20 s per shape under vitest).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LENET5 } from '../support/kernels-conv-cases.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm Conv2DBackpropFilter, batch 128', () => {
  it.each(LENET5.filter((c) => c.x[0] === 128))('matches the cpu backend: $name', async (c) => {
    const x = tf.randomNormal(c.x);
    const dy = tf.randomNormal(tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape);
    const result = await compareWithCpu('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter });
    tf.dispose([x, dy]);
    expect(result.wasmShape).toEqual(c.filter);
    expect(result.error).toBeLessThan(1e-5);
  });
});
