// Settings both sides derive from the run config, each computed in one place so that the coordinator
// and the workers agree on them. The schema bounds the config so that every delay here stays a valid
// Node timer delay (at most MAX_TIMER_MS).
import { LAPSE_HEARTBEATS, type DistributedConfig, type OptimizerConfig, type TrainConfig } from './schema.js';

/** How often a worker sends a heartbeat (at least 1 ms: the schema's minimum rounds to 1). */
export function heartbeatMs(distributed: DistributedConfig): number {
  return Math.max(1, Math.round(distributed.heartbeat_seconds * 1000));
}

/** A worker silent for this long (three heartbeats) has lapsed: dropped, and its task free to take over. */
export function lapseMs(distributed: DistributedConfig): number {
  return LAPSE_HEARTBEATS * distributed.heartbeat_seconds * 1000;
}

/** A sync round's deadline, counted from its opening: it then closes with at least `quorum` pushes in. */
export function roundTimeoutMs(distributed: DistributedConfig): number {
  return distributed.round_timeout_seconds * 1000;
}

/** The optimizer of each task's S_t and head: train.task_optimizer, else W's. */
export function taskOptimizer(train: TrainConfig): OptimizerConfig {
  return train.task_optimizer ?? train.optimizer;
}
