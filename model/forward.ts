// The forward pass of the model zoo, functional: every parameter is an explicit tensor, because task t
// runs the backbone with W + S_t, not with weights owned by a layer object.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients, and its own registration module is not loadable from Node's
// ESM; the union package registers them (on the one shared registry) as a side effect.
import '@tensorflow/tfjs';
import type { ModelSpec } from './spec.js';

/** Backbone features [batch, featureSize] of a batch x of shape [batch, ...inputShape]. */
export function backbone(spec: ModelSpec, shared: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const batch = x.shape[0];
  if (spec.arch === 'mlp') {
    let h = tf.reshape(x, [batch, -1]) as tf.Tensor2D;
    for (let i = 0; i < shared.length; i += 2) {
      h = tf.relu(tf.add(tf.matMul(h, shared[i] as tf.Tensor2D), shared[i + 1])) as tf.Tensor2D;
    }
    return h;
  }
  const [c1k, c1b, c2k, c2b, d1k, d1b, d2k, d2b] = shared;
  const [height, width, channels] = spec.inputShape;
  let h = tf.reshape(x, [batch, height, width, channels]) as tf.Tensor4D;
  h = tf.relu(tf.add(tf.conv2d(h, c1k as tf.Tensor4D, 1, 'same'), c1b)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  h = tf.relu(tf.add(tf.conv2d(h, c2k as tf.Tensor4D, 1, 'valid'), c2b)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  let f = tf.reshape(h, [batch, -1]) as tf.Tensor2D;
  f = tf.relu(tf.add(tf.matMul(f, d1k as tf.Tensor2D), d1b)) as tf.Tensor2D;
  return tf.relu(tf.add(tf.matMul(f, d2k as tf.Tensor2D), d2b)) as tf.Tensor2D;
}

/** A task's logits [batch, classes]. */
export function logits(spec: ModelSpec, shared: readonly tf.Tensor[], head: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const features = backbone(spec, shared, x);
  return tf.add(tf.matMul(features, head[0] as tf.Tensor2D), head[1]) as tf.Tensor2D;
}

/** Mean softmax cross-entropy of integer labels. */
export function crossEntropy(logitsBatch: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Scalar {
  const oneHot = tf.oneHot(labels, classes);
  return tf.losses.softmaxCrossEntropy(oneHot, logitsBatch) as tf.Scalar;
}
