// Users' own models for the own-models tests: a small functional tfjs-layers model with a skip connection
// and a BatchNormalization, its layers named; saving it as model.json + weights.bin (what tfjs' file://
// handler writes) or as a Keras 3 `.keras` file (test/support/keras3-writer.ts); loading a model.json
// back with tfjs-layers; a few fit steps; and its accuracy and weights by `<layer>/<weight>`.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../../data/dataset.js';
import { type Json, keras3Call, keras3Functional, keras3Input, keras3Layer, kerasTensor, writeKeras3File } from './keras3-writer.js';
import { fileSaveHandler } from '../../model/files/tfjs-save-handler.js';

/** The layer names of skipModel, in its order. */
export const SKIP_LAYERS = ['image', 'conv1', 'bn1', 'relu1', 'conv2', 'skip', 'relu2', 'flat', 'head'];

export interface SkipModelOptions {
  /** conv1 and conv2's filters (default 4). */
  filters?: number;
  classes?: number;
  /** Seeds the initialisers (tfjs-layers draws from Math.random without one). */
  seed?: number;
  inputShape?: number[];
}

/**
 * image -> conv1 (3x3, stride 2) -> bn1 -> relu1 -> conv2 (3x3, same) -> skip = add(relu1, conv2) ->
 * relu2 -> flat -> head (Dense, softmax). BatchNormalization's moving statistics are set away from their
 * initial 0 and 1, so that a file's statistics are told apart from fresh ones.
 */
export function skipModel(options: SkipModelOptions = {}): tfl.LayersModel {
  const { filters = 4, classes = 10, seed = 1, inputShape = [28, 28, 1] } = options;
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed * 16 + k });
  const input = tfl.input({ shape: inputShape, name: 'image' });
  const conv1 = tfl.layers.conv2d({ name: 'conv1', filters, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(1) }).apply(input) as tfl.SymbolicTensor;
  const bn1 = tfl.layers.batchNormalization({ name: 'bn1' }).apply(conv1) as tfl.SymbolicTensor;
  const relu1 = tfl.layers.activation({ name: 'relu1', activation: 'relu' }).apply(bn1) as tfl.SymbolicTensor;
  const conv2 = tfl.layers.conv2d({ name: 'conv2', filters, kernelSize: 3, padding: 'same', kernelInitializer: init(2) }).apply(relu1) as tfl.SymbolicTensor;
  const skip = tfl.layers.add({ name: 'skip' }).apply([relu1, conv2]) as tfl.SymbolicTensor;
  const relu2 = tfl.layers.activation({ name: 'relu2', activation: 'relu' }).apply(skip) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(relu2) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ name: 'head', units: classes, activation: 'softmax', kernelInitializer: init(3) }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ name: 'skipnet', inputs: input, outputs: head });
  const bn = model.getLayer('bn1');
  tf.tidy(() => {
    const [gamma, beta] = bn.getWeights();
    bn.setWeights([gamma, beta, tf.fill([filters], 0.05 * seed), tf.fill([filters], 1 + 0.1 * seed)]);
  });
  return model;
}

/** Saves `model` as `<dir>/model.json` + `<dir>/weights.bin`, as tfjs' file:// handler does. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<string> {
  await model.save(fileSaveHandler(dir));
  return join(dir, 'model.json');
}

/** A load handler for a model.json on disk and the weight files its manifest names. */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const data = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p)))));
        return Promise.resolve([specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)]);
      });
    },
  };
}

export function loadLayersModelFile(modelJsonPath: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(fileHandler(modelJsonPath));
}

/** The examples at `indices` of an in-memory split as one batch, labels one-hot. */
function batchOf(split: Split, size: number, shape: number[], classes: number, indices: readonly number[]): { xs: tf.Tensor; ys: tf.Tensor } {
  const x = new Float32Array(indices.length * size);
  const y = new Float32Array(indices.length * classes);
  indices.forEach((k, i) => {
    x.set(split.x.subarray(k * size, (k + 1) * size), i * size);
    y[i * classes + split.y[k]] = 1;
  });
  return { xs: tf.tensor(x, [indices.length, ...shape]), ys: tf.tensor(y, [indices.length, classes]) };
}

/** `steps` Adam steps of model.trainOnBatch on consecutive batches of the split (wrapping around). */
export async function fitSteps(
  model: tfl.LayersModel,
  split: Split,
  shape: number[],
  classes: number,
  steps: number,
  options: { batch?: number; lr?: number; offset?: number } = {},
): Promise<void> {
  const { batch = 32, lr = 3e-3, offset = 0 } = options;
  const size = shape.reduce((a, b) => a * b, 1);
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy' });
  for (let s = 0; s < steps; s++) {
    const indices = Array.from({ length: batch }, (_, i) => (offset + s * batch + i) % split.count);
    const { xs, ys } = batchOf(split, size, shape, classes, indices);
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  }
}

/** The model's own predicted classes (model.predict) for every example of an in-memory split. */
export function predictClasses(model: tfl.LayersModel, split: Split, shape: number[]): Int32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += 256) {
    const n = Math.min(256, split.count - start);
    const best = tf.tidy(() => (model.predict(tf.tensor(split.x.subarray(start * size, (start + n) * size), [n, ...shape])) as tf.Tensor).argMax(-1).dataSync());
    out.set(best, start);
  }
  return out;
}

/** Share of the split the model (its own predict) classifies correctly. */
export function layersAccuracy(model: tfl.LayersModel, split: Split, shape: number[]): number {
  const best = predictClasses(model, split, shape);
  return best.reduce((n, b, i) => n + (b === split.y[i] ? 1 : 0), 0) / split.count;
}

/** Every weight of the model by `<layer>/<weight>` (tfjs-layers' originalName), as values. */
export function weightsByName(model: tfl.LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) out.set(w.originalName, (w.read().dataSync() as Float32Array).slice());
  return out;
}

/**
 * Writes `model` (a functional tfjs-layers model of single-input, single-call layers) as a Keras 3 `.keras`
 * file: its layers in Keras 3's config form, its calls as {args, kwargs} of __keras_tensor__ inputs, and
 * each layer's variables in tfjs-layers' order (Keras' too: trainable ones, then the others, each in
 * creation order).
 */
export async function writeKeras3Of(model: tfl.LayersModel, path: string): Promise<void> {
  const topology = JSON.parse(JSON.stringify(model.toJSON(null, false))) as {
    config: { layers: { class_name: string; config: Json & { name: string }; inbound_nodes: [string, number, number, Json][][] }[] };
  };
  const shapeOf = (name: string) => model.getLayer(name).outputShape as (number | null)[];
  const layers = topology.config.layers.map((l) => {
    if (l.class_name === 'InputLayer') return keras3Input(l.config.name, (l.config.batch_input_shape as number[]).slice(1), true);
    const refs = l.inbound_nodes[0].map(([from, node, tensor]) => kerasTensor(from, shapeOf(from), node, tensor));
    const config = { ...l.config };
    delete config.batch_input_shape;
    return keras3Layer(l.class_name, config, { inbound: [keras3Call(refs.length === 1 ? refs : [refs])] });
  });
  const input = model.inputLayers[0].name;
  const output = model.outputLayers[0].name;
  const config = keras3Functional(model.name, layers, [input, 0, 0], [output, 0, 0]);
  const weights = Object.fromEntries(model.layers.filter((l) => l.weights.length > 0).map((l) => [l.name, l.weights.map((w) => ({ shape: w.shape as number[], values: w.read().dataSync() }))]));
  mkdirSync(dirname(path), { recursive: true });
  await writeKeras3File(path, config, weights);
}
