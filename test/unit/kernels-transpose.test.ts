// The wasm Transpose kernel against tfjs' cpu backend: the block swaps the conv gradients use (taken by
// the assembled loop), and what it hands to the built-in kernel (plain matrices, full reversals,
// int32, rows wider than the loop unrolls); and simplifyTranspose, which decides between them.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { simplifyTranspose } from '../../model/kernels/wasm-ops.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

const CASES: { name: string; shape: number[]; perm: number[] }[] = [
  { name: 'lenet5 conv1 dy to filter layout, batch 128', shape: [128, 28, 28, 6], perm: [1, 2, 0, 3] },
  { name: 'lenet5 conv2 dy to filter layout, batch 64', shape: [64, 10, 10, 16], perm: [1, 2, 0, 3] },
  { name: 'filter gradient back to HWIO', shape: [6, 5, 5, 16], perm: [1, 2, 0, 3] },
  { name: 'swap with a width of 3', shape: [7, 5, 3], perm: [1, 0, 2] },
  { name: 'images of one channel (a plain matrix: built-in)', shape: [64, 28, 28, 1], perm: [3, 1, 2, 0] },
  { name: 'full reversal (built-in)', shape: [16, 14, 14, 6], perm: [3, 1, 2, 0] },
  { name: 'matrix (built-in)', shape: [300, 17], perm: [1, 0] },
  { name: 'rows wider than the loop unrolls (built-in)', shape: [4, 5, 40], perm: [1, 0, 2] },
  { name: 'identity permutation', shape: [3, 4, 5], perm: [0, 1, 2] },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('simplifyTranspose', () => {
  it('drops unit axes and merges axes that stay adjacent', () => {
    expect(simplifyTranspose([128, 28, 28, 6], [1, 2, 0, 3])).toEqual({ shape: [128, 784, 6], perm: [1, 0, 2] });
    expect(simplifyTranspose([128, 28, 28, 1], [3, 1, 2, 0])).toEqual({ shape: [128, 784], perm: [1, 0] });
    expect(simplifyTranspose([8, 14, 14, 6], [3, 1, 2, 0])).toEqual({ shape: [8, 196, 6], perm: [2, 1, 0] });
    expect(simplifyTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
  });
});

describe('wasm Transpose', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('Transpose')).toBe(true);
  });

  it.each(CASES)('matches the cpu backend exactly: $name', async (c) => {
    const x = tf.randomNormal(c.shape);
    const result = await compareWithCpu('Transpose', { x }, { perm: c.perm });
    x.dispose();
    expect(result.wasmShape).toEqual(c.perm.map((axis) => c.shape[axis]));
    expect(result.error).toBe(0);
  });

  it('transposes int32 tensors (built-in)', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
    const t = tf.transpose(x, [1, 0, 2]);
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    tf.dispose([x, t]);
  });
});
