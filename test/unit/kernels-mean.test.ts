// The wasm Mean kernel and the Sum kernel's blocked loop for rows wider than 32 (model/kernels/mean.ts,
// reduce-loop.ts) against tfjs' cpu backend: global average pooling ([1, 2]), batch-norm moments
// ([0, 1, 2] and [0]), keepDims, channel counts of one block, several blocks and a partial one, and the
// reductions handed to the built-in kernel (trailing or scattered axes, int32); the gradient of
// training-mode batch normalisation written with tf.moments; and no tensor or wasm buffer left behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { compareWithCpu, relativeError, useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

const CASES: { name: string; shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { name: 'global average pooling, 32 channels', shape: [16, 16, 16, 32], axis: [1, 2], keepDims: false },
  { name: 'global average pooling, 72 channels (three blocks)', shape: [8, 7, 7, 72], axis: [1, 2], keepDims: false },
  { name: 'batch-norm moments over [0, 1, 2], 16 channels', shape: [32, 14, 14, 16], axis: [0, 1, 2], keepDims: true },
  { name: 'batch-norm moments over [0, 1, 2], 40 channels', shape: [16, 12, 12, 40], axis: [0, 1, 2], keepDims: false },
  { name: 'dense batch norm over [0], 128 features', shape: [64, 128], axis: 0, keepDims: true },
  { name: 'offset values (cancellation in float32 sums)', shape: [32, 28, 28, 8], axis: [0, 1, 2], keepDims: false },
  { name: 'trailing axis (built-in)', shape: [6, 7, 8], axis: -1, keepDims: false },
  { name: 'scattered axes (built-in)', shape: [4, 5, 6], axis: [0, 2], keepDims: false },
  { name: 'all axes (built-in)', shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm Mean', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Mean')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    // Seeded: an unseeded draw of 120 entries had a mean close enough to 0 now and then that the relative
    // error of the 'all axes' case passed 1e-6 on rounding alone.
    const draw = tf.randomNormal(c.shape, 0, 1, 'float32', 7);
    const x = c.name.startsWith('offset') ? tf.add(draw, 5) : draw;
    const result = await compareWithCpu('Mean', { x }, { axis: c.axis, keepDims: c.keepDims });
    x.dispose();
    draw.dispose();
    expect(result.wasmShape).toEqual(result.cpuShape);
    expect(result.error).toBeLessThan(1e-6);
  });

  it.each(CASES.slice(0, 5))('Sum matches the cpu backend: $name', async (c) => {
    const x = tf.randomNormal(c.shape);
    const result = await compareWithCpu('Sum', { x }, { axis: c.axis, keepDims: c.keepDims });
    x.dispose();
    expect(result.wasmShape).toEqual(result.cpuShape);
    expect(result.error).toBeLessThan(1e-6);
  });

  it('averages int32 through the built-in kernel', async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
    const result = await compareWithCpu('Mean', { x }, { axis: [0, 1], keepDims: false });
    x.dispose();
    expect(result.error).toBe(0);
  });

  it('the gradient of training-mode batch normalisation (tf.moments) matches the cpu backend', async () => {
    const shapes = [[16, 8, 8, 40], [40], [40], [16, 8, 8, 40]];
    const data = tf.tidy(() => shapes.map((s) => tf.randomNormal(s).dataSync() as Float32Array));
    const run = () =>
      tf.tidy(() => {
        const [x, gamma, beta, u] = data.map((d, i) => tf.tensor(d, shapes[i]));
        const g = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          const normalised = tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-3)));
          return tf.sum(tf.mul(tf.add(tf.mul(normalised, s), o), u));
        });
        return g([x, gamma, beta]).map((t) => t.dataSync() as Float32Array);
      });
    await tf.setBackend('wasm');
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => expect(relativeError(g, onCpu[i]), `gradient ${i}`).toBeLessThan(1e-4));
  });

  it('repeated calls leave no tensor or wasm buffer behind', () => {
    const x = tf.randomNormal([8, 8, 8, 40]);
    const once = () => tf.dispose([tf.mean(x, [1, 2]), tf.mean(x, [0, 1, 2], true), tf.sum(x, [0, 1, 2])]);
    expectNothingLeft(once);
    x.dispose();
  });
});
