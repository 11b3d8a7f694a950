// The input layer and the layers without weights that act element-wise: Activation and Dropout.
import { activate, activationName } from './activations.js';
import { number, requireInputs } from './config-args.js';
import { LayerError, type LayerKind } from './layer-kind.js';

/** One example's shape from an input layer's config: Keras 2 batch_input_shape, Keras 3 batch_shape, or
 *  input_shape / shape without the batch. */
export function declaredInputShape(config: Record<string, unknown>): number[] | null {
  const withBatch = config.batch_input_shape ?? config.batch_shape;
  const raw = Array.isArray(withBatch) ? withBatch.slice(1) : (config.input_shape ?? config.shape);
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length < 1 || !raw.every((n) => Number.isInteger(n) && (n as number) >= 1)) {
    throw new LayerError(`the input shape ${JSON.stringify(raw)} must be a list of positive integers (no unknown sizes besides the batch)`);
  }
  return raw as number[];
}

export const inputLayer: LayerKind = {
  className: 'InputLayer',
  build(layer) {
    const shape = declaredInputShape(layer.config);
    if (!shape) throw new LayerError('declares no input shape (batch_input_shape or batch_shape)');
    return { outputShape: shape, weights: [] };
  },
  apply(_layer, { inputs }) {
    return inputs[0];
  },
};

export const activation: LayerKind = {
  className: 'Activation',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    activationName(layer.config.activation);
    return { outputShape: [...inputShapes[0]], weights: [] };
  },
  apply(layer, { tf, inputs }) {
    return activate(tf, activationName(layer.config.activation), inputs[0]);
  },
};

function rateOf(config: Record<string, unknown>): number {
  return number(config, 'rate', 0.5, (v) => v >= 0 && v < 1, 'in [0, 1)');
}

export const dropout: LayerKind = {
  className: 'Dropout',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    rateOf(layer.config);
    if (layer.config.noise_shape !== undefined && layer.config.noise_shape !== null) throw new LayerError('noise_shape is not supported');
    return { outputShape: [...inputShapes[0]], weights: [] };
  },
  apply(layer, { tf, inputs, training, seed }) {
    const rate = rateOf(layer.config);
    return training && rate > 0 ? tf.dropout(inputs[0], rate, undefined, seed) : inputs[0];
  },
};

export const softmax: LayerKind = {
  className: 'Softmax',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    const axis = layer.config.axis ?? -1;
    if (axis !== -1 && axis !== inputShapes[0].length) throw new LayerError(`axis ${JSON.stringify(axis)} is not supported; use -1`);
    return { outputShape: [...inputShapes[0]], weights: [] };
  },
  apply(_layer, { tf, inputs }) {
    return tf.softmax(inputs[0]);
  },
};
