// How the tasks' gradients for W become one. An aggregator decides each task's coefficient in the
// combined gradient sum_t c_t g_t; the optimizer applies that sum in its one pass over W. Multi-task
// gradient methods (PCGrad, CAGrad, MGDA, Nash-MTL, IMTL-G) and loss weightings (uncertainty, DWA, FAMO)
// all produce such coefficients from the gradients' dot products or the losses, so they plug in here
// without touching the rounds, the optimizer or the wire.

export interface Contribution {
  task: string;
  /** The task's aggregation weight lambda_t. */
  weight: number;
  /** dL_t/dW, one array per shared tensor. */
  gradient: readonly Float32Array[];
  /** Multiplier from the round policy (1 / (1 + staleness) in async mode). */
  scale?: number;
  /** Where the gradient's non-zero entries can only be, when the push sent some entries alone (TOPK):
   *  readers may look at these and nothing else. Absent: anywhere. */
  support?: PushSupport;
}

/** A sparse push's sent entries: per piece in stream order, the tensor and the indices within it
 *  (increasing within a piece). */
export type PushSupport = readonly { tensor: number; indices: Uint32Array }[];

export interface Aggregator {
  readonly name: string;
  /** Each contribution's coefficient in the combined gradient, in the contributions' order. */
  coefficients(contributions: readonly Contribution[]): number[];
}

/** g = sum_t lambda_t * scale_t * g_t: the gradient of the joint objective sum_t lambda_t L_t. */
export const weightedSum: Aggregator = { name: 'weighted_sum', coefficients: (contributions) => contributions.map((c) => c.weight * (c.scale ?? 1)) };
