// The wasm Tile kernel against tfjs' cpu backend: the broadcast tf.batchNorm's gradient does ([C] over
// [B, H, W, C]), repetitions on every axis, int32 and bool, and the shapes it hands to the built-in
// kernel (short runs); the copy plan (simplifyTile, tileCopies, tileInto) on a plain byte array; the
// gradient of tf.batchNorm on wasm; and repeated calls leaving no tensor or wasm buffer behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { simplifyTile, tileCopies, tileInto } from '../../model/kernels/tile.js';
import { relativeError, useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

const CASES: { name: string; shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
  { name: 'batchNorm gradient: [1,1,1,32] over [16,16,16,1]', shape: [1, 1, 1, 32], reps: [16, 16, 16, 1], dtype: 'float32' },
  { name: 'every axis repeated', shape: [7, 3, 2, 5], reps: [2, 3, 4, 2], dtype: 'float32' },
  { name: 'middle axis repeated', shape: [4, 1, 24], reps: [1, 7, 1], dtype: 'float32' },
  { name: 'last axis repeated, long rows', shape: [5, 40], reps: [1, 3], dtype: 'float32' },
  { name: 'int32', shape: [1, 1, 1, 32], reps: [8, 8, 8, 1], dtype: 'int32' },
  { name: 'bool (one byte per element)', shape: [2, 40], reps: [20, 2], dtype: 'bool' },
  { name: 'short runs (built-in)', shape: [100, 1], reps: [1, 64], dtype: 'float32' },
  { name: 'small (built-in)', shape: [2, 3], reps: [2, 2], dtype: 'float32' },
  { name: 'no repetition', shape: [3, 4, 5], reps: [1, 1, 1], dtype: 'float32' },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

function values(n: number, dtype: string): number[] {
  return Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : ((i * 7919) % 1000) - 500) as number);
}

describe('the copy plan', () => {
  it('simplifyTile drops unrepeated unit axes and merges unrepeated neighbours', () => {
    expect(simplifyTile([1, 1, 1, 32], [16, 16, 16, 1])).toEqual({ shape: [1, 1, 1, 32], reps: [16, 16, 16, 1] });
    expect(simplifyTile([4, 5, 1, 6], [1, 1, 1, 3])).toEqual({ shape: [20, 6], reps: [1, 3] });
    expect(simplifyTile([1, 1], [1, 1])).toEqual({ shape: [1], reps: [1] });
  });

  it('tileCopies counts the runs of the last axis and the doubling copies', () => {
    expect(tileCopies([1, 1, 1, 32], [16, 16, 16, 1])).toBe(4 + 4 + 4 + 1);
    expect(tileCopies([100, 1], [1, 64])).toBe(100 + 100 * 6);
  });

  it('tileInto writes what tf.tile does, element size by element size', () => {
    const heap = new Uint8Array(64);
    heap.set([1, 2, 3, 4, 5, 6], 0); // x [2, 3] of one-byte elements at 0
    tileInto(heap, 0, 16, [2, 3], [2, 2], 1);
    expect(Array.from(heap.subarray(16, 40))).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
  });
});

describe('wasm Tile', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Tile')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const data = values(n, c.dtype);
    await tf.setBackend('wasm');
    const onWasm = tf.tidy(() => Array.from(tf.tile(tf.tensor(data, c.shape, c.dtype), c.reps).dataSync()));
    await tf.setBackend('cpu');
    const onCpu = tf.tidy(() => Array.from(tf.tile(tf.tensor(data, c.shape, c.dtype), c.reps).dataSync()));
    await tf.setBackend('wasm');
    expect(onWasm).toEqual(onCpu);
  });

  it('the gradient of tf.batchNorm (which tiles) matches the cpu backend', async () => {
    const shapes = [[8, 6, 6, 12], [12], [12], [12], [12], [8, 6, 6, 12]];
    const data = tf.tidy(() => shapes.map((s, i) => (i === 2 ? tf.add(tf.randomUniform(s), 0.5) : tf.randomNormal(s)).dataSync() as Float32Array));
    const run = () =>
      tf.tidy(() => {
        const [x, mean, variance, offset, scale, dy] = data.map((d, i) => tf.tensor(d, shapes[i]));
        const g = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a, m, v, o, s, 1e-3), dy)));
        return g([x, mean, variance, offset, scale]).map((t) => t.dataSync() as Float32Array);
      });
    await tf.setBackend('wasm');
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => expect(relativeError(g, onCpu[i]), `gradient ${i}`).toBeLessThan(1e-4));
  });

  it('repeated calls leave no tensor or wasm buffer behind', () => {
    const x = tf.randomNormal([1, 1, 1, 32]);
    const once = () => tf.dispose(tf.tile(x, [8, 8, 8, 1]));
    expectNothingLeft(once);
    x.dispose();
  });
});
