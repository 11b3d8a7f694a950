// Settings both sides derive from the run config, each computed in one place so that the coordinator
// and the workers agree on them.
import type { DistributedConfig, OptimizerConfig, TrainConfig } from './schema.js';

/** How often a worker sends a heartbeat. */
export function heartbeatMs(distributed: DistributedConfig): number {
  return Math.round(distributed.heartbeat_seconds * 1000);
}

/** A worker silent for this long (three heartbeats) has lapsed: dropped, and its task free to take over. */
export function lapseMs(distributed: DistributedConfig): number {
  return 3 * distributed.heartbeat_seconds * 1000;
}

/** The optimizer of each task's S_t and head: train.task_optimizer, else W's. */
export function taskOptimizer(train: TrainConfig): OptimizerConfig {
  return train.task_optimizer ?? train.optimizer;
}
