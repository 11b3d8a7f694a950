// The forward pass of the model zoo, functional: every parameter is an explicit tensor, because task t
// runs the backbone with W + S_t, not with weights owned by a layer object. The backbones themselves
// are in model/architectures/, which take tfjs from here so that loading them loads no tensor library.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients, and its own registration module is not loadable from Node's
// ESM; the union package registers them (on the one shared registry) as a side effect.
import '@tensorflow/tfjs';
import { architecture } from './architectures/index.js';
import type { ModelSpec } from './spec.js';

/** Backbone features [batch, featureSize] of a batch x of shape [batch, ...inputShape]. */
export function backbone(spec: ModelSpec, shared: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  return architecture(spec.arch).backbone(tf, spec, shared, x);
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
