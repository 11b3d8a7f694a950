// Optimizers for the shared weights W, on Float32Arrays: the coordinator needs no tensor library.
import type { OptimizerConfig } from '../config/schema.js';

export interface OptimizerState {
  type: OptimizerConfig['type'];
  step: number;
  /** Per-tensor buffers: momentum for SGD; first then second moments for Adam. */
  slots: Float32Array[][];
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** params -= update(grads), in place. `lrScale` multiplies the configured learning rate. */
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number): void;
  state(): OptimizerState;
  restore(state: OptimizerState): void;
}

function checkShapes(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
  if (params.length !== grads.length) throw new Error(`optimizer: ${grads.length} gradients for ${params.length} tensors`);
  params.forEach((p, i) => {
    if (p.length !== grads[i].length) throw new Error(`optimizer: gradient ${i} has ${grads[i].length} entries, tensor has ${p.length}`);
  });
}

class Sgd implements Optimizer {
  private momentum: Float32Array[];
  private steps = 0;
  constructor(readonly config: Extract<OptimizerConfig, { type: 'sgd' }>, sizes: readonly number[]) {
    this.momentum = sizes.map((n) => new Float32Array(n));
  }
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number): void {
    checkShapes(params, grads);
    const lr = this.config.lr * lrScale;
    const mu = this.config.momentum;
    params.forEach((p, t) => {
      const g = grads[t];
      const m = this.momentum[t];
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 store rounds them: bit-identical to re-reading m[i].
        const mi = Math.fround(mu * m[i] + g[i]);
        m[i] = mi;
        p[i] -= lr * mi;
      }
    });
    this.steps++;
  }
  state(): OptimizerState {
    return { type: 'sgd', step: this.steps, slots: [this.momentum.map((m) => m.slice())] };
  }
  restore(state: OptimizerState): void {
    if (state.type !== 'sgd') throw new Error(`optimizer: cannot restore ${state.type} state into sgd`);
    this.momentum = state.slots[0].map((m) => m.slice());
    this.steps = state.step;
  }
}

class Adam implements Optimizer {
  private m: Float32Array[];
  private v: Float32Array[];
  private steps = 0;
  constructor(readonly config: Extract<OptimizerConfig, { type: 'adam' }>, sizes: readonly number[]) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number): void {
    checkShapes(params, grads);
    const { beta1, beta2, epsilon } = this.config;
    this.steps++;
    const lr = (this.config.lr * lrScale * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    params.forEach((p, t) => {
      const g = grads[t];
      const m = this.m[t];
      const v = this.v[t];
      const c1 = 1 - beta1;
      const c2 = 1 - beta2;
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 stores round them: bit-identical to re-reading m[i] and v[i].
        const gi = g[i];
        const mi = Math.fround(beta1 * m[i] + c1 * gi);
        const vi = Math.fround(beta2 * v[i] + c2 * gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] -= (lr * mi) / (Math.sqrt(vi) + epsilon);
      }
    });
  }
  state(): OptimizerState {
    return { type: 'adam', step: this.steps, slots: [this.m.map((x) => x.slice()), this.v.map((x) => x.slice())] };
  }
  restore(state: OptimizerState): void {
    if (state.type !== 'adam') throw new Error(`optimizer: cannot restore ${state.type} state into adam`);
    this.m = state.slots[0].map((x) => x.slice());
    this.v = state.slots[1].map((x) => x.slice());
    this.steps = state.step;
  }
}

export function createOptimizer(config: OptimizerConfig, sizes: readonly number[]): Optimizer {
  return config.type === 'sgd' ? new Sgd(config, sizes) : new Adam(config, sizes);
}
