// The small run the shard tests share (docs/shards.md): an MLP of [64, 32] on two synthetic tasks of 64
// features, so that W is 64*64 + 64 + 64*32 + 32 = 6240 entries and K = 2 cuts it at 3072, inside its
// first tensor.
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';

/** W's entries per shared tensor for this config. */
export const SHARD_TEST_SIZES = [64 * 64, 64, 64 * 32, 32] as const;

export interface ShardTestOverrides {
  /** Added to the distributed section. */
  distributed?: object;
  aggregation?: object;
  /** Task a's replicas (1 unless given). */
  replicas?: number;
  /** The hidden layers (default [64, 32]): another model, another fingerprint. */
  hidden?: number[];
}

export function shardTestConfig(overrides: ShardTestOverrides = {}, what = 'shard test'): RunConfig {
  return parseRunConfig(
    {
      seed: 5,
      model: { arch: 'mlp', hidden: overrides.hidden ?? [64, 32] },
      tasks: [
        { name: 'a', dataset: { source: 'synthetic', features: 64, classes: 5, train: 128, test: 32, task_seed: 1 }, ...(overrides.replicas ? { replicas: overrides.replicas } : {}) },
        { name: 'b', dataset: { source: 'synthetic', features: 64, classes: 3, train: 128, test: 32, task_seed: 2 }, weight: 0.5 },
      ],
      train: { steps: 6, batch_size: 32, optimizer: { type: 'adam', lr: 0.01 } },
      sparsity: { rho: 0.05, warmup: 0.25, prune_end: 0.6, prune_every: 3 },
      distributed: { round_timeout_seconds: 60, report_every: 5, ...overrides.distributed },
      ...(overrides.aggregation ? { aggregation: overrides.aggregation } : {}),
    },
    what,
  );
}
