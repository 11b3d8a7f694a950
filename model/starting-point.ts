// Where a run starts from: W and each task's head, statistics and S_t. From the seeded initialisation
// (spec.ts), or from model files (`model.from`): one file gives W, heads and statistics to every task;
// one file per task (T trained models of one topology) gives W as their merge (model/merge.ts) and each
// task its own head, statistics and S_t = the largest rho of theta_t - W.
import type { RunConfig } from '../config/schema.js';
import { loadedModelFile, modelFiles } from './definition.js';
import type { ModelArtifact, NamedWeight } from './files/artifact.js';
import { layersFromTopology, ModelGraphError } from './graph.js';
import { mergeShared, sparseStart } from './merge.js';
import { sparseBudget } from './sparsity.js';
import { headSpec, initTensors, type ModelSpec, type TensorSpec, totalSize } from './spec.js';

/** One model file's weights in the spec's order. */
export interface FileModel {
  file: string;
  /** theta: the backbone's parameters, in spec.shared order. */
  shared: Float32Array[];
  /** The head's tensors in headSpec order, and the classes its last layer has. */
  head: Float32Array[];
  classes: number;
  stats: Float32Array[];
}

/** Where a task starts: its head and statistics (null: drawn by the trainer), and S_t with its support
 *  when it starts sparse. */
export interface TaskStart {
  head: Float32Array[] | null;
  stats: Float32Array[] | null;
  sparse: { values: Float32Array[]; support: Uint8Array[] } | null;
  /** The model file the task's weights came from. */
  file: string;
}

/** Config keys that do not make a topology: the layer's name (Keras numbers names per session), how its
 *  weights were first drawn or constrained, and bookkeeping. */
const NOT_TOPOLOGY = /^(name|trainable|dtype|.*_(initializer|regularizer|constraint))$/;

/** The first config key whose value differs between two layers of one class, shown as "key: a against b". */
function configDifference(theirs: Record<string, unknown>, mine: Record<string, unknown>): string | null {
  const keys = [...new Set([...Object.keys(mine), ...Object.keys(theirs)])].filter((k) => !NOT_TOPOLOGY.test(k));
  const key = keys.find((k) => JSON.stringify(theirs[k]) !== JSON.stringify(mine[k]));
  return key === undefined ? null : `${key} ${JSON.stringify(theirs[key]) ?? 'absent'} against ${JSON.stringify(mine[key]) ?? 'absent'}`;
}

/** Each file's layer that sits where the spec's layer does; refuses files whose topology differs,
 *  naming the first difference. Layer names may differ between files (Keras numbers them per session). */
function layerNames(artifact: ModelArtifact, spec: ModelSpec, reference: string): Map<string, string> {
  let layers;
  try {
    layers = layersFromTopology(artifact.topology);
  } catch (err) {
    throw new ModelGraphError(`${artifact.file}: ${(err as Error).message}`);
  }
  if (layers.length !== spec.layers.length) throw new ModelGraphError(`${artifact.file} has ${layers.length} layers, ${reference} has ${spec.layers.length}: the models must have one topology`);
  const names = new Map<string, string>();
  spec.layers.forEach((mine, i) => {
    const theirs = layers[i];
    names.set(mine.name, theirs.name);
    const differs = theirs.className !== mine.className ? `${theirs.className} against ${mine.className}` : configDifference(theirs.config, mine.config);
    const inputs = theirs.inputs.map((n) => layers.findIndex((l) => l.name === n)).join();
    const expected = mine.inputs.map((n) => spec.layers.findIndex((l) => l.name === n)).join();
    if (differs || inputs !== expected) {
      throw new ModelGraphError(
        `${artifact.file} differs from ${reference} at layer ${i} ("${theirs.name}" against "${mine.name}"): ${differs ?? 'its inputs differ'}; the models must have one topology`,
      );
    }
  });
  return names;
}

function weightOf(artifact: ModelArtifact, byName: Map<string, NamedWeight>, name: string, shape: readonly number[] | null): Float32Array {
  const w = byName.get(name);
  if (!w) throw new ModelGraphError(`${artifact.file} holds no weight ${name}; its weights are ${[...byName.keys()].join(', ')}`);
  if (shape && w.shape.join() !== shape.join()) throw new ModelGraphError(`${artifact.file}: weight ${name} has shape [${w.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
  return w.values;
}

/** The weights of one model file in the spec's order, checked against its shapes. */
export function fileModel(artifact: ModelArtifact, spec: ModelSpec, reference: string): FileModel {
  const names = layerNames(artifact, spec, reference);
  const byName = new Map(artifact.weights.map((w) => [w.name, w]));
  const theirs = (t: TensorSpec) => {
    const slash = t.name.indexOf('/');
    return `${names.get(t.name.slice(0, slash)) ?? t.name.slice(0, slash)}${t.name.slice(slash)}`;
  };
  const lastHead = spec.layers.find((l) => l.name === spec.head[spec.head.length - 1])!;
  const classes = lastHead.config.units as number;
  return {
    file: artifact.file,
    shared: spec.shared.map((t) => weightOf(artifact, byName, theirs(t), t.shape)),
    head: headSpec(spec, classes).map((t) => weightOf(artifact, byName, theirs(t), t.shape)),
    classes,
    stats: spec.stats.map((t) => weightOf(artifact, byName, theirs(t), t.shape)),
  };
}

/** The config's model files, read (loadModelFiles) and checked against the spec, in task order. */
export function fileModels(config: Pick<RunConfig, 'model'>, spec: ModelSpec): FileModel[] {
  const files = modelFiles(config.model);
  return files.map((f) => fileModel(loadedModelFile(f), spec, files[0]));
}

/** W at version 0: the seeded initialisation, or the model files' weights (merged when one per task). */
export function initialShared(config: Pick<RunConfig, 'model' | 'seed'>, spec: ModelSpec): Float32Array[] {
  if (!('from' in config.model)) return initTensors(spec.shared, config.seed, 'shared');
  const models = fileModels(config, spec);
  return models.length === 1
    ? models[0].shared.map((v) => v.slice())
    : mergeShared(
        models.map((m) => m.shared),
        config.model.merge,
      );
}

/** Where task `index` (of `classes` classes) starts against `shared` (W when it joins); null without model
 *  files. `models`: the config's files as fileModels reads them, when the caller has them already. A file whose head has other classes than the task leaves the head to the trainer's draw. */
export function taskStart(
  config: Pick<RunConfig, 'model' | 'tasks' | 'sparsity'>,
  spec: ModelSpec,
  index: number,
  classes: number,
  shared: readonly Float32Array[],
  models: readonly FileModel[] = fileModels(config, spec),
): TaskStart | null {
  if (!('from' in config.model)) return null;
  const model = models.length === 1 ? models[0] : models[index];
  const own = models.length > 1;
  if (own && model.classes !== classes) {
    throw new ModelGraphError(`${model.file} is task "${config.tasks[index].name}"'s model, its head has ${model.classes} classes, the task's data has ${classes}`);
  }
  return {
    head: model.classes === classes ? model.head.map((v) => v.slice()) : null,
    stats: model.stats.map((v) => v.slice()),
    sparse: own ? (({ sparse, support }) => ({ values: sparse, support }))(sparseStart(model.shared, shared, sparseBudget(totalSize(spec.shared), config.sparsity.rho))) : null,
    file: model.file,
  };
}
