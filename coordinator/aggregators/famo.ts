// FAMO: task weights that balance the rates at which the tasks' log-losses fall.
// Liu et al. 2023, "FAMO: Fast Adaptive Multitask Optimization" (NeurIPS; arXiv:2306.03792).
//
// Logits xi (init 0), weights z = softmax(xi). The model follows sum_t z_t log L_t / c with
// c = sum_j z_j / L_j, whose gradient is sum_t c_t g_t with
//   c_t = (z_t / L_t) / sum_j (z_j / L_j)            (the c_t sum to 1),
// L_t clamped at 0 and offset by `eps` (the official code's L_t - min_t + 1e-8, min_t = 0).
// After the step, with each task's loss before (L_t) and after (L'_t) it, the logits move by the
// paper's Algorithm 1:
//   delta_t = log(L_t + eps) - log(L'_t + eps)
//   grad    = J^T delta, J = d softmax / d xi = diag(z) - z z^T, so grad_t = z_t (delta_t - sum_j z_j delta_j)
//   xi     <- xi - lr (grad + gamma xi)
// A task whose loss fell less than the z-weighted mean has grad_t < 0: its logit, and weight, rise.
// The official code feeds the same grad to Adam(lr, weight_decay = gamma), whose per-coordinate
// normalisation makes each step about lr whatever the size of delta; the plain step here moves the
// logits by lr |grad|, far less when the per-round log-loss changes are small, so lr may need raising.
//
// In the official code L' is the loss on the same batch right after the step. Here the loss "after" the
// step of round v is the loss each task reports in round v + 1 (at W_{v+1}, on a new batch), so delta
// carries batch noise as well: update(losses of round v, losses of round v + 1) runs when round v + 1's
// losses arrive, before its coefficients are computed.

export interface FamoOptions {
  /** Step size of the logits (default 0.025). */
  lr?: number;
  /** Weight decay of the logits, pulling z towards uniform (default 0.001). */
  gamma?: number;
  /** Added to every (non-negative) loss before division and log (default 1e-8). */
  eps?: number;
}

export interface FamoState {
  /** xi, one per task. */
  logits: number[];
}

export class Famo {
  readonly lr: number;
  readonly gamma: number;
  readonly eps: number;
  private xi: number[];

  constructor(
    readonly tasks: number,
    options: FamoOptions = {},
  ) {
    if (!Number.isInteger(tasks) || tasks < 0) throw new RangeError(`Famo: tasks must be a non-negative integer, got ${tasks}`);
    this.lr = options.lr ?? 0.025;
    this.gamma = options.gamma ?? 0.001;
    this.eps = options.eps ?? 1e-8;
    if (!Number.isFinite(this.lr) || this.lr <= 0) throw new RangeError(`Famo: lr must be positive and finite, got ${this.lr}`);
    if (!Number.isFinite(this.gamma) || this.gamma < 0) throw new RangeError(`Famo: gamma must be non-negative and finite, got ${this.gamma}`);
    if (!Number.isFinite(this.eps) || this.eps <= 0) throw new RangeError(`Famo: eps must be positive and finite, got ${this.eps}`);
    this.xi = new Array<number>(tasks).fill(0);
  }

  /** z = softmax(xi). */
  weights(): number[] {
    const top = Math.max(...this.xi);
    const e = this.xi.map((x) => Math.exp(x - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / total);
  }

  /** c_t = (z_t / L_t) / sum_j (z_j / L_j) for this round's losses. */
  coefficients(losses: readonly number[]): number[] {
    const d = this.offset('Famo.coefficients', losses);
    const z = this.weights();
    const q = z.map((zt, t) => zt / d[t]);
    const total = q.reduce((a, b) => a + b, 0);
    return q.map((x) => x / total);
  }

  /** One step of the logits from the losses before and after a step of W. */
  update(lossesBefore: readonly number[], lossesAfter: readonly number[]): void {
    const before = this.offset('Famo.update', lossesBefore);
    const after = this.offset('Famo.update', lossesAfter);
    const delta = before.map((b, t) => Math.log(b) - Math.log(after[t]));
    const z = this.weights();
    const mean = z.reduce((s, zt, t) => s + zt * delta[t], 0);
    this.xi = this.xi.map((x, t) => x - this.lr * (z[t] * (delta[t] - mean) + this.gamma * x));
  }

  state(): FamoState {
    return { logits: [...this.xi] };
  }

  restore(state: FamoState): void {
    const xi = state.logits;
    if (xi.length !== this.tasks || xi.some((v) => !Number.isFinite(v))) throw new RangeError(`Famo.restore: expected ${this.tasks} finite logits, got [${xi.join(', ')}]`);
    this.xi = [...xi];
  }

  private offset(where: string, losses: readonly number[]): number[] {
    if (losses.length !== this.tasks) throw new RangeError(`${where}: ${losses.length} losses for ${this.tasks} tasks`);
    for (let t = 0; t < this.tasks; t++) if (!Number.isFinite(losses[t])) throw new RangeError(`${where}: task ${t}'s loss is ${losses[t]}`);
    return losses.map((l) => Math.max(l, 0) + this.eps);
  }
}
