// The multilayer perceptron: the example flattened, then one ReLU dense layer per size in the config's
// `hidden`.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { TensorSpec } from '../spec.js';
import type { Architecture, ArchitectureConfig } from './architecture.js';
import { denseLayer, flattenLayer, type KerasLayerConfig } from './keras-layers.js';
import { dense } from './tensor-specs.js';

export const mlp: Architecture<ArchitectureConfig<'mlp'>> = {
  name: 'mlp',

  spec(model, inputShape) {
    const inputSize = inputShape.reduce((a, b) => a * b, 1);
    const shared: TensorSpec[] = [];
    let width = inputSize;
    model.hidden.forEach((h, i) => {
      shared.push(...dense(`dense${i}`, width, h));
      width = h;
    });
    return { arch: 'mlp', inputShape: [...inputShape], hidden: [...model.hidden], shared, featureSize: width };
  },

  config(spec) {
    return { arch: 'mlp', hidden: spec.hidden };
  },

  activations(spec) {
    return [spec.inputShape.reduce((a, b) => a * b, 1), ...spec.hidden];
  },

  backbone(tf, spec, shared, x) {
    const batch = x.shape[0];
    let h = tf.reshape(x, [batch, -1]) as tfjs.Tensor2D;
    for (let i = 0; i < shared.length; i += 2) {
      h = tf.relu(tf.add(tf.matMul(h, shared[i] as tfjs.Tensor2D), shared[i + 1])) as tfjs.Tensor2D;
    }
    return h;
  },

  kerasLayers(spec) {
    const out: KerasLayerConfig[] = [];
    // backbone() reshapes to [batch, -1]; Flatten does the same (row-major) for inputs of rank > 1.
    if (spec.inputShape.length > 1) out.push(flattenLayer());
    spec.hidden.forEach((units, i) => out.push(denseLayer(`dense${i}`, units, 'relu')));
    return out;
  },
};
