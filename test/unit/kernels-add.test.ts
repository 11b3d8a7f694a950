// The wasm Add kernel against tfjs' cpu backend on fresh random inputs: bias rows added to lenet5's
// activations (batch 64 and 128), either operand the row, and what it hands to the built-in kernel.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTrailingRow } from '../../model/kernels/add.js';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

const CASES: { name: string; a: number[]; b: number[] }[] = [
  ...[64, 128].flatMap((batch) => [
    { name: `lenet5 conv1 bias, batch ${batch}`, a: [batch, 28, 28, 6], b: [6] },
    { name: `lenet5 conv2 bias, batch ${batch}`, a: [batch, 10, 10, 16], b: [16] },
  ]),
  { name: 'the row first', a: [1, 16], b: [7, 5, 16] },
  { name: 'a row of two axes', a: [4, 3, 5], b: [3, 5] },
  { name: 'a dense bias wider than the loop unrolls (built-in)', a: [64, 120], b: [120] },
  { name: 'same shapes (built-in)', a: [9, 7], b: [9, 7] },
  { name: 'a scalar (built-in)', a: [9, 7], b: [] },
  { name: 'a column, broadcast along rows (built-in)', a: [9, 7], b: [9, 1] },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('isTrailingRow', () => {
  it('accepts a smaller tensor matching the trailing axes, leading 1s aside', () => {
    expect(isTrailingRow([128, 28, 28, 6], [6])).toBe(true);
    expect(isTrailingRow([7, 5, 16], [1, 16])).toBe(true);
    expect(isTrailingRow([9, 7], [9, 7])).toBe(false);
    expect(isTrailingRow([9, 7], [9, 1])).toBe(false);
    expect(isTrailingRow([6], [1, 1, 6])).toBe(false);
    expect(isTrailingRow([9, 7], [])).toBe(false);
  });
});

describe('wasm Add', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Add')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend exactly: $name', async (c) => {
    const a = tf.randomNormal(c.a);
    const b = tf.randomNormal(c.b);
    const result = await compareWithCpu('Add', { a, b }, {});
    tf.dispose([a, b]);
    expect(result.wasmShape).toEqual(result.cpuShape);
    expect(result.error).toBe(0);
  });

  it('adds int32 through the built-in kernel', () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const b = tf.tensor1d([10, 20], 'int32');
    const sum = tf.add(a, b);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([11, 22, 13, 24]);
    tf.dispose([a, b, sum]);
  });
});
