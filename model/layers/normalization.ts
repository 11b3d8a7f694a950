// BatchNormalization over the last axis. gamma and beta are parameters like any other (shared W plus
// the task's sparse S_t); the moving mean and variance are statistics of the data each task sees, so
// they are per task (role 'stat'), updated in training from the batch, never by a gradient.
import type * as tfjs from '@tensorflow/tfjs-core';
import { bool, number, requireInputs } from './config-args.js';
import { LayerError, type GraphLayer, type LayerKind, type WeightDecl } from './layer-kind.js';

function settings(layer: GraphLayer, rank: number) {
  const axis = layer.config.axis ?? -1;
  const last: unknown = Array.isArray(axis) && axis.length === 1 ? (axis as unknown[])[0] : axis;
  // Keras writes the axis counting the batch: -1 and rank (the last of rank + 1 axes) are the channels.
  if (last !== -1 && last !== rank) throw new LayerError(`axis ${JSON.stringify(axis)} is not supported; hybrid normalises the last axis (channels_last)`);
  if (layer.config.renorm === true) throw new LayerError('renorm is not supported');
  return {
    epsilon: number(layer.config, 'epsilon', 1e-3, (v) => v > 0, 'a positive number'),
    momentum: number(layer.config, 'momentum', 0.99, (v) => v >= 0 && v < 1, 'in [0, 1)'),
    center: bool(layer.config, 'center', true),
    scale: bool(layer.config, 'scale', true),
  };
}

export const batchNormalization: LayerKind = {
  className: 'BatchNormalization',
  build(layer, inputShapes) {
    requireInputs(inputShapes, 1);
    const shape = inputShapes[0];
    if (shape.length < 1) throw new LayerError('needs an input with at least one axis');
    const { center, scale } = settings(layer, shape.length);
    const c = shape[shape.length - 1];
    const decl = (name: string, init: 'zeros' | 'ones', role: 'param' | 'stat'): WeightDecl => ({ name, shape: [c], init, fanIn: c, fanOut: c, role });
    const weights = [
      ...(scale ? [decl('gamma', 'ones', 'param')] : []),
      ...(center ? [decl('beta', 'zeros', 'param')] : []),
      decl('moving_mean', 'zeros', 'stat'),
      decl('moving_variance', 'ones', 'stat'),
    ];
    return { outputShape: [...shape], weights };
  },
  apply(layer, call) {
    const { tf, inputs, weights, training } = call;
    const [x] = inputs;
    const { epsilon, momentum, center, scale } = settings(layer, x.rank - 1);
    let i = 0;
    const gamma = scale ? weights[i++] : undefined;
    const beta = center ? weights[i++] : undefined;
    const [movingMean, movingVariance] = [weights[i], weights[i + 1]];
    let mean: tfjs.Tensor = movingMean;
    let variance: tfjs.Tensor = movingVariance;
    if (training) {
      const axes = Array.from({ length: x.rank - 1 }, (_, k) => k);
      // Keras 3 normalises with the biased batch variance and moves the statistics by it. The new
      // statistics are not part of the loss, so no gradient flows through them.
      ({ mean, variance } = tf.moments(x, axes));
      call.updateStats([tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)), tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum))]);
    }
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    return y;
  },
};
