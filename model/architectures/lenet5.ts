// LeNet-5 for images [height, width, channels]: two ReLU 5 x 5 convolutions ('same', then 'valid'),
// each followed by 2 x 2 max pooling, then two ReLU dense layers.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { Architecture, ArchitectureConfig } from './architecture.js';
import { conv2dLayer, denseLayer, flattenLayer, maxPoolLayer } from './keras-layers.js';
import { conv, dense } from './tensor-specs.js';

const LENET5 = { conv1: 6, conv2: 16, kernel: 5, dense1: 120, dense2: 84 } as const;

/** Spatial size after conv1 ('same'), pool, conv2 ('valid'), pool. */
function featureMap(height: number, width: number): [number, number] {
  const k = LENET5.kernel;
  const h = Math.floor((Math.floor(height / 2) - k + 1) / 2);
  const w = Math.floor((Math.floor(width / 2) - k + 1) / 2);
  return [h, w];
}

export const lenet5: Architecture<ArchitectureConfig<'lenet5'>> = {
  name: 'lenet5',

  spec(_model, inputShape) {
    if (inputShape.length !== 3) {
      throw new Error(`lenet5 needs images (height x width x channels); the tasks' inputs have shape [${inputShape.join(', ')}]`);
    }
    const [height, width, channels] = inputShape;
    const [fh, fw] = featureMap(height, width);
    if (fh < 1 || fw < 1) throw new Error(`lenet5 needs images of at least 12 x 12 pixels, not ${height} x ${width}`);
    const flat = fh * fw * LENET5.conv2;
    const shared = [
      ...conv('conv1', LENET5.kernel, channels, LENET5.conv1),
      ...conv('conv2', LENET5.kernel, LENET5.conv1, LENET5.conv2),
      ...dense('dense1', flat, LENET5.dense1),
      ...dense('dense2', LENET5.dense1, LENET5.dense2),
    ];
    return { arch: 'lenet5', inputShape: [...inputShape], hidden: [], shared, featureSize: LENET5.dense2 };
  },

  config() {
    return { arch: 'lenet5' };
  },

  activations(spec) {
    const [height, width, channels] = spec.inputShape;
    const k = LENET5.kernel;
    const [ph, pw] = [Math.floor(height / 2), Math.floor(width / 2)];
    const [fh, fw] = featureMap(height, width);
    return [
      height * width * channels,
      height * width * LENET5.conv1, // conv1 ('same')
      ph * pw * LENET5.conv1, // pool1
      (ph - k + 1) * (pw - k + 1) * LENET5.conv2, // conv2 ('valid')
      fh * fw * LENET5.conv2, // pool2, flattened
      LENET5.dense1,
      LENET5.dense2,
    ];
  },

  backbone(tf, spec, shared, x) {
    const batch = x.shape[0];
    const [c1k, c1b, c2k, c2b, d1k, d1b, d2k, d2b] = shared;
    const [height, width, channels] = spec.inputShape;
    let h = tf.reshape(x, [batch, height, width, channels]) as tfjs.Tensor4D;
    h = tf.relu(tf.add(tf.conv2d(h, c1k as tfjs.Tensor4D, 1, 'same'), c1b)) as tfjs.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h, c2k as tfjs.Tensor4D, 1, 'valid'), c2b)) as tfjs.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    let f = tf.reshape(h, [batch, -1]) as tfjs.Tensor2D;
    f = tf.relu(tf.add(tf.matMul(f, d1k as tfjs.Tensor2D), d1b)) as tfjs.Tensor2D;
    return tf.relu(tf.add(tf.matMul(f, d2k as tfjs.Tensor2D), d2b)) as tfjs.Tensor2D;
  },

  kerasLayers() {
    return [
      conv2dLayer('conv1', LENET5.conv1, LENET5.kernel, 'same'),
      maxPoolLayer('pool1'),
      conv2dLayer('conv2', LENET5.conv2, LENET5.kernel, 'valid'),
      maxPoolLayer('pool2'),
      flattenLayer(),
      denseLayer('dense1', LENET5.dense1, 'relu'),
      denseLayer('dense2', LENET5.dense2, 'relu'),
    ];
  },
};
