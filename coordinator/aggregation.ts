// How the tasks' gradients for W become one: pluggable, so multi-task gradient methods (PCGrad, MGDA)
// can replace the weighted sum without touching rounds or the optimizer.

export interface Contribution {
  task: string;
  /** The task's aggregation weight lambda_t. */
  weight: number;
  /** dL_t/dW, one array per shared tensor. */
  gradient: readonly Float32Array[];
  /** Multiplier from the round policy (e.g. 1 / (1 + staleness) in async mode). */
  scale?: number;
}

export interface Aggregator {
  readonly name: string;
  /** Writes the combined gradient into `out` (overwriting it). */
  aggregate(contributions: readonly Contribution[], out: Float32Array[]): void;
}

/** g = sum_t lambda_t * g_t: the gradient of the joint objective sum_t lambda_t L_t. */
export const weightedSum: Aggregator = {
  name: 'weighted-sum',
  aggregate(contributions, out) {
    for (const c of contributions) {
      if (c.gradient.length !== out.length) throw new Error(`aggregation: task ${c.task} sent ${c.gradient.length} tensors, expected ${out.length}`);
      c.gradient.forEach((g, t) => {
        if (g.length !== out[t].length) throw new Error(`aggregation: task ${c.task} tensor ${t} has ${g.length} entries, expected ${out[t].length}`);
      });
    }
    // Plain loops, the first contribution assigning rather than adding to a zero-filled output: on
    // millions of entries per tensor, the number of passes is what costs.
    for (let t = 0; t < out.length; t++) {
      const o = out[t];
      if (contributions.length === 0) {
        o.fill(0);
        continue;
      }
      contributions.forEach((c, k) => {
        const g = c.gradient[t];
        const w = c.weight * (c.scale ?? 1);
        if (k === 0) for (let i = 0; i < o.length; i++) o[i] = w * g[i];
        else for (let i = 0; i < o.length; i++) o[i] += w * g[i];
      });
    }
  },
};
