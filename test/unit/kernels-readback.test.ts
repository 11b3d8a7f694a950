// The wasm backend's read-back as model/kernels/read-back.ts replaces it: dataSync / data() give the
// tensor's values in its dtype, in a fresh array that later writes to the heap do not change, for whole
// tensors and for ranges; and unregistering the kernels puts tfjs' own read-back back.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../model/kernels/index.js';
import { isFastReadBackInstalled } from '../../model/kernels/read-back.js';
import { useWasmWithKernels } from '../support/kernels-reference.js';

beforeAll(async () => {
  await useWasmWithKernels();
});

afterAll(() => {
  registerWasmTrainingKernels();
});

describe('wasm read-back', () => {
  it('is installed with the kernels and removed with them', () => {
    expect(isFastReadBackInstalled()).toBe(true);
    unregisterWasmTrainingKernels();
    expect(isFastReadBackInstalled()).toBe(false);
    registerWasmTrainingKernels();
    expect(isFastReadBackInstalled()).toBe(true);
  });

  it.each([
    ['float32', Float32Array, [1.5, -2.25, 3e-8, 1e30]],
    ['int32', Int32Array, [7, -8, 2147483647, 0]],
    ['bool', Uint8Array, [1, 0, 0, 1]],
  ] as const)('reads %s tensors as %s', async (dtype, kind, values) => {
    const x = tf.tensor1d([...values], dtype);
    const read = x.dataSync();
    expect(read).toBeInstanceOf(kind);
    expect(Array.from(read)).toEqual(Array.from(kind.from(values)));
    expect(Array.from(await x.data())).toEqual(Array.from(read));
    x.dispose();
  });

  it('returns a copy: writes to the heap after the read do not show in it', () => {
    const x = tf.fill([1000], 3);
    const read = x.dataSync();
    x.dispose();
    const y = tf.fill([1000], 5); // may reuse x's freed buffer
    expect(read.every((v) => v === 3)).toBe(true);
    y.dispose();
  });

  it('reads a range of a large tensor, and the whole of it, like tfjs’ own read-back', () => {
    const n = 300_000;
    const x = tf.range(0, n, 1, 'float32');
    const backend = tf.backend() as unknown as { readSync(dataId: tf.DataId, start?: number, end?: number): Float32Array };
    const part = backend.readSync(x.dataId, 1000, 1010);
    expect(Array.from(part)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
    const whole = x.dataSync();
    unregisterWasmTrainingKernels();
    const theirs = x.dataSync();
    registerWasmTrainingKernels();
    expect(Array.from(whole)).toEqual(Array.from(theirs));
    x.dispose();
  });
});
