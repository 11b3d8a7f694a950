// A task trainer's state as one trainer hands it to another (a replacement worker, a joining replica, a
// checkpoint through the coordinator), and the check that a state fits the trainer that takes it.
import type { SamplerPosition } from '../data/batches.js';
import { headSpec, type ModelSpec } from '../model/spec.js';
import type { OptimizerState } from '../optim/optimizer.js';

/** Everything a replacement trainer needs to go on where this one stopped. */
export interface TrainerState {
  step: number;
  sparse: Float32Array[];
  /** Support of S_t; null while S_t is still dense (warm-up). */
  support: Uint8Array[] | null;
  head: Float32Array[];
  headOptimizer: OptimizerState;
  sparseOptimizer: OptimizerState | null;
  /** The task's statistics (BatchNormalization's moving mean and variance), in spec.stats order. */
  stats: Float32Array[];
  /** Where the batch order stands; null in states from before it travelled (a fresh order then). */
  sampler: SamplerPosition | null;
}

/** Throws, naming what differs, unless `state` fits a trainer of `task` on `spec` with `classes` classes
 *  (`sparse`: a hybrid trainer, with S_t). */
export function checkStateFits(state: TrainerState, spec: ModelSpec, classes: number, sparse: boolean, task: string): void {
  const shapes = spec.shared;
  if (sparse) {
    if (state.sparse.length !== shapes.length) throw new Error(`task ${task}: state has ${state.sparse.length} sparse tensors, expected ${shapes.length}`);
    state.sparse.forEach((v, i) => {
      if (v.length !== shapes[i].size) throw new Error(`task ${task}: sparse tensor ${shapes[i].name} has ${v.length} entries, expected ${shapes[i].size}`);
    });
  }
  const heads = headSpec(spec, classes);
  if (state.head.length !== heads.length || state.head.some((h, i) => h.length !== heads[i].size)) {
    throw new Error(`task ${task}: the state's head does not fit ${classes} classes`);
  }
  if (state.stats.length !== spec.stats.length || state.stats.some((v, i) => v.length !== spec.stats[i].size)) {
    throw new Error(`task ${task}: the state's statistics do not fit the model's ${spec.stats.map((t) => t.name).join(', ') || '(none)'}`);
  }
}
