// What a task state of this model holds, in the order it travels (compression/task-state-stream.ts):
// both the worker that sends it and the coordinator that checks it derive it from the model and config.
import type { TaskStateLayout } from '../compression/task-state-stream.js';
import type { TrainConfig } from '../config/schema.js';
import { taskOptimizer } from '../config/settings.js';
import { slotCount } from '../optim/optimizer.js';
import { headSpec, totalSize, type ModelSpec } from './spec.js';

export function taskStateLayout(spec: ModelSpec, train: TrainConfig): TaskStateLayout {
  return { shared: spec.shared, head: (classes) => headSpec(spec, classes), slots: slotCount(taskOptimizer(train).type), stats: spec.stats };
}

/** The most entries a replica's vector for a task of at most `classes` classes holds
 *  (worker/replica-vector.ts): S_t's gradient in full, the head's and the statistics. */
export function replicaVectorBound(spec: ModelSpec, classes: number): number {
  return totalSize(spec.shared) + totalSize(headSpec(spec, classes)) + totalSize(spec.stats);
}
