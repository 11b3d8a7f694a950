// Uncertainty weighting: one learnable log-variance per task.
// Kendall, Gal, Cipolla 2018, "Multi-Task Learning Using Uncertainty to Weigh Losses for Scene Geometry and Semantics" (CVPR; arXiv:1705.07115).
//
// s_t = log sigma_t^2 minimises sum_t (exp(-s_t) L_t + s_t), LibMTL's form: the paper's (and the
// Nash-MTL repository's) factor 1/2 scales the objective and its gradient alike and leaves the
// stationary point s_t = log L_t unchanged. The combined gradient is sum_t exp(-s_t) g_t, so in the
// long run each task's loss is divided by its own level.
//
// In the paper s is trained with the network by the same optimizer. Here the workers never see s: the
// coordinator owns it and takes one plain gradient-descent step per round on the losses the tasks
// reported, d/ds_t = 1 - exp(-s_t) L_t, with its own learning rate. The fixed point's contraction factor
// is 1 - lr, so any lr in (0, 1] converges for constant losses without overshooting near it.

export interface UncertaintyState {
  /** s_t = log sigma_t^2 per task. */
  logVariances: number[];
}

function checkLosses(where: string, losses: readonly number[], tasks: number): void {
  if (losses.length !== tasks) throw new RangeError(`${where}: ${losses.length} losses for ${tasks} tasks`);
  for (let t = 0; t < tasks; t++) if (!Number.isFinite(losses[t]) || losses[t] < 0) throw new RangeError(`${where}: task ${t}'s loss is ${losses[t]}, expected finite and >= 0`);
}

export class UncertaintyWeights {
  private s: number[];

  constructor(readonly tasks: number) {
    if (!Number.isInteger(tasks) || tasks < 0) throw new RangeError(`UncertaintyWeights: tasks must be a non-negative integer, got ${tasks}`);
    this.s = new Array<number>(tasks).fill(0);
  }

  /** c_t = exp(-s_t). */
  coefficients(): number[] {
    return this.s.map((s) => Math.exp(-s));
  }

  /** One gradient-descent step on s for this round's losses. */
  update(losses: readonly number[], lr: number): void {
    checkLosses('UncertaintyWeights.update', losses, this.tasks);
    if (!Number.isFinite(lr) || lr <= 0) throw new RangeError(`UncertaintyWeights.update: lr must be positive and finite, got ${lr}`);
    this.s = this.s.map((s, t) => s - lr * (1 - Math.exp(-s) * losses[t]));
  }

  state(): UncertaintyState {
    return { logVariances: [...this.s] };
  }

  restore(state: UncertaintyState): void {
    const s = state.logVariances;
    if (s.length !== this.tasks || s.some((v) => !Number.isFinite(v))) throw new RangeError(`UncertaintyWeights.restore: expected ${this.tasks} finite log-variances, got [${s.join(', ')}]`);
    this.s = [...s];
  }
}
