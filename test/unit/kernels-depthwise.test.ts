// The wasm DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput kernels (tfjs 4.22
// has neither on wasm) against tfjs' cpu backend on fresh random inputs: strides 1 and 2, 'same' /
// 'valid' / numeric / explicit padding, odd and even sizes, channel multipliers 1 to 12, channel counts
// that take the SIMD loops (multiples of 4, one pass or several) and those that take the XNNPACK forms;
// then tf.grads through tf.depthwiseConv2d, and repeated steps leaving no tensor or wasm buffer behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsRead } from '../../model/kernels/depthwise-conv2d-backprop-input.js';
import { columnRange, depthwiseFilterGradLoop } from '../../model/kernels/depthwise-filter-loop.js';
import { isWasmTrainingKernelRegistered } from '../../model/kernels/index.js';
import { backendMemory } from '../../model/kernels/wasm-loops.js';
import { compareWithCpu, relativeError, useWasmWithKernels } from '../support/kernels-reference.js';
import { expectNothingLeft } from '../support/tensor-leaks.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface DepthwiseCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CASES: DepthwiseCase[] = [
  { name: '3x3 stride 1 same, 16 channels', x: [8, 16, 16, 16], filter: [3, 3, 16, 1], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 same, even size', x: [8, 16, 16, 16], filter: [3, 3, 16, 1], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 same, odd size', x: [8, 15, 15, 8], filter: [3, 3, 8, 1], strides: 2, pad: 'same' },
  { name: '3x3 stride 1 valid', x: [8, 12, 12, 8], filter: [3, 3, 8, 1], strides: 1, pad: 'valid' },
  { name: '3x3 stride 2 valid, a row left over', x: [8, 16, 16, 8], filter: [3, 3, 8, 1], strides: 2, pad: 'valid' },
  { name: 'multiplier 2, stride 1 same', x: [8, 12, 12, 8], filter: [3, 3, 8, 2], strides: 1, pad: 'same' },
  { name: 'multiplier 2, stride 2 same, odd size', x: [4, 15, 15, 8], filter: [3, 3, 8, 2], strides: 2, pad: 'same' },
  { name: '5x5 stride 1 same, 28x28', x: [4, 28, 28, 8], filter: [5, 5, 8, 1], strides: 1, pad: 'same' },
  { name: '40 channels (two passes of the loop), stride 2 same', x: [4, 10, 10, 40], filter: [3, 3, 40, 1], strides: 2, pad: 'same' },
  { name: '3 channels (the XNNPACK form), stride 2 same', x: [4, 15, 15, 3], filter: [3, 3, 3, 1], strides: 2, pad: 'same' },
  { name: '6 channels, multiplier 2 (the XNNPACK form), valid', x: [4, 11, 11, 6], filter: [3, 3, 6, 2], strides: 1, pad: 'valid' },
  { name: 'non-square filter, strides [2, 1]', x: [4, 11, 9, 4], filter: [3, 2, 4, 1], strides: [2, 1], pad: 'same' },
  { name: 'numeric padding 1, stride 2', x: [4, 9, 9, 4], filter: [3, 3, 4, 1], strides: 2, pad: 1 },
  {
    name: 'explicit asymmetric padding',
    x: [3, 9, 10, 4],
    filter: [3, 3, 4, 1],
    strides: 1,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  { name: 'padding wider than the filter', x: [2, 6, 6, 4], filter: [2, 2, 4, 1], strides: 1, pad: 3 },
  { name: 'padding wider than the filter, stride 2, multiplier 3', x: [2, 7, 7, 4], filter: [2, 2, 4, 3], strides: 2, pad: 3 },
  { name: 'multiplier 12 (fewer channels per pass)', x: [2, 6, 6, 12], filter: [3, 3, 12, 12], strides: 2, pad: 'same' },
];

function outShape(c: DepthwiseCase): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, true).outShape;
}

beforeAll(async () => {
  await useWasmWithKernels();
});

describe('bounds', () => {
  it('columnRange keeps the output columns whose tap lies inside the image', () => {
    const sizes = { inHeight: 5, inWidth: 5, outHeight: 3, outWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, filterHeight: 3, filterWidth: 3 };
    const p = { ...sizes, xPixel: 4, dyPixel: 4, channels: 4, tapStride: 4 };
    // Output column ow reads input column 2*ow + kw - 1.
    expect(columnRange(p, 0)).toEqual([1, 3]);
    expect(columnRange(p, 1)).toEqual([0, 3]);
    expect(columnRange(p, 2)).toEqual([0, 2]);
    expect(columnRange({ ...p, inWidth: 1, outWidth: 1, padLeft: 0 }, 2)).toEqual([0, 0]);
  });

  it('the SIMD loop assembles on this host for multiples of 4 channels, and refuses the rest', () => {
    const memory = backendMemory(tf.backend());
    expect(memory).not.toBeNull();
    const sizes = { inHeight: 8, inWidth: 8, outHeight: 4, outWidth: 4, strideHeight: 2, strideWidth: 2, padTop: 0, padLeft: 0, filterHeight: 3, filterWidth: 3 };
    expect(depthwiseFilterGradLoop(memory!, { ...sizes, xPixel: 32, dyPixel: 32, channels: 32, tapStride: 32 })).not.toBeNull();
    expect(depthwiseFilterGradLoop(memory!, { ...sizes, xPixel: 6, dyPixel: 6, channels: 6, tapStride: 6 })).toBeNull();
    expect(depthwiseFilterGradLoop(memory!, { ...sizes, xPixel: 36, dyPixel: 36, channels: 36, tapStride: 36 })).toBeNull();
  });

  it('rowsRead pads or cuts the spread dy so the correlation gives the input size', () => {
    // 'same' 3x3 stride 1 on 5 rows: pad 1 each side.
    expect(rowsRead(5, 5, 3, 1)).toEqual({ begin: 0, end: 5, before: 1, after: 1 });
    // Padding 3 with a 2-tap filter: the first two spread rows touch no input row.
    expect(rowsRead(9, 6, 2, 3)).toEqual({ begin: 2, end: 9, before: 0, after: 0 });
  });
});

