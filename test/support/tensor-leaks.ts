// The leak check the kernel tests share: after one warm-up call (kernels may set up buffers they keep),
// more calls of `step` leave the count of tensors and of the backend's buffers as it was.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export function expectNothingLeft(step: () => void, repeats = 5): void {
  step();
  const tensors = tf.memory().numTensors;
  const buffers = tf.backend().numDataIds();
  for (let i = 0; i < repeats; i++) step();
  expect(tf.memory().numTensors, 'tensors').toBe(tensors);
  expect(tf.backend().numDataIds(), 'backend buffers').toBe(buffers);
}
