// What a run config's `model` section defines: a layer graph and its head, and for `from` the model
// files' weights. Files are read once per process (loadModelFiles, async: a Keras 3 file needs the HDF5
// reader) and then looked up synchronously, as the data sources are, by every process that builds the
// spec: `hybrid train`, the coordinator and each worker read the same files.
import { resolve } from 'node:path';
import type { ModelConfig } from '../config/schema.js';
import { lenet5Layers, mlpLayers } from './builtin-models.js';
import type { ModelArtifact } from './files/artifact.js';
import { layersFromList, layersFromTopology, ModelGraphError } from './graph.js';
import type { GraphLayer } from './layers/index.js';

export interface ModelDefinition {
  name: string;
  layers: GraphLayer[];
  /** The head's layer names; the model's last Dense layer when absent. */
  head?: string[];
}

/** The model files of a config's `from`, in task order (one file for every task, or one per task). */
export function modelFiles(model: ModelConfig): string[] {
  if (!('from' in model)) return [];
  return (typeof model.from === 'string' ? [model.from] : model.from).map((f) => resolve(f));
}

const reading = new Map<string, Promise<ModelArtifact>>();
const settled = new Map<string, ModelArtifact>();

/** Reads the config's model files, each once per process (a failed read is not remembered), and keeps
 *  them for the synchronous lookups of modelDefinition. */
export async function loadModelFiles(model: ModelConfig): Promise<ModelArtifact[]> {
  return Promise.all(
    modelFiles(model).map(async (file) => {
      let p = reading.get(file);
      if (!p) {
        // Loaded on first use: the readers (and the HDF5 library) matter only to runs with model files.
        p = import('./files/read-model-file.js').then(({ readModelFile }) => readModelFile(file));
        reading.set(file, p);
      }
      try {
        const artifact = await p;
        settled.set(file, artifact);
        return artifact;
      } catch (err) {
        if (reading.get(file) === p) reading.delete(file);
        throw err;
      }
    }),
  );
}

/** A model file read by loadModelFiles. */
export function loadedModelFile(file: string): ModelArtifact {
  const artifact = settled.get(resolve(file));
  if (!artifact) throw new Error(`model file ${file} was not read yet: call loadModelFiles(config.model) before building the spec`);
  return artifact;
}

function headOf(model: { head?: string | string[] }): string[] | undefined {
  return model.head === undefined ? undefined : typeof model.head === 'string' ? [model.head] : model.head;
}

/** The layer graph a config's model section defines, for examples of rank `inputRank`. */
export function modelDefinition(model: ModelConfig, inputRank: number): ModelDefinition {
  if ('arch' in model) return model.arch === 'lenet5' ? { name: 'lenet5', layers: lenet5Layers() } : { name: 'mlp', layers: mlpLayers(model.hidden, inputRank) };
  if ('layers' in model) return { name: model.name ?? 'layers', layers: layersFromList(model.layers), head: headOf(model) };
  const artifacts = modelFiles(model).map(loadedModelFile);
  const [first] = artifacts;
  const name = first.topology.config.name ?? 'model';
  try {
    return { name, layers: layersFromTopology(first.topology), head: headOf(model) };
  } catch (err) {
    if (err instanceof ModelGraphError) throw new ModelGraphError(`${first.file}: ${err.message}`);
    throw err;
  }
}
