// bench:step's reference forward (bench/step.ts): the hand-written functional forwards of the MLP and
// LeNet-5 that model/architectures/ held before every model became a layer graph run by model/forward.ts.
// They take the very tensors the graph takes (spec.shared order, then the head), so the bench can time
// both paths on the same weights, step by step, and the tests can check they compute the same logits.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../model/spec.js';

/** The models with a hand-written reference forward. */
export const REFERENCE_MODELS = ['mlp', 'lenet5'] as const;
export type ReferenceModel = (typeof REFERENCE_MODELS)[number];

export function hasReference(model: string): model is ReferenceModel {
  return (REFERENCE_MODELS as readonly string[]).includes(model);
}

/** The MLP's backbone: the example flattened, then ReLU(h . kernel + bias) per (kernel, bias) pair. */
function mlpBackbone(shared: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const batch = x.shape[0];
  let h = tf.reshape<tf.Rank.R2>(x, [batch, -1]);
  for (let i = 0; i < shared.length; i += 2) {
    h = tf.relu(tf.add(tf.matMul(h, shared[i] as tf.Tensor2D), shared[i + 1])) as tf.Tensor2D;
  }
  return h;
}

/** LeNet-5's backbone: two ReLU 5 x 5 convolutions ('same', then 'valid'), each followed by 2 x 2 max
 *  pooling, then two ReLU dense layers. */
function lenet5Backbone(spec: ModelSpec, shared: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const batch = x.shape[0];
  const [c1k, c1b, c2k, c2b, d1k, d1b, d2k, d2b] = shared;
  const [height, width, channels] = spec.inputShape;
  let h = tf.reshape<tf.Rank.R4>(x, [batch, height, width, channels]);
  h = tf.relu(tf.add(tf.conv2d(h, c1k as tf.Tensor4D, 1, 'same'), c1b)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  h = tf.relu(tf.add(tf.conv2d(h, c2k as tf.Tensor4D, 1, 'valid'), c2b)) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'valid');
  let f = tf.reshape<tf.Rank.R2>(h, [batch, -1]);
  f = tf.relu(tf.add(tf.matMul(f, d1k as tf.Tensor2D), d1b)) as tf.Tensor2D;
  return tf.relu(tf.add(tf.matMul(f, d2k as tf.Tensor2D), d2b)) as tf.Tensor2D;
}

/**
 * A task's logits [batch, classes] by the hand-written forward of `model` (the old model/forward.ts:
 * backbone, then features . head kernel + head bias). `shared` in spec.shared order, `head` in headSpec
 * order, as model/forward.ts takes them. (Training needs the gradients model/forward.ts registers.)
 */
export function referenceLogits(model: ReferenceModel, spec: ModelSpec, shared: readonly tf.Tensor[], head: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
  const features = model === 'mlp' ? mlpBackbone(shared, x) : lenet5Backbone(spec, shared, x);
  return tf.add<tf.Tensor2D>(tf.matMul(features, head[0]), head[1]);
}
