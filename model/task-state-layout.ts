// What a task state of this model holds, in the order it travels (compression/task-state-stream.ts):
// both the worker that sends it and the coordinator that checks it derive it from the model and config.
import type { TaskStateLayout } from '../compression/task-state-stream.js';
import type { TrainConfig } from '../config/schema.js';
import { taskOptimizer } from '../config/settings.js';
import { slotCount } from '../optim/optimizer.js';
import { headSpec, type ModelSpec } from './spec.js';

export function taskStateLayout(spec: ModelSpec, train: TrainConfig): TaskStateLayout {
  return { shared: spec.shared, head: (classes) => headSpec(spec, classes), slots: slotCount(taskOptimizer(train).type), stats: spec.stats };
}
