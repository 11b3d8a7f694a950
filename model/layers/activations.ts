// Keras' activation functions by the names Keras and TF.js write in a layer's `activation`, as
// tfjs-core ops (each differentiable there), so a layer's activation argument and the Activation layer
// share one table.
import type * as tfjs from '@tensorflow/tfjs-core';
import { LayerError, type TensorOps } from './layer-kind.js';

type Activation = (tf: TensorOps, x: tfjs.Tensor) => tfjs.Tensor;

const ACTIVATIONS: Record<string, Activation> = {
  linear: (_tf, x) => x,
  relu: (tf, x) => tf.relu(x),
  relu6: (tf, x) => tf.relu6(x),
  elu: (tf, x) => tf.elu(x),
  selu: (tf, x) => tf.selu(x),
  sigmoid: (tf, x) => tf.sigmoid(x),
  tanh: (tf, x) => tf.tanh(x),
  softmax: (tf, x) => tf.softmax(x),
  // Keras' swish and silu are one function, x * sigmoid(x).
  swish: (tf, x) => tf.mul(x, tf.sigmoid(x)),
  // Keras' default gelu is the exact one, x * Phi(x), with Phi from erf.
  gelu: (tf, x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  softplus: (tf, x) => tf.softplus(x),
  leaky_relu: (tf, x) => tf.leakyRelu(x, 0.2),
};

const ALIASES: Record<string, string> = { silu: 'swish', leakyrelu: 'leaky_relu', leakyRelu: 'leaky_relu' };

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS);

/** The activation's canonical name: strings as Keras 2 writes them, Keras 3 objects, or null (linear). */
export function activationName(value: unknown): string {
  let name: unknown = value ?? 'linear';
  if (typeof name === 'object' && name !== null && 'class_name' in name) name = (name as { class_name: unknown }).class_name;
  if (typeof name !== 'string') throw new LayerError(`activation ${JSON.stringify(value)} is not supported; use one of ${ACTIVATION_NAMES.join(', ')}`);
  const canonical = ALIASES[name] ?? name;
  if (!Object.hasOwn(ACTIVATIONS, canonical)) throw new LayerError(`activation "${name}" is not supported; use one of ${ACTIVATION_NAMES.join(', ')}`);
  return canonical;
}

export function activate(tf: TensorOps, name: string, x: tfjs.Tensor): tfjs.Tensor {
  return ACTIVATIONS[name](tf, x);
}
