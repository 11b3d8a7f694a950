// One task of a bundle as a model that predicts: W + S_t, the task's head and statistics as tensors, and
// class probabilities for a batch of inputs. What `hybrid predict` and `hybrid eval` run, from the bundle
// alone.
import * as tf from '@tensorflow/tfjs-core';
import { type Bundle, type BundleTask, effectiveWeights, findTask } from './bundle.js';
import { logits } from './forward.js';
import { headSpec } from './spec.js';

export class TaskModel {
  readonly task: BundleTask;
  private readonly weights: { shared: tf.Tensor[]; head: tf.Tensor[]; stats: tf.Tensor[] };

  constructor(
    private readonly bundle: Bundle,
    task: string,
  ) {
    this.task = findTask(bundle, task);
    const { spec } = bundle;
    this.weights = {
      shared: effectiveWeights(bundle, task).map((w, i) => tf.tensor(w, spec.shared[i].shape)),
      head: headSpec(spec, this.task.classes).map((h, i) => tf.tensor(this.task.head[i], h.shape)),
      stats: spec.stats.map((s, i) => tf.tensor(this.task.stats[i], s.shape)),
    };
  }

  get inputShape(): number[] {
    return this.bundle.spec.inputShape;
  }

  /** The name of class k: the data's own name when the bundle holds the class list. */
  className(k: number): string {
    return this.task.classNames?.[k] ?? String(k);
  }

  /** Softmax probabilities [count x classes] of `count` inputs laid out back to back, in batches. */
  probabilities(x: Float32Array, count: number, batch = 256): Float32Array {
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    if (x.length !== count * size) throw new RangeError(`${x.length} values are not ${count} inputs of shape [${this.inputShape.join(', ')}]`);
    const out = new Float32Array(count * this.task.classes);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const p = tf.tidy(() => tf.softmax(logits(this.bundle.spec, this.weights, tf.tensor(x.subarray(start * size, (start + n) * size), [n, ...this.inputShape]))).dataSync());
      out.set(p, start * this.task.classes);
    }
    return out;
  }

  dispose(): void {
    for (const t of [...this.weights.shared, ...this.weights.head, ...this.weights.stats]) t.dispose();
  }
}

/** The index of the largest of each row of `classes` probabilities. */
export function argmaxRows(p: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(p.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (p[r * classes + k] > p[r * classes + best]) best = k;
    out[r] = best;
  }
  return out;
}
