// What the first welcome says the run is, for this worker: the run config, its task's config and the
// model (from the config alone; the data, once loaded, must give the same model).
import { parseRunConfig } from '../config/load.js';
import type { RunConfig, TaskConfig } from '../config/schema.js';
import { taskInputShape } from '../data/shapes.js';
import { buildModelSpec, modelFingerprint, type ModelSpec } from '../model/spec.js';
import type { Welcome } from '../proto/codec.js';

export interface RunPlan {
  config: RunConfig;
  task: TaskConfig;
  spec: ModelSpec;
  fingerprint: string;
}

/** The plan of the run `welcome` describes; `previous` (from an earlier welcome) must be the same model. */
export function planRun(welcome: Welcome, task: string, source: string, previous: RunPlan | null): RunPlan {
  if (previous) {
    if (welcome.modelFingerprint !== previous.fingerprint) throw new Error(`the coordinator now has model ${welcome.modelFingerprint}, this worker trains ${previous.fingerprint}`);
    return previous;
  }
  const config = parseRunConfig(JSON.parse(welcome.configJson ?? '{}'), `run config from ${source}`);
  const taskConfig = config.tasks.find((t) => t.name === task);
  if (!taskConfig) throw new Error(`the run has no task "${task}"`);
  const spec = buildModelSpec(config.model, taskInputShape(taskConfig));
  return { config, task: taskConfig, spec, fingerprint: modelFingerprint(spec) };
}
