// initBackend on this machine, with the real packages: the native TensorFlow packages are not
// installed here, so auto lands on wasm (with the training kernels); explicit wasm and cpu work, and
// calling initBackend again changes nothing.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../model/backend.js';
import { isWasmTrainingKernelRegistered, unregisterWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../model/kernels/index.js';

const WASM_DEVICE = /^CPU \(wasm, (SIMD|no SIMD), \d+ threads?\)$/;

function collect(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Gradient of a one-layer conv net's loss with respect to its filter: needs Conv2DBackpropFilter. */
function filterGradientNorm(): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 8, 8, 1]);
    const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'))));
    return tf.norm(grad(tf.randomNormal([3, 3, 1, 2]))).dataSync()[0];
  });
}

beforeAll(() => {
  tf.env().set('PROD', true);
});

describe('initBackend on this machine', () => {
  it('auto skips the absent native packages, takes wasm and registers the training kernels', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log });
    expect(choice.name).toBe('wasm');
    expect(choice.device).toMatch(WASM_DEVICE);
    expect(tf.getBackend()).toBe('wasm');
    expect(lines.filter((line) => line.includes('skipped'))).toEqual([
      expect.stringMatching(/^backend: tensorflow-gpu skipped: @tensorflow\/tfjs-node-gpu (is not installed|failed to load: .*)$/),
      expect.stringMatching(/^backend: tensorflow skipped: @tensorflow\/tfjs-node (is not installed|failed to load: .*)$/),
    ]);
    expect(lines.at(-1)).toBe(`backend: wasm (auto) computes on ${choice.device}`);
    for (const [name] of WASM_TRAINING_KERNELS) expect(isWasmTrainingKernelRegistered(name)).toBe(true);
    expect(filterGradientNorm()).toBeGreaterThan(0);
  });

  it('wasm again is harmless: same choice, kernels still registered once, training still works', async () => {
    const first = await initBackend('wasm', { log: () => {} });
    const before = tf.memory().numTensors;
    const second = await initBackend('wasm', { log: () => {} });
    expect(second).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    expect(isWasmTrainingKernelRegistered('Conv2DBackpropFilter')).toBe(true);
    expect(filterGradientNorm()).toBeGreaterThan(0);
  });

  it('wasm with kernels: false leaves the stock wasm kernels in place', async () => {
    unregisterWasmTrainingKernels();
    const choice = await initBackend('wasm', { log: () => {}, kernels: false });
    expect(choice.name).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(() => filterGradientNorm()).toThrow(/Conv2DBackpropFilter/);
    await initBackend('wasm', { log: () => {} });
    expect(filterGradientNorm()).toBeGreaterThan(0);
  });

  it('cpu computes in JavaScript', async () => {
    const { lines, log } = collect();
    const choice = await initBackend('cpu', { log });
    expect(choice).toEqual({ name: 'cpu', device: 'CPU (JavaScript)' });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual(['backend: cpu (requested) computes on CPU (JavaScript)']);
    expect(filterGradientNorm()).toBeGreaterThan(0);
  });

  it('an explicit tensorflow-gpu request fails here, saying why', async () => {
    await expect(initBackend('tensorflow-gpu', { log: () => {} })).rejects.toThrow(/^backend 'tensorflow-gpu' is unavailable: @tensorflow\/tfjs-node-gpu /);
  });
});
