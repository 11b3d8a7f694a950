// A task trainer started from model files (`model.from`) rather than from drawn weights, and what the
// start is worth before any training: the task's own trained model (when there is one per task) and
// the merged model W + S_t (data-free: no example trained on yet).
import type { RunConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { fileModels, taskStart } from '../model/starting-point.js';
import type { ModelSpec } from '../model/spec.js';
import { type Evaluation, TaskTrainer } from './trainer.js';

export interface StartEvaluation {
  /** The task's own model file as it came (one file per task only). */
  original: Evaluation | null;
  /** W + S_t with the task's head and statistics, before training. */
  merged: Evaluation;
}

/** Starts `trainer` (task `index`, holding W as `shared`) from the config's model files; null when the
 *  config has none. */
export function startFromModelFiles(trainer: TaskTrainer, config: RunConfig, spec: ModelSpec, index: number, data: TaskData, shared: readonly Float32Array[]): StartEvaluation | null {
  if (!('from' in config.model)) return null;
  // Each file checked against the spec and its weights put in order once, for the start and the teacher.
  const models = fileModels(config, spec);
  const start = taskStart(config, spec, index, trainer.classes, shared, models);
  if (!start) return null;
  trainer.startFrom(start);
  let original: Evaluation | null = null;
  const teacher = models[models.length === 1 ? 0 : index];
  if (config.train.distill) {
    if (teacher.classes !== trainer.classes)
      throw new Error(`train.distill: ${teacher.file} has ${teacher.classes} classes, task "${trainer.name}" has ${trainer.classes}; a teacher must have the task's classes`);
    trainer.setTeacher(teacher, config.train.distill);
  }
  if (models.length > 1) {
    const own = new TaskTrainer({ spec, data, weight: 1, train: config.train, sparsity: null, seed: config.seed });
    try {
      own.setShared(models[index].shared);
      own.startFrom({ head: models[index].head, stats: models[index].stats, sparse: null });
      original = own.evaluate();
    } finally {
      own.dispose();
    }
  }
  return { original, merged: trainer.evaluate() };
}
