// Pooling over channels_last images: 2-D max and average windows, and the global average.
import type * as tfjs from '@tensorflow/tfjs-core';
import { bool, channelsLast, imageShape, oneOf, pair, requireInputs, windowOutput } from './config-args.js';
import type { GraphLayer, LayerKind } from './layer-kind.js';

function windowOf(layer: GraphLayer) {
  channelsLast(layer.config);
  const size = pair(layer.config, 'pool_size', [2, 2]);
  // Keras: strides default to the pool size.
  const strides = layer.config.strides === null || layer.config.strides === undefined ? size : pair(layer.config, 'strides');
  return { size, strides, padding: oneOf(layer.config, 'padding', ['same', 'valid'], 'valid') };
}

function pooling(className: string, op: 'maxPool' | 'avgPool'): LayerKind {
  return {
    className,
    build(layer, inputShapes) {
      requireInputs(inputShapes, 1);
      const [h, w, c] = imageShape(inputShapes[0]);
      const { size, strides, padding } = windowOf(layer);
      return { outputShape: [windowOutput(h, size[0], strides[0], padding), windowOutput(w, size[1], strides[1], padding), c], weights: [] };
    },
    apply(layer, { tf, inputs }) {
      const { size, strides, padding } = windowOf(layer);
      return tf[op](inputs[0] as tfjs.Tensor4D, size, strides, padding);
    },
  };
}

export const maxPooling2d = pooling('MaxPooling2D', 'maxPool');
export const averagePooling2d = pooling('AveragePooling2D', 'avgPool');

export const globalAveragePooling2d: LayerKind = {
  className: 'GlobalAveragePooling2D',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    channelsLast(layer.config);
    const [, , c] = imageShape(inputShapes[0]);
    return { outputShape: bool(layer.config, 'keepdims', false) ? [1, 1, c] : [c], weights: [] };
  },
  apply(layer, { tf, inputs }) {
    return tf.mean(inputs[0], [1, 2], bool(layer.config, 'keepdims', false));
  },
};
