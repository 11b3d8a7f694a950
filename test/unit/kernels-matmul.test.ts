// The wasm BatchMatMul / _FusedMatMul kernels against tfjs' cpu backend on fresh random inputs: the
// MLP's (784->256->256->10) and lenet5's dense layers' backward products at batch 64 and 128, and
// batched / broadcast products with every combination of transposes.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { swappedIsCheaper } from '../../model/kernels/batch-mat-mul.js';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { compareWithCpu, useWasmWithKernels } from '../support/kernels-reference.js';

interface MatMulCase {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  out: number[];
}

/** The two products of a dense layer n -> m's backward pass: dW = x^T dy and dx = dy W^T. */
function denseBackward(label: string, batch: number, n: number, m: number): MatMulCase[] {
  return [
    { name: `${label} ${n}->${m} batch ${batch}: dW = x^T dy`, a: [1, batch, n], b: [1, batch, m], transposeA: true, transposeB: false, out: [1, n, m] },
    { name: `${label} ${n}->${m} batch ${batch}: dx = dy W^T`, a: [1, batch, m], b: [1, n, m], transposeA: false, transposeB: true, out: [1, batch, n] },
  ];
}

const MODEL_ZOO: MatMulCase[] = [64, 128].flatMap((batch) => [
  ...denseBackward('mlp', batch, 784, 256),
  ...denseBackward('mlp', batch, 256, 256),
  ...denseBackward('mlp', batch, 256, 10),
  ...denseBackward('lenet5', batch, 400, 120),
  ...denseBackward('lenet5', batch, 120, 84),
  ...denseBackward('lenet5', batch, 84, 10),
]);

const SHAPES: MatMulCase[] = [
  { name: 'forward, no transposes', a: [1, 64, 784], b: [1, 784, 256], transposeA: false, transposeB: false, out: [1, 64, 256] },
  { name: 'both transposed', a: [1, 7, 5], b: [1, 4, 7], transposeA: true, transposeB: true, out: [1, 5, 4] },
  { name: 'batch 3, transposeA', a: [3, 5, 7], b: [3, 5, 4], transposeA: true, transposeB: false, out: [3, 7, 4] },
  { name: 'batch 3, transposeB', a: [3, 5, 7], b: [3, 4, 7], transposeA: false, transposeB: true, out: [3, 5, 4] },
  { name: 'batch 3 against one matrix (folded into rows)', a: [3, 5, 7], b: [1, 7, 4], transposeA: false, transposeB: false, out: [3, 5, 4] },
  { name: 'rank 4 against a rank-2 matrix', a: [2, 3, 5, 7], b: [7, 4], transposeA: false, transposeB: false, out: [2, 3, 5, 4] },
  { name: 'rank 4 against a rank-2 matrix, transposeA', a: [2, 3, 7, 5], b: [7, 4], transposeA: true, transposeB: false, out: [2, 3, 5, 4] },
  { name: 'one matrix against batch 3, transposeB', a: [1, 5, 7], b: [3, 4, 7], transposeA: false, transposeB: true, out: [3, 5, 4] },
];

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('wasm BatchMatMul', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('BatchMatMul')).toBe(true);
  });

  it('runs the model zoo’s products in both orientations (the packed operand the smaller)', () => {
    const orientation = (c: MatMulCase) => {
      const [m, k] = c.transposeA ? [c.a[2], c.a[1]] : [c.a[1], c.a[2]];
      const n = c.transposeB ? c.b[1] : c.b[2];
      return swappedIsCheaper(m, k, n, c.transposeA, c.transposeB);
    };
    const forward784: MatMulCase = { name: 'forward', a: [1, 128, 784], b: [1, 784, 256], transposeA: false, transposeB: false, out: [1, 128, 256] };
    expect(orientation(forward784)).toBe(false); // packing x instead of W would not pay for three transposes
    const byName = (name: string) => MODEL_ZOO.find((c) => c.name === name)!;
    expect(orientation(byName('mlp 256->256 batch 128: dx = dy W^T'))).toBe(true); // no transpose of W
    expect(orientation(byName('mlp 784->256 batch 128: dW = x^T dy'))).toBe(false); // packs dy
  });

  it.each([
    ...MODEL_ZOO,
    ...SHAPES,
    ...[64, 128].map((batch): MatMulCase => ({ name: `mlp forward 784->256, batch ${batch}`, a: [1, batch, 784], b: [1, 784, 256], transposeA: false, transposeB: false, out: [1, batch, 256] })),
    { name: 'swapped orientation, rank 3 against rank 2', a: [1, 96, 300], b: [200, 300], transposeA: false, transposeB: true, out: [1, 96, 200] },
  ])('matches the cpu backend: $name', async (c) => {
    const a = tf.randomNormal(c.a);
    const b = tf.randomNormal(c.b);
    const result = await compareWithCpu('BatchMatMul', { a, b }, { transposeA: c.transposeA, transposeB: c.transposeB });
    tf.dispose([a, b]);
    expect(result.wasmShape).toEqual(c.out);
    expect(result.cpuShape).toEqual(c.out);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('refuses mismatched inner dimensions', () => {
    const a = tf.randomNormal([1, 5, 7]);
    const b = tf.randomNormal([1, 5, 4]);
    expect(() => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false })).toThrow(/inner shapes/);
    tf.dispose([a, b]);
  });
});

describe('wasm _FusedMatMul', () => {
  it('is this project’s kernel', () => {
    expect(isWasmTrainingKernelRegistered('_FusedMatMul')).toBe(true);
  });

  it.each([
    { transposeA: false, transposeB: false, activation: 'relu' },
    { transposeA: true, transposeB: false, activation: 'linear' },
    { transposeA: false, transposeB: true, activation: 'relu' },
    { transposeA: true, transposeB: true, activation: 'elu' },
  ])('matches the cpu backend with bias: transposeA $transposeA, transposeB $transposeB, $activation', async (c) => {
    const [batch, n, m] = [64, 400, 120];
    const a = tf.randomNormal(c.transposeA ? [1, n, batch] : [1, batch, n]);
    const b = tf.randomNormal(c.transposeB ? [1, m, n] : [1, n, m]);
    const bias = tf.randomNormal([m]);
    const result = await compareWithCpu('_FusedMatMul', { a, b, bias }, { ...c });
    tf.dispose([a, b, bias]);
    expect(result.wasmShape).toEqual([1, batch, m]);
    expect(result.error).toBeLessThan(1e-5);
  });
});
