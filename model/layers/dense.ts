// Dense: y = activation(x . kernel + bias) on the last axis, the kernel [inputs, units] as Keras lays it.
import type * as tfjs from '@tensorflow/tfjs-core';
import { activate, activationName } from './activations.js';
import { bool, positiveInt, requireInputs } from './config-args.js';
import { initializer } from './initializers.js';
import { LayerError, type LayerKind, type WeightDecl } from './layer-kind.js';

export const dense: LayerKind = {
  className: 'Dense',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    const shape = inputShapes[0];
    if (shape.length < 1) throw new LayerError('needs an input with at least one axis');
    const units = positiveInt(layer.config, 'units');
    const inputs = shape[shape.length - 1];
    activationName(layer.config.activation);
    const weights: WeightDecl[] = [{ name: 'kernel', shape: [inputs, units], init: initializer(layer.config.kernel_initializer, 'glorot'), fanIn: inputs, fanOut: units, role: 'param' }];
    if (bool(layer.config, 'use_bias', true)) weights.push({ name: 'bias', shape: [units], init: 'zeros', fanIn: inputs, fanOut: units, role: 'param' });
    return { outputShape: [...shape.slice(0, -1), units], weights };
  },
  apply(layer, { tf, inputs, weights }) {
    const [x] = inputs;
    const [kernel, bias] = weights;
    let y: tfjs.Tensor;
    if (x.rank === 2) y = tf.matMul(x as tfjs.Tensor2D, kernel as tfjs.Tensor2D);
    else {
      const [inputsPer, units] = kernel.shape;
      y = tf.reshape(tf.matMul(tf.reshape(x, [-1, inputsPer]), kernel as tfjs.Tensor2D), [...x.shape.slice(0, -1), units]);
    }
    if (bias) y = tf.add(y, bias);
    return activate(tf, activationName(layer.config.activation), y);
  },
};
