// The support of a task's S_t as its trainer keeps it: none while S_t is dense (warm-up), then the masks
// the cubic pruning schedule and the optional re-selection choose (model/sparsity.ts), on the host for
// the schedule and on the device for the masked updates.
import * as tf from '@tensorflow/tfjs-core';
import type { SparsityConfig } from '../config/schema.js';
import { absolute, applyMasks, countNonZero, densityAt, isPruneStep, scheduleBounds, sparseBudget, budgetMasks, type ScheduleBounds } from '../model/sparsity.js';
import type { TensorSpec } from '../model/spec.js';
import type { TensorOptimizer } from './task-optimizer.js';

export class SparseSupport {
  readonly bounds: ScheduleBounds;
  /** The most non-zeros S_t may keep. */
  readonly budget: number;
  private masks: { host: Uint8Array[]; device: tf.Tensor[]; size: number } | null = null;

  constructor(
    private readonly config: SparsityConfig,
    private readonly shapes: readonly TensorSpec[],
    totalSteps: number,
    private readonly sparse: readonly tf.Variable[],
    private readonly optimizer: TensorOptimizer,
  ) {
    this.bounds = scheduleBounds(totalSteps, config);
    this.budget = sparseBudget(
      shapes.reduce((a, t) => a + t.size, 0),
      config.rho,
    );
  }

  /** The masks on the host; null while S_t is dense. */
  get host(): readonly Uint8Array[] | null {
    return this.masks?.host ?? null;
  }

  /** The masks on the device, for the optimizer's masked update; undefined while S_t is dense. */
  get device(): readonly tf.Tensor[] | undefined {
    return this.masks?.device;
  }

  /** S_t's values, one array per shared tensor (zeros off the support). */
  values(): Float32Array[] {
    return this.sparse.map((v) => (v.dataSync() as Float32Array).slice());
  }

  /** Whether the update at `step` re-selects the support, which looks at the gradient off it too. */
  reselectsAt(step: number): boolean {
    const every = this.config.reselect_every;
    return every > 0 && this.masks !== null && step + 1 > this.bounds.end && (step + 1 - this.bounds.end) % every === 0;
  }

  /** After the update at `step`: prune on the cubic schedule, or re-select the support when asked, the
   *  entries outside it proposed at the value one gradient step (`stepSize` times `gradient`) gives them. */
  schedule(step: number, gradient: readonly Float32Array[], stepSize: number): void {
    const sharedSize = this.shapes.reduce((a, t) => a + t.size, 0);
    // Past the end of pruning with more than the budget: a trainer that joined late (a rejoining or
    // straggling worker jumps over steps) or took over a state from mid-schedule missed the last prune.
    const overBudget = step + 1 >= this.bounds.end && (this.masks === null || this.masks.size > this.budget);
    if (isPruneStep(step + 1, this.bounds, this.config.prune_every) || overBudget) {
      const k = step + 1 >= this.bounds.end ? this.budget : Math.round(densityAt(step + 1, this.config.rho, this.bounds) * sharedSize);
      const values = this.values();
      this.set(this.select(values, k), values);
      return;
    }
    if (this.reselectsAt(step)) {
      const values = this.values().map((v, t) => {
        const mask = this.masks!.host[t];
        const g = gradient[t];
        return v.map((x, i) => (mask[i] ? x : -stepSize * g[i]));
      });
      this.set(this.select(values, this.budget), values);
    }
  }

  /** The support of `k` entries by magnitude, shared among the tensors as sparsity.allocation says. */
  private select(values: readonly Float32Array[], k: number): Uint8Array[] {
    return budgetMasks(absolute(values), k, this.config.allocation, this.config.floor);
  }

  /** Within the budget at the end of training, also after a state taken over from mid-schedule. */
  finalize(): void {
    if (this.masks && this.masks.size <= this.budget) return;
    const values = this.values();
    this.set(this.select(values, this.budget), values);
  }

  /** S_t becomes `values` on `masks` (values off the masks are zeroed); its optimizer forgets the rest. */
  set(masks: Uint8Array[], values: Float32Array[]): void {
    applyMasks(values, masks);
    this.disposeMasks();
    const device = masks.map((m, i) => tf.tensor(Float32Array.from(m), this.shapes[i].shape));
    this.masks = { host: masks, device, size: countNonZero(masks) };
    values.forEach((v, i) => {
      tf.tidy(() => this.sparse[i].assign(tf.tensor(v, this.shapes[i].shape)));
      this.optimizer.maskSlots(i, device[i]);
    });
  }

  /** S_t dense again, at `values` (a state taken over from the warm-up). */
  setDense(values: readonly Float32Array[]): void {
    this.disposeMasks();
    this.masks = null;
    values.forEach((v, i) => tf.tidy(() => this.sparse[i].assign(tf.tensor(v, this.shapes[i].shape))));
  }

  private disposeMasks(): void {
    if (this.masks) for (const m of this.masks.device) m.dispose();
  }

  dispose(): void {
    this.disposeMasks();
    this.masks = null;
  }
}
