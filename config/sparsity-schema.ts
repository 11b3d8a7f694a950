// The run config's `sparsity` section: each task's S_t, its budget, the schedule that prunes it to the
// budget and how the budget is shared among the shared tensors (model/sparsity.ts).
import { z } from 'zod';
import { fraction, positiveInt } from './bounds.js';

export const sparsitySchema = z.strictObject({
  /** Budget: nnz(S_t) <= rho * |W| for every task, over all its shared tensors together. */
  rho: z.number().gt(0, 'density must be in (0, 1]').max(1, 'density must be in (0, 1]').default(0.02),
  /** Dense warm-up until this fraction of the steps (s0). */
  warmup: fraction.default(0.1),
  /** Gradual magnitude pruning ends at this fraction of the steps (s1); fine-tuning after. */
  prune_end: fraction.default(0.5),
  /** Prune every N steps during the schedule. */
  prune_every: positiveInt.default(10),
  /** Optional L1 penalty alpha * |S_t|_1. */
  l1: z.number().min(0).default(0),
  /** During fine-tuning, re-select the support by magnitude every N steps (0: fixed support). */
  reselect_every: z.number().int().min(0).default(0),
  /** How the budget is shared among the shared tensors (model/sparsity.ts allocateBudget): one top-k over
   *  all of them (global), the same count for each (uniform), or each its share by size with at least
   *  `floor` entries (proportional). */
  allocation: z.enum(['global', 'uniform', 'proportional']).default('global'),
  /** proportional: the least entries a tensor keeps (never more than its size). */
  floor: z.number().int().min(0).default(16),
});
