// Optimizers for the shared weights W, on Float32Arrays: the coordinator needs no tensor library.
import type { OptimizerConfig } from '../config/schema.js';
import { checkContributions, weightedSum, type Contribution } from './aggregation.js';
import { StepHeap } from './step-heap.js';

export interface OptimizerState {
  type: OptimizerConfig['type'];
  step: number;
  /** Per-tensor buffers: momentum for SGD; first then second moments for Adam. */
  slots: Float32Array[][];
}

/** What colocate() made: the params' new home, and buffers to decode pushes into next to them. */
export interface Colocated {
  params: Float32Array[];
  /** gradients[k][t]: push buffer k, tensor t. */
  gradients: Float32Array[][];
  /** Where to write the second moment's own input for stepSum (null unless asked for). */
  second: Float32Array[] | null;
  /** Whether every entry of `values` (a view into a push buffer) is finite, in SIMD. */
  allFinite(values: Float32Array): boolean;
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  /**
   * params -= update(grads), in place. `lrScale` multiplies the configured learning rate. `second`,
   * when given, is what Adam's second moment takes in place of the gradient (coordinator/held-back.ts);
   * SGD has no second moment and ignores it.
   */
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number, second?: readonly Float32Array[]): void;
  /**
   * As `weightedSum.aggregate(contributions, g)` then `step(params, g, lrScale, second)`, bit for bit,
   * in one pass (wasm SIMD) when `params` are the arrays colocate() returned (and `second`, if given,
   * its `second`); otherwise in those two steps.
   */
  stepSum?(params: readonly Float32Array[], contributions: readonly Contribution[], lrScale: number, second?: readonly Float32Array[]): void;
  /**
   * Moves the slots into one wasm memory next to a copy of `params`, with `gradients` push buffers and,
   * with `second`, a second-moment input beside them; stepSum runs in place on the returned params and
   * reads contributions that are push buffers where they are. Null (nothing moved) where no such memory
   * can be had.
   */
  colocate?(params: readonly Float32Array[], gradients?: number, second?: boolean): Colocated | null;
  /** Copies of the step count and slots. */
  state(): OptimizerState;
  /** Copies `state` into the slots (which stay where they are: in the wasm memory once colocated). */
  restore(state: OptimizerState): void;
}

function checkShapes(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
  if (params.length !== grads.length) throw new Error(`optimizer: ${grads.length} gradients for ${params.length} tensors`);
  for (let i = 0; i < params.length; i++) {
    if (params[i].length !== grads[i].length) throw new Error(`optimizer: gradient ${i} has ${grads[i].length} entries, tensor has ${params[i].length}`);
  }
}

/** What SGD and Adam share: per-tensor slots, a step count, the fused path and the checkpoint copies. */
abstract class SlotOptimizer {
  protected steps = 0;
  /** slots[s][t]: slot s of tensor t. */
  protected slots: Float32Array[][];
  private heap: StepHeap | null = null;
  /** The summed gradient where stepSum cannot fuse (params not colocated); made on first need. */
  private combined: Float32Array[] | null = null;

  constructor(
    private readonly type: OptimizerConfig['type'],
    private readonly sizes: readonly number[],
    slotCount: number,
  ) {
    this.slots = Array.from({ length: slotCount }, () => sizes.map((n) => new Float32Array(n)));
  }

