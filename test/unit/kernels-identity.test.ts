// The wasm Identity and Cast kernels: a clone (what tfjs' engine makes of every tensor a gradient saves)
// shares the buffer instead of copying it, stays valid when the original is disposed, and frees the
// buffer with its last reference; casts between dtypes still convert, as on the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm Identity', () => {
  it('is this project’s kernel, with Cast', () => {
    expect(isWasmTrainingKernelRegistered('Identity')).toBe(true);
    expect(isWasmTrainingKernelRegistered('Cast')).toBe(true);
  });

  it('a clone shares the buffer, outlives its original, and the last reference frees it', () => {
    const buffers = tf.backend().numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(buffers + 1);
    x.dispose();
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(buffers);
  });

  it('gradients through saved (cloned) tensors match the cpu backend and leave no buffer behind', async () => {
    const run = () =>
      tf.tidy(() => {
        const w = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
        const x = tf.tensor2d([1, 2, 3, -4, 5, 6], [3, 2]);
        return tf
          .grad((v: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x, v as tf.Tensor2D))))(w)
          .dataSync();
      });
    await tf.setBackend('wasm');
    const buffers = tf.backend().numDataIds();
    const onWasm = run();
    expect(tf.backend().numDataIds()).toBe(buffers);
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });
});

describe('wasm Cast', () => {
  it('to the same dtype shares the buffer', () => {
    const buffers = tf.backend().numDataIds();
    const x = tf.tensor1d([1.5, -2.5]);
    const y = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(buffers + 1);
    expect(Array.from(y.dataSync())).toEqual([1.5, -2.5]);
    tf.dispose([x, y]);
  });

  it.each([
    ['float32', 'int32'],
    ['float32', 'bool'],
    ['int32', 'float32'],
    ['bool', 'int32'],
  ] as const)('from %s to %s matches the cpu backend', async (from, to) => {
    const x = tf.cast(tf.tensor1d([-2.7, -1, 0, 0.4, 1, 3.9]), from);
    const result = await compareWithCpu('Cast', { x }, { dtype: to });
    x.dispose();
    expect(result.error).toBe(0);
  });
});
