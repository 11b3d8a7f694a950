// A model's held-out accuracy and loss on a split, in batches that each free their tensors.
import * as tf from '@tensorflow/tfjs-core';
import { readExamples } from '../data/batches.js';
import type { Split } from '../data/dataset.js';
import { crossEntropy } from '../model/forward.js';

export interface Evaluation {
  accuracy: number;
  loss: number;
  samples: number;
}

/** Accuracy and mean cross-entropy of `logitsOf` (called inside tf.tidy, once per batch) on `split`. */
export function evaluateOn(split: Split, inputShape: readonly number[], classes: number, batchSize: number, logitsOf: (x: tf.Tensor) => tf.Tensor2D): Evaluation {
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  let correct = 0;
  let lossTotal = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const [c, l] = tf.tidy(() => {
      const x = tf.tensor(readExamples(split, inputSize, start, n), [n, ...inputShape]);
      const y = tf.tensor1d(split.y.subarray(start, start + n), 'int32');
      const out = logitsOf(x);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'float32'));
      const loss = tf.mul(crossEntropy(out, y, classes), n);
      return [hits.dataSync()[0], loss.dataSync()[0]];
    });
    correct += c;
    lossTotal += l;
  }
  return { accuracy: correct / split.count, loss: lossTotal / split.count, samples: split.count };
}
