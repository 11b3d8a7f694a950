// The gradient of StridedSlice (model/kernels/strided-slice-grad.ts; tfjs-core 4.22 registers none) on
// the wasm backend, against a reference built from the forward slice alone: the slice of a tensor of
// flat indices says where each dy element goes. Steps of 2 (x[:, ::2, ::2, :]), negative strides,
// begin / end masks, shrinking, new and ellipsis axes, ends past the edge, an empty slice; then
// training through it, and repeated steps leaving no tensor or wasm buffer behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { takenAlong } from '../../model/kernels/strided-slice-grad.js';
import { useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

interface SliceCase {
  name: string;
  shape: number[];
  begin: number[];
  end: number[];
  strides: number[];
  masks?: [number, number, number, number, number]; // begin, end, ellipsis, newAxis, shrinkAxis
}

const CASES: SliceCase[] = [
  { name: 'x[:, ::2, ::2, :] (subsampling)', shape: [4, 8, 8, 6], begin: [0, 0, 0, 0], end: [4, 8, 8, 6], strides: [1, 2, 2, 1] },
  { name: 'odd size, step 2 from 1', shape: [3, 9, 7, 2], begin: [0, 1, 1, 0], end: [3, 9, 7, 2], strides: [1, 2, 2, 1] },
  { name: 'step 3 with a remainder', shape: [2, 10, 3], begin: [0, 0, 0], end: [2, 10, 3], strides: [1, 3, 1] },
  { name: 'crop (step 1)', shape: [4, 8, 8, 3], begin: [0, 1, 1, 0], end: [4, 7, 6, 3], strides: [1, 1, 1, 1] },
  { name: 'reversed axis', shape: [3, 5, 4], begin: [0, -1, 0], end: [3, -6, 4], strides: [1, -1, 1] },
  { name: 'reversed, step -2', shape: [3, 7, 4], begin: [0, 5, 0], end: [3, 0, 4], strides: [1, -2, 1] },
  { name: 'begin and end masks', shape: [4, 6, 5], begin: [1, 2, 9], end: [0, 0, 0], strides: [1, 2, 1], masks: [0b101, 0b111, 0, 0, 0] },
  { name: 'shrinking axis 1', shape: [4, 6, 5], begin: [0, 2, 0], end: [4, 3, 5], strides: [1, 1, 1], masks: [0, 0, 0, 0, 0b010] },
  { name: 'new axis and ellipsis', shape: [4, 6, 5], begin: [0, 0, 1], end: [0, 0, 5], strides: [1, 1, 2], masks: [0, 0, 0b010, 0b001, 0] },
  { name: 'end past the edge', shape: [3, 6], begin: [0, 2], end: [3, 100], strides: [1, 2] },
  { name: 'empty slice', shape: [3, 6], begin: [0, 4], end: [3, 2], strides: [1, 1] },
];

function sliced(x: tf.Tensor, c: SliceCase): tf.Tensor {
  const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask] = c.masks ?? [0, 0, 0, 0, 0];
  return tf.stridedSlice(x, c.begin, c.end, c.strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
}

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('takenAlong', () => {
  it('counts the elements a slice takes along an axis', () => {
    expect(takenAlong(0, 8, 2)).toBe(4);
    expect(takenAlong(1, 9, 2)).toBe(4);
    expect(takenAlong(0, 10, 3)).toBe(4);
    expect(takenAlong(4, -1, -1)).toBe(5);
    expect(takenAlong(4, 2, 1)).toBe(0);
  });
});

describe('the gradient of tf.stridedSlice on wasm', () => {
  it.each(CASES)('puts dy where the slice took from: $name', (c) => {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const x = tf.randomNormal(c.shape);
    const where = tf.tidy(() => sliced(tf.reshape(tf.range(0, size, 1, 'int32'), c.shape), c));
    const dy = tf.randomNormal(where.shape);
    const expected = new Float32Array(size);
    const at = where.dataSync();
    const values = dy.dataSync();
    for (let k = 0; k < at.length; k++) expected[at[k]] += values[k];
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(sliced(input, c), dy)))(x);
    expect(dx.shape).toEqual(c.shape);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(expected));
    tf.dispose([x, where, dy, dx]);
  });

  it('trains through a subsampling slice, leaving no tensor or wasm buffer behind', () => {
    const x = tf.randomNormal([4, 8, 8, 3]);
    const w = tf.tidy(() => tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4])));
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.stridedSlice(tf.conv2d(x as tf.Tensor4D, w, 1, 'same'), [0, 0, 0, 0], [4, 8, 8, 4], [1, 2, 2, 1]))), [w]);
      expect(grads[w.name].shape).toEqual([3, 3, 3, 4]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    expectNothingLeft(step);
    tf.dispose([x, w]);
  });
});
