// How the tasks' gradients for W become one. An aggregator decides each task's coefficient in the
// combined gradient sum_t c_t g_t; the optimizer applies that sum in its one pass over W. Multi-task
// gradient methods (PCGrad, CAGrad, MGDA, Nash-MTL, IMTL-G) and loss weightings (uncertainty, DWA, FAMO)
// all produce such coefficients from the gradients' dot products or the losses, so they plug in here
// without touching the rounds, the optimizer or the wire.
import type { AggregationConfig } from '../config/aggregation-schema.js';
import { gradientMethod } from './aggregators/gradient-methods.js';
import { lossMethod } from './aggregators/loss-methods.js';

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
  /** The task's loss this round (the methods that normalise by it read it). */
  loss?: number;
  /** The version of W the push was computed against (the round's, in sync mode). */
  baseVersion?: number;
}

/** A sparse push's sent entries: per piece in stream order, the tensor and the indices within it
 *  (increasing within a piece). */
export type PushSupport = readonly { tensor: number; indices: Uint32Array }[];

export interface Aggregator {
  readonly name: string;
  /** Each contribution's coefficient in the combined gradient, in the contributions' order; `round` is
   *  the version the round closes (a method that draws at random draws from it); `dense`, how to take the
   *  Gram matrix of dense gradients of one tensor (the weight arena's, in SIMD); `others`, the dot products
   *  of the gradients over the parts of W other shards hold, added to this process's. */
  coefficients(contributions: readonly Contribution[], round?: number, dense?: (vectors: readonly Float32Array[]) => number[][], others?: number[][]): number[];
  /** What the method carries from round to round (the loss-based ones), for checkpoints; absent: nothing. */
  state?(): AggregatorState;
  /** Takes back a state(); throws, changing nothing, on one of another method or task count. */
  restore?(state: AggregatorState): void;
}

/** An aggregator's state as checkpoints hold it (plain numbers and arrays). */
export type AggregatorState = Record<string, unknown>;

/** g = sum_t lambda_t * scale_t * g_t: the gradient of the joint objective sum_t lambda_t L_t. */
export const weightedSum: Aggregator = { name: 'weighted_sum', coefficients: (contributions) => contributions.map((c) => c.weight * (c.scale ?? 1)) };

/** The run config's aggregation method; `seed` is the run's, `tasks` its task names in order. */
export function aggregatorFor(config: AggregationConfig, seed: number, tasks: readonly string[]): Aggregator {
  if (config.method === 'weighted_sum') return weightedSum;
  if (config.method === 'uncertainty' || config.method === 'dwa' || config.method === 'famo') return lossMethod(config, tasks);
  return gradientMethod(config, seed);
}

/** A push's support as readers by tensor want it: per tensor, every piece's indices in one increasing
 *  array (empty where the push sent nothing of that tensor). */
export function supportByTensor(support: PushSupport, tensors: number): Uint32Array[] {
  const pieces = Array.from({ length: tensors }, (): Uint32Array[] => []);
  for (const { tensor, indices } of support) pieces[tensor].push(indices);
  return pieces.map((list) => {
    if (list.length === 1) return list[0];
    const all = new Uint32Array(list.reduce((a, l) => a + l.length, 0));
    let at = 0;
    for (const l of list) {
      all.set(l, at);
      at += l.length;
    }
    return all;
  });
}
