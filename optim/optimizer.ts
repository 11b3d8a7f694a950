// SGD with momentum and Adam for W, on Float32Arrays: the coordinator needs no tensor library. An
// optimizer owns its weight arena (W, the slots, the push buffers); one step applies a weighted sum of
// gradients, which is how every aggregation of the tasks' gradients reaches W.
import type { OptimizerConfig } from '../config/schema.js';
import { checkTerms, createWeightArena, type WeightArena, type WeightedTerm } from './weight-arena.js';

export type { WeightedTerm } from './weight-arena.js';

export interface OptimizerState {
  type: OptimizerConfig['type'];
  step: number;
  /** Per-tensor buffers: momentum for SGD; first then second moments for Adam. */
  slots: Float32Array[][];
}

export type AdamConfig = Extract<OptimizerConfig, { type: 'adam' }>;

/** Slots per tensor: SGD keeps its momentum, Adam its two moments. */
export function slotCount(type: OptimizerConfig['type']): number {
  return type === 'sgd' ? 1 : 2;
}

/** Adam's step size at step count `steps` (already advanced), the bias corrections folded in. Also the
 *  workers' optimizer of S_t and the heads uses it, so both sides scale their steps identically. */
export function adamStepSize(config: AdamConfig, steps: number, lrScale: number): number {
  const { beta1, beta2 } = config;
  return (config.lr * lrScale * Math.sqrt(1 - beta2 ** steps)) / (1 - beta1 ** steps);
}

export interface OptimizerOptions {
  /** Push buffers to make in the arena, next to W. */
  pushBuffers?: number;
  /** An input for Adam's second moment in the arena (`arena.second`), for steps that ask for it. */
  second?: boolean;
  /** The downlink's mirror of W in the arena, and W minus it after every step (`arena.mirror`). */
  mirror?: boolean;
  /** 'js' forces the JavaScript arena (tests compare the two). */
  arena?: 'auto' | 'js';
}

export class Optimizer {
  readonly arena: WeightArena;
  private steps = 0;

  constructor(
    readonly config: OptimizerConfig,
    sizes: readonly number[],
    options: OptimizerOptions = {},
  ) {
    this.arena = createWeightArena(sizes, { slots: slotCount(config.type), pushBuffers: options.pushBuffers, second: options.second, mirror: options.mirror, kind: options.arena });
  }

  /** W: the arena's tensors, updated in place by every step. */
  get params(): Float32Array[] {
    return this.arena.params;
  }

  /**
   * W -= update(sum_k w_k g_k), in place. `lrScale` multiplies the configured learning rate. With
   * `useSecond`, Adam's second moment takes `arena.second` in place of the sum (SGD has none and ignores
   * it). Throws, changing nothing, when a term does not fit W.
   */
  step(terms: readonly WeightedTerm[], lrScale: number, useSecond = false): void {
    if (terms.length === 0) throw new Error('optimizer: a step needs at least one gradient');
    checkTerms(terms, this.arena.sizes);
    this.steps++;
    const c = this.config;
    if (c.type === 'sgd') this.arena.sgd(terms, c.lr * lrScale, c.momentum);
    else this.arena.adam(terms, adamStepSize(c, this.steps, lrScale), c.beta1, c.beta2, c.epsilon, useSecond);
  }

  /** Copies of the step count and slots. */
  state(): OptimizerState {
    return { type: this.config.type, step: this.steps, slots: this.arena.slots.map((slot) => slot.map((x) => x.slice())) };
  }

  /** Copies `state` into the arena's slots, after checking that it fits. */
  restore(state: OptimizerState): void {
    const { type } = this.config;
    const sizes = this.arena.sizes;
    const slots = this.arena.slots;
    if (state.type !== type) throw new Error(`optimizer: cannot restore ${state.type} state into ${type}`);
    if (state.slots.length !== slots.length) throw new Error(`optimizer: ${type} state has ${state.slots.length} slots, expected ${slots.length}`);
    state.slots.forEach((slot, s) => {
      if (slot.length !== sizes.length) throw new Error(`optimizer: ${type} state slot ${s} has ${slot.length} tensors, expected ${sizes.length}`);
      slot.forEach((x, t) => {
        if (x.length !== sizes[t]) throw new Error(`optimizer: ${type} state slot ${s} tensor ${t} has ${x.length} entries, expected ${sizes[t]}`);
      });
    });
    state.slots.forEach((slot, s) => slot.forEach((x, t) => slots[s][t].set(x)));
    this.steps = state.step;
  }
}
