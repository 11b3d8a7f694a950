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

/** Throws, naming the task and tensor, unless every contribution has one gradient per tensor of `like`
 *  with as many entries. */
export function checkContributions(contributions: readonly Contribution[], like: readonly { length: number }[]): void {
  for (const c of contributions) {
    if (c.gradient.length !== like.length) throw new Error(`aggregation: task ${c.task} sent ${c.gradient.length} tensors, expected ${like.length}`);
    for (let t = 0; t < like.length; t++) {
      const n = c.gradient[t].length;
      if (n !== like[t].length) throw new Error(`aggregation: task ${c.task} tensor ${t} has ${n} entries, expected ${like[t].length}`);
    }
  }
}

/** The weight of a contribution in the sum: lambda_t times the round's scale. */
export function termWeight(c: Contribution): number {
  return c.weight * (c.scale ?? 1);
}

/** g = sum_t lambda_t * g_t: the gradient of the joint objective sum_t lambda_t L_t. Optimizers may
 *  fuse it into their step (Optimizer.stepSum) when it is the aggregator: keep the two in step. */
export const weightedSum: Aggregator = {
  name: 'weighted-sum',
  aggregate(contributions, out) {
    checkContributions(contributions, out);
    // Plain loops, the first contribution assigning rather than adding to a zero-filled output: on
    // millions of entries per tensor, the number of passes is what costs.
    for (let t = 0; t < out.length; t++) {
      const o = out[t];
      if (contributions.length === 0) {
        o.fill(0);
        continue;
      }
      for (let k = 0; k < contributions.length; k++) {
        const g = contributions[k].gradient[t];
        const w = termWeight(contributions[k]);
        if (k === 0) for (let i = 0; i < o.length; i++) o[i] = w * g[i];
        else for (let i = 0; i < o.length; i++) o[i] += w * g[i];
      }
    }
  },
};