  abstract step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number, second?: readonly Float32Array[]): void;

  /** One fused step on the heap, which holds the params. */
  /** One fused step on the heap, which holds the params (and, with `second`, the second-moment input). */
  protected abstract stepOnHeap(heap: StepHeap, contributions: readonly Contribution[], lrScale: number, second: boolean): void;

  stepSum(params: readonly Float32Array[], contributions: readonly Contribution[], lrScale: number, second?: readonly Float32Array[]): void {
    if (contributions.length === 0) throw new Error('optimizer: stepSum needs at least one contribution');
    const heap = this.heap;
    if (heap !== null && heap.holds(params) && (second === undefined || second === heap.second)) {
      checkContributions(contributions, params);
      this.stepOnHeap(heap, contributions, lrScale, second !== undefined);
      return;
    }
    this.combined ??= params.map((p) => new Float32Array(p.length));
    weightedSum.aggregate(contributions, this.combined);
    this.step(params, this.combined, lrScale, second);
  }

  colocate(params: readonly Float32Array[], gradients = 0, second = false): Colocated | null {
    if (this.heap !== null) throw new Error('optimizer: colocate() was already called; the params live in its memory');
    if (params.length !== this.sizes.length || params.some((p, t) => p.length !== this.sizes[t])) {
      throw new Error(`optimizer: colocate() got tensors of [${params.map((p) => p.length)}] entries, the optimizer was made for [${this.sizes}]`);
    }
    const heap = StepHeap.create(this.sizes, this.slots.length, gradients, second);
    if (heap === null) return null;
    params.forEach((p, t) => heap.params[t].set(p));
    this.slots.forEach((slot, s) => slot.forEach((x, t) => heap.slots[s][t].set(x)));
    this.slots = heap.slots;
    this.heap = heap;
    return { params: heap.params, gradients: heap.gradients, second: heap.second, allFinite: (values) => heap.allFinite(values) };
  }

  state(): OptimizerState {
    return { type: this.type, step: this.steps, slots: this.slots.map((slot) => slot.map((x) => x.slice())) };
  }

  restore(state: OptimizerState): void {
    if (state.type !== this.type) throw new Error(`optimizer: cannot restore ${state.type} state into ${this.type}`);
    if (state.slots.length !== this.slots.length) throw new Error(`optimizer: ${this.type} state has ${state.slots.length} slots, expected ${this.slots.length}`);
    state.slots.forEach((slot, s) => {
      if (slot.length !== this.sizes.length) throw new Error(`optimizer: ${this.type} state slot ${s} has ${slot.length} tensors, expected ${this.sizes.length}`);
      slot.forEach((x, t) => {
        if (x.length !== this.sizes[t]) throw new Error(`optimizer: ${this.type} state slot ${s} tensor ${t} has ${x.length} entries, expected ${this.sizes[t]}`);
      });
    });
    state.slots.forEach((slot, s) => slot.forEach((x, t) => this.slots[s][t].set(x)));
    this.steps = state.step;
  }
}

class Sgd extends SlotOptimizer implements Optimizer {
  constructor(
    readonly config: Extract<OptimizerConfig, { type: 'sgd' }>,
    sizes: readonly number[],
  ) {
    super('sgd', sizes, 1);
  }

  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number): void {
    checkShapes(params, grads);
    const lr = this.config.lr * lrScale;
    const mu = this.config.momentum;
    for (let t = 0; t < params.length; t++) {
      const p = params[t];
      const g = grads[t];
      const m = this.slots[0][t];
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 store rounds them: bit-identical to re-reading m[i].
        const mi = Math.fround(mu * m[i] + g[i]);
        m[i] = mi;
        p[i] -= lr * mi;
      }
    }
    this.steps++;
  }

  protected stepOnHeap(heap: StepHeap, contributions: readonly Contribution[], lrScale: number): void {
    // SGD has no second moment: a second-moment input changes nothing.
    heap.sgd(contributions, this.config.lr * lrScale, this.config.momentum);
    this.steps++;
  }
}

class Adam extends SlotOptimizer implements Optimizer {
  constructor(
    readonly config: Extract<OptimizerConfig, { type: 'adam' }>,
    sizes: readonly number[],
  ) {
    super('adam', sizes, 2);
  }

  /** The step's learning rate with Adam's bias corrections, for step count `steps` (already advanced). */
  private rate(lrScale: number): number {
    const { beta1, beta2 } = this.config;
    return (this.config.lr * lrScale * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
  }

  step(params: readonly Float32Array[], grads: readonly Float32Array[], lrScale: number, second?: readonly Float32Array[]): void {
    checkShapes(params, grads);
    if (second) checkShapes(params, second);
    const { beta1, beta2, epsilon } = this.config;
    this.steps++;
    const lr = this.rate(lrScale);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let t = 0; t < params.length; t++) {
      const p = params[t];
      const g = grads[t];
      const m = this.slots[0][t];
      const v = this.slots[1][t];
      const s = second ? second[t] : g;
      for (let i = 0; i < p.length; i++) {
        // Locals rounded as the float32 stores round them: bit-identical to re-reading m[i] and v[i].
        const gi = g[i];
        const si = s[i];
        const mi = Math.fround(beta1 * m[i] + c1 * gi);
        const vi = Math.fround(beta2 * v[i] + c2 * si * si);
        m[i] = mi;
        v[i] = vi;
        p[i] -= (lr * mi) / (Math.sqrt(vi) + epsilon);
      }
    }
  }

  protected stepOnHeap(heap: StepHeap, contributions: readonly Contribution[], lrScale: number, second: boolean): void {
    this.steps++;
    heap.adam(contributions, this.rate(lrScale), this.config.beta1, this.config.beta2, this.config.epsilon, second);
  }
}

export function createOptimizer(config: OptimizerConfig, sizes: readonly number[]): Optimizer {
  return config.type === 'sgd' ? new Sgd(config, sizes) : new Adam(config, sizes);
}
