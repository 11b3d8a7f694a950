// The run config's `aggregation` section: how the coordinator combines the tasks' gradients for W into
// one each round. `weighted_sum` (the default) is sum_t lambda_t g_t; the multi-task gradient methods
// compute each task's coefficient from the round's gradients (coordinator/aggregators/), and every one
// of them sees all of a round's tasks at once, so they need sync rounds.
import { z } from 'zod';

/** Methods that combine one round's gradients of every task: meaningless on one push at a time. */
export const GRADIENT_METHODS = ['pcgrad', 'cagrad', 'mgda', 'imtl_g', 'nash_mtl'] as const;

/** Whether `method` is a gradient method: its coefficients come from the tasks' dot products. */
export function isGradientMethod(method: unknown): boolean {
  return (GRADIENT_METHODS as readonly unknown[]).includes(method);
}
/** Methods that weigh the tasks from their losses alone (O(1) in T, no dot products); they keep state
 *  from round to round, which checkpoints hold. */
export const LOSS_METHODS = ['uncertainty', 'dwa', 'famo'] as const;

export const aggregationSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('weighted_sum') }),
  // The projection order is drawn per round from the run's seed and the round's version.
  z.strictObject({ method: z.literal('pcgrad') }),
  z.strictObject({
    method: z.literal('cagrad'),
    c: z.number().min(0).max(100).default(0.4),
    // 0: none, 1: divide by 1 + c^2, 2: divide by 1 + c (the official code's options).
    rescale: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  }),
  z.strictObject({ method: z.literal('mgda'), normalize: z.enum(['none', 'l2', 'loss', 'loss+']).default('none') }),
  z.strictObject({ method: z.literal('imtl_g') }),
  z.strictObject({ method: z.literal('nash_mtl'), max_norm: z.number().positive().optional() }),
  // The coordinator steps each task's log-variance once a round by gradient descent at this rate.
  z.strictObject({ method: z.literal('uncertainty'), lr: z.number().gt(0).max(1).default(0.05) }),
  // An "epoch" is `window` rounds, whose mean loss stands for the paper's epoch loss.
  z.strictObject({ method: z.literal('dwa'), temperature: z.number().positive().max(1000).default(2), window: z.number().int().min(1).max(1_000_000).default(10) }),
  z.strictObject({ method: z.literal('famo'), lr: z.number().positive().max(10).default(0.025), gamma: z.number().min(0).max(1).default(0.001) }),
]);

export type AggregationConfig = z.infer<typeof aggregationSchema>;
