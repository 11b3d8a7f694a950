// The wasm Sum kernel against tfjs' cpu backend on fresh random inputs: bias gradients (leading axes of
// lenet5's and the MLP's activations at batch 64 and 128), middle axes, keepDims, and the cases it hands
// to the built-in kernel (trailing axes, scattered axes, rows too wide to unroll, int32).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { leadingSplit } from '../../model/kernels/sum.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

interface SumCase {
  name: string;
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
}

const CASES: SumCase[] = [
  ...[64, 128].flatMap((batch): SumCase[] => [
    { name: `lenet5 conv1 bias gradient, batch ${batch}`, shape: [batch, 28, 28, 6], axis: [0, 1, 2], keepDims: false },
    { name: `lenet5 conv2 bias gradient, batch ${batch}`, shape: [batch, 10, 10, 16], axis: [0, 1, 2], keepDims: false },
    { name: `mlp bias gradient (rows wider than unrolled), batch ${batch}`, shape: [batch, 256], axis: 0, keepDims: false },
  ]),
  { name: 'middle axes', shape: [3, 4, 5, 7], axis: [1, 2], keepDims: false },
  { name: 'leading axes, keepDims', shape: [5, 6, 7], axis: [0, 1], keepDims: true },
  { name: 'negative axis of a middle dimension', shape: [4, 9, 3], axis: -2, keepDims: false },
  { name: 'width 1', shape: [50, 1], axis: 0, keepDims: false },
  { name: 'trailing axis (built-in)', shape: [6, 7, 8], axis: 2, keepDims: false },
  { name: 'scattered axes (built-in)', shape: [4, 5, 6], axis: [0, 2], keepDims: false },
  { name: 'all axes (built-in)', shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('leadingSplit', () => {
  it('splits contiguous non-trailing axes into [outer, reduced, inner] and refuses the rest', () => {
    expect(leadingSplit([128, 28, 28, 6], [0, 1, 2])).toEqual([1, 128 * 28 * 28, 6]);
    expect(leadingSplit([3, 4, 5, 7], [1, 2])).toEqual([3, 20, 7]);
    expect(leadingSplit([3, 4, 5], [2])).toBeNull();
    expect(leadingSplit([3, 4, 5], [0, 2])).toBeNull();
    expect(leadingSplit([3, 4, 5], [])).toBeNull();
  });
});

describe('wasm Sum', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Sum')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend: $name', async (c) => {
    // Mean 1: a sum of mean-0 values can cancel to near 0, where float32 rounding in another order is
    // large against the sum itself (3.6e-5 of it, once in a CI run) though the kernel is right.
    const x = tf.randomNormal(c.shape, 1, 1);
    const result = await compareWithCpu('Sum', { x }, { axis: c.axis, keepDims: c.keepDims });
    x.dispose();
    expect(result.wasmShape).toEqual(result.cpuShape);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('sums int32 through the built-in kernel', async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
    const sum = tf.sum(x, [0, 1]);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([16, 20]);
    tf.dispose([x, sum]);
  });

  it('adds in float64, as the cpu kernel does: ones next to 1e8 are not lost', () => {
    // Rows 1e8, 1, -1e8, 1, ...: in float32, 1e8 + 1 rounds back to 1e8 and every other one is lost.
    const rows = 4000;
    const pattern = [1e8, 1, -1e8, 1];
    const values = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? pattern[(i >> 1) % 4] : 1));
    const x = tf.tensor2d(values, [rows, 2]);
    const sum = tf.sum(x, 0);
    expect(Array.from(sum.dataSync())).toEqual([rows / 2, rows]);
    tf.dispose([x, sum]);
  });
});
