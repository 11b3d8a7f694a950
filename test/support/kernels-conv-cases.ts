// Convolution shapes shared by the kernels-conv-*.test.ts files: lenet5's (batch 64 and 128) and a
// spread of strides and paddings.
import * as tf from '@tensorflow/tfjs-core';

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

export const LENET5: ConvCase[] = [
  { name: 'lenet5 conv1, batch 64', x: [64, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'same' },
  { name: 'lenet5 conv1, batch 128', x: [128, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'same' },
  { name: 'lenet5 conv2, batch 64', x: [64, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { name: 'lenet5 conv2, batch 128', x: [128, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
];

export const VARIED: ConvCase[] = [
  { name: 'stride 2, same, odd size', x: [3, 15, 15, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'stride 2, valid, rows left over', x: [3, 16, 16, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: 'stride 2, same, even size', x: [2, 8, 10, 2], filter: [4, 4, 2, 3], strides: 2, pad: 'same' },
  { name: 'numeric padding 1, stride 1', x: [2, 9, 9, 2], filter: [3, 3, 2, 5], strides: 1, pad: 1 },
  { name: 'numeric padding 2, stride 2', x: [2, 11, 11, 3], filter: [5, 5, 3, 2], strides: 2, pad: 2 },
  {
    name: 'explicit asymmetric padding, strides [2, 1], non-square filter',
    x: [3, 9, 11, 2],
    filter: [3, 2, 2, 3],
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: 'stride 1, valid, 1x1 filter', x: [4, 6, 6, 3], filter: [1, 1, 3, 7], strides: 1, pad: 'valid' },
  // Large enough that the filter gradient takes its depthwise form, with a stride (dilated filter).
  { name: 'stride 2, same, depthwise form', x: [220, 17, 17, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'same' },
];

export function outputShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  return info.outShape;
}
