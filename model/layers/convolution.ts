// The 2-D convolutions on channels_last images: Conv2D, DepthwiseConv2D and SeparableConv2D (a
// depthwise then a 1 x 1 pointwise convolution), with Keras' kernel layouts.
import type * as tfjs from '@tensorflow/tfjs-core';
import { activate, activationName } from './activations.js';
import { bool, channelsLast, imageShape, oneOf, pair, positiveInt, requireInputs, windowOutput } from './config-args.js';
import { initializer } from './initializers.js';
import { LayerError, type GraphLayer, type LayerKind, type WeightDecl } from './layer-kind.js';

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: 'same' | 'valid';
}

function windowOf(layer: GraphLayer): Window {
  channelsLast(layer.config);
  const kernel = pair(layer.config, 'kernel_size');
  const strides = pair(layer.config, 'strides', [1, 1]);
  const dilation = pair(layer.config, 'dilation_rate', [1, 1]);
  // TensorFlow (and tfjs) refuse strides and dilation above 1 together.
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) throw new LayerError('strides and dilation_rate cannot both exceed 1');
  return { kernel, strides, dilation, padding: oneOf(layer.config, 'padding', ['same', 'valid'], 'valid') };
}

function outputSize(w: Window, height: number, width: number): [number, number] {
  return [windowOutput(height, w.kernel[0], w.strides[0], w.padding, w.dilation[0]), windowOutput(width, w.kernel[1], w.strides[1], w.padding, w.dilation[1])];
}

function bias(layer: GraphLayer, units: number, fanIn: number, fanOut: number): WeightDecl[] {
  return bool(layer.config, 'use_bias', true) ? [{ name: 'bias', shape: [units], init: 'zeros', fanIn, fanOut, role: 'param' }] : [];
}

/** The kernel with dilation - 1 zeros between its taps, so that a convolution with it and dilation 1 is
 *  the dilated convolution, 'same' padding included (TensorFlow pads for the dilated span). tfjs-core has
 *  no gradient for dilated convolutions (Conv2D_grad and DepthwiseConv2dNative_grad refuse dilations
 *  above 1), while pad, reshape and slice have theirs: the layers convolve with this kernel to train. */
