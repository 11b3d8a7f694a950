// The optimizer of a task's own parameters (S_t and its head), as tfjs ops so the parameters stay on the
// device. A mask restricts a sparse tensor's updates to its support.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig } from '../config/schema.js';
import { adamStepSize, slotCount, type OptimizerState } from '../optim/optimizer.js';
import { adamUpdate } from '../model/kernels/adam-update.js';

export class TensorOptimizer {
  private readonly slots: tf.Variable[][];
  private steps = 0;

  constructor(
    readonly config: OptimizerConfig,
    private readonly params: readonly tf.Variable[],
  ) {
    this.slots = Array.from({ length: slotCount(config.type) }, () => params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false))));
  }

  /** One update of every parameter; `masks[i]` (0/1, or null for dense) limits parameter i's update. */
  step(grads: readonly tf.Tensor[], lrScale: number, masks?: readonly (tf.Tensor | null)[]): void {
    this.steps++;
    const config = this.config;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const mask = masks?.[i] ?? null;
        if (config.type === 'adam') {
          // One fused update (a single wasm pass where the kernel is registered); it applies the mask.
          const lr = adamStepSize(config, this.steps, lrScale);
          const [pNext, mNext, vNext] = adamUpdate(p, grads[i], this.slots[0][i], this.slots[1][i], { lr, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon }, mask);
          this.slots[0][i].assign(mNext);
          this.slots[1][i].assign(vNext);
          p.assign(pNext);
          return;
        }
        const g = mask ? tf.mul(grads[i], mask) : grads[i];
        const m = this.slots[0][i];
        const next = tf.add(tf.mul(m, config.momentum), g);
        m.assign(next);
        let update = tf.mul(next, config.lr * lrScale);
        if (mask) update = tf.mul(update, mask);
        p.assign(tf.sub(p, update));
      });
    });
  }

  /** Zeroes parameter i's optimizer slots outside `mask`, so entries leaving the support forget their momentum. */
  maskSlots(i: number, mask: tf.Tensor): void {
    tf.tidy(() => {
      for (const slot of this.slots) slot[i].assign(tf.mul(slot[i], mask));
    });
  }

  state(): OptimizerState {
    return { type: this.config.type, step: this.steps, slots: this.slots.map((slot) => slot.map((v) => v.dataSync() as Float32Array)) };
  }

  restore(state: OptimizerState): void {
    if (state.type !== this.config.type || state.slots.length !== this.slots.length) {
      throw new Error(`task optimizer: cannot restore ${state.type} state into ${this.config.type}`);
    }
    this.slots.forEach((slot, s) =>
      slot.forEach((v, i) => {
        const values = state.slots[s][i];
        if (values.length !== v.size) throw new Error(`task optimizer: slot ${s}/${i} has ${values.length} entries, expected ${v.size}`);
        tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
      }),
    );
    this.steps = state.step;
  }

  dispose(): void {
    for (const slot of this.slots) for (const v of slot) v.dispose();
  }
}