describe('wasm depthwise convolution gradients', () => {
  it('are this project’s kernels (tfjs 4.22 has none on wasm)', () => {
    expect(isWasmTrainingKernelRegistered('DepthwiseConv2dNativeBackpropFilter')).toBe(true);
    expect(isWasmTrainingKernelRegistered('DepthwiseConv2dNativeBackpropInput')).toBe(true);
  });

  it.each(CASES)('DepthwiseConv2dNativeBackpropFilter matches the cpu backend: $name', async (c) => {
    const x = tf.randomNormal(c.x);
    const dy = tf.randomNormal(outShape(c));
    const result = await compareWithCpu('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dilations: 1, filterShape: c.filter });
    tf.dispose([x, dy]);
    expect(result.wasmShape).toEqual(c.filter);
    expect(result.error).toBeLessThan(1e-5);
  });

  it.each(CASES)('DepthwiseConv2dNativeBackpropInput matches the cpu backend: $name', async (c) => {
    const dy = tf.randomNormal(outShape(c));
    const filter = tf.randomNormal(c.filter);
    const result = await compareWithCpu('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { strides: c.strides, pad: c.pad, dilations: 1, inputShape: c.x });
    tf.dispose([dy, filter]);
    expect(result.wasmShape).toEqual(c.x);
    expect(result.error).toBeLessThan(1e-5);
  });

  it('refuses dilations other than 1 (as tfjs-core’s gradient does)', () => {
    const x = tf.randomNormal([1, 8, 8, 4]);
    const dy = tf.randomNormal([1, 8, 8, 4]);
    const attrs = { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 4, 1] } as unknown as tf.NamedAttrMap;
    expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs)).toThrow(/dilations \[2\] are not supported/);
    tf.dispose([x, dy]);
  });

  it('refuses a dy that does not fit x and the filter', () => {
    const x = tf.randomNormal([2, 8, 8, 4]);
    const dy = tf.randomNormal([2, 7, 7, 4]);
    const attrs = { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 4, 1] } as unknown as tf.NamedAttrMap;
    expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs)).toThrow(/dy has shape \[2,7,7,4\].*\[2,8,8,4\]/);
    tf.dispose([x, dy]);
  });
});

describe('training through tf.depthwiseConv2d on wasm', () => {
  /** Gradients of sum(depthwiseConv2d(relu(conv(x)))) * u) with respect to both filters and x. */
  function gradients(x: Float32Array, w1: Float32Array, w2: Float32Array, u: Float32Array): Float32Array[] {
    return tf.tidy(() => {
      const xs = [tf.tensor4d(x, [4, 14, 14, 8]), tf.tensor4d(w1, [3, 3, 8, 2]), tf.tensor4d(w2, [3, 3, 16, 1])];
      const upstream = tf.tensor4d(u, [4, 7, 7, 16]);
      const g = tf.grads((input: tf.Tensor, f1: tf.Tensor, f2: tf.Tensor) => {
        const h = tf.relu(tf.depthwiseConv2d(input as tf.Tensor4D, f1 as tf.Tensor4D, 1, 'same'));
        return tf.sum(tf.mul(tf.depthwiseConv2d(h as tf.Tensor4D, f2 as tf.Tensor4D, 2, 'same'), upstream));
      });
      return g(xs).map((t) => t.dataSync() as Float32Array);
    });
  }

  it('tf.grads matches the cpu backend', async () => {
    const data = tf.tidy(() =>
      [
        [4, 14, 14, 8],
        [3, 3, 8, 2],
        [3, 3, 16, 1],
        [4, 7, 7, 16],
      ].map((s) => tf.randomNormal(s).dataSync() as Float32Array),
    );
    await tf.setBackend('wasm');
    const onWasm = gradients(data[0], data[1], data[2], data[3]);
    await tf.setBackend('cpu');
    const onCpu = gradients(data[0], data[1], data[2], data[3]);
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => expect(relativeError(g, onCpu[i]), `gradient ${i}`).toBeLessThan(1e-4));
  });

  it('repeated steps leave no tensor or wasm buffer behind', () => {
    const x = tf.randomNormal([4, 14, 14, 8]);
    const [w1, w2] = tf.tidy(() => [tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 8, 2])), tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 16, 1]))]);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.depthwiseConv2d(tf.relu(tf.depthwiseConv2d(x as tf.Tensor4D, w1, 1, 'same')), w2, 2, 'same'))), [w1, w2]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    expectNothingLeft(step);
    tf.dispose([x, w1, w2]);
  });
});