function dilatedKernel(tf: typeof tfjs, kernel: tfjs.Tensor4D, [dh, dw]: [number, number]): tfjs.Tensor4D {
  if (dh === 1 && dw === 1) return kernel;
  const [kh, kw, cin, cout] = kernel.shape;
  // Rows: [kh, 1, rest] padded to [kh, dh, rest], read as kh * dh rows, the trailing dh - 1 cut.
  let k = tf.pad(tf.reshape(kernel, [kh, 1, kw * cin * cout]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
  ]);
  const rows = (kh - 1) * dh + 1;
  k = tf.slice(tf.reshape(k, [kh * dh, kw, cin, cout]), [0, 0, 0, 0], [rows, kw, cin, cout]);
  // Columns, the same way.
  k = tf.pad(tf.reshape(k, [rows, kw, 1, cin * cout]), [
    [0, 0],
    [0, 0],
    [0, dw - 1],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(k, [rows, kw * dw, cin, cout]), [0, 0, 0, 0], [rows, (kw - 1) * dw + 1, cin, cout]) as tfjs.Tensor4D;
}

function finish(tf: typeof tfjs, layer: GraphLayer, y: tfjs.Tensor, b: tfjs.Tensor | undefined): tfjs.Tensor {
  return activate(tf, activationName(layer.config.activation), b ? tf.add(y, b) : y);
}

/** What every convolution checks first: one image input, its window and activation. */
function convolutionInput(layer: GraphLayer, inputShapes: number[][]) {
  requireInputs(inputShapes, 1);
  const [h, w, cin] = imageShape(inputShapes[0]);
  const win = windowOf(layer);
  activationName(layer.config.activation);
  const [kh, kw] = win.kernel;
  return { h, w, cin, win, kh, kw };
}

/** The depthwise kernel [kh, kw, cin, multiplier] of DepthwiseConv2D and SeparableConv2D. */
function depthwiseKernel(layer: GraphLayer, kh: number, kw: number, cin: number, multiplier: number): WeightDecl {
  const init = initializer(layer.config.depthwise_initializer, 'glorot', 'depthwise_initializer');
  return { name: 'depthwise_kernel', shape: [kh, kw, cin, multiplier], init, fanIn: kh * kw * cin, fanOut: kh * kw * multiplier, role: 'param' };
}

export const conv2d: LayerKind = {
  className: 'Conv2D',
  build(layer, inputShapes) {
    const { h, w, cin, win, kh, kw } = convolutionInput(layer, inputShapes);
    if ((layer.config.groups ?? 1) !== 1) throw new LayerError(`groups ${JSON.stringify(layer.config.groups)} is not supported; use 1`);
    const filters = positiveInt(layer.config, 'filters');
    const fanIn = kh * kw * cin;
    const fanOut = kh * kw * filters;
    const weights: WeightDecl[] = [
      { name: 'kernel', shape: [kh, kw, cin, filters], init: initializer(layer.config.kernel_initializer, 'glorot'), fanIn, fanOut, role: 'param' },
      ...bias(layer, filters, fanIn, fanOut),
    ];
    return { outputShape: [...outputSize(win, h, w), filters], weights };
  },
  apply(layer, { tf, inputs, weights }) {
    const win = windowOf(layer);
    const y = tf.conv2d(inputs[0] as tfjs.Tensor4D, dilatedKernel(tf, weights[0] as tfjs.Tensor4D, win.dilation), win.strides, win.padding);
    return finish(tf, layer, y, weights[1]);
  },
};

export const depthwiseConv2d: LayerKind = {
  className: 'DepthwiseConv2D',
  build(layer, inputShapes) {
    const { h, w, cin, win, kh, kw } = convolutionInput(layer, inputShapes);
    const multiplier = positiveInt(layer.config, 'depth_multiplier', 1);
    const weights = [depthwiseKernel(layer, kh, kw, cin, multiplier), ...bias(layer, cin * multiplier, kh * kw * cin, kh * kw * multiplier)];
    return { outputShape: [...outputSize(win, h, w), cin * multiplier], weights };
  },
  apply(layer, { tf, inputs, weights }) {
    const win = windowOf(layer);
    const y = tf.depthwiseConv2d(inputs[0] as tfjs.Tensor4D, dilatedKernel(tf, weights[0] as tfjs.Tensor4D, win.dilation), win.strides, win.padding);
    return finish(tf, layer, y, weights[1]);
  },
};

export const separableConv2d: LayerKind = {
  className: 'SeparableConv2D',
  build(layer, inputShapes) {
    const { h, w, cin, win, kh, kw } = convolutionInput(layer, inputShapes);
    const multiplier = positiveInt(layer.config, 'depth_multiplier', 1);
    const filters = positiveInt(layer.config, 'filters');
    const mid = cin * multiplier;
    const weights: WeightDecl[] = [
      depthwiseKernel(layer, kh, kw, cin, multiplier),
      {
        name: 'pointwise_kernel',
        shape: [1, 1, mid, filters],
        init: initializer(layer.config.pointwise_initializer, 'glorot', 'pointwise_initializer'),
        fanIn: mid,
        fanOut: filters,
        role: 'param',
      },
      ...bias(layer, filters, mid, filters),
    ];
    return { outputShape: [...outputSize(win, h, w), filters], weights };
  },
  apply(layer, { tf, inputs, weights }) {
    const win = windowOf(layer);
    const depthwise = tf.depthwiseConv2d(inputs[0] as tfjs.Tensor4D, dilatedKernel(tf, weights[0] as tfjs.Tensor4D, win.dilation), win.strides, win.padding);
    const y = tf.conv2d(depthwise, weights[1] as tfjs.Tensor4D, 1, 'valid');
    return finish(tf, layer, y, weights[2]);
  },
};
