// Shared by the layers-equivalence*.test.ts files: a tfjs-layers model with random weights, read the way
// hybrid reads a TF.js model file (its topology through tfjsTopology, layersFromTopology and specOf, its
// weights by name into the spec's shared, head and stats tensors), and compared with tfjs-layers itself:
// forward.ts's logits against model.predict (or model.apply in training mode), and the gradients of
// sum(output * R) for a fixed random R through forward.ts against tf.variableGrads through the model.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect } from 'vitest';
import { Random } from '../../lib/random.js';
import { tfjsTopology } from '../../model/files/tfjs-artifact.js';
import { logits, type TaskWeights } from '../../model/forward.js';
import { layersFromTopology } from '../../model/graph.js';
import { registerWasmTrainingKernels } from '../../model/kernels/index.js';
import { headSpec, specOf, type ModelSpec } from '../../model/spec.js';

/** A layer-equivalence file's set-up: wasm with the training kernels, and its report lines, printed at
 *  the end when LAYERS_EQUIVALENCE_REPORT is set. Returns the report to add lines to. */
export function equivalenceSuite(): string[] {
  const report: string[] = [];
  beforeAll(useWasmWithKernels);
  afterAll(() => {
    if (process.env.LAYERS_EQUIVALENCE_REPORT) console.log(report.join('\n'));
  });
  return report;
}

/** wasm backend active with the project's training kernels, as `hybrid train --backend wasm` runs. */
export async function useWasmWithKernels(): Promise<void> {
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  registerWasmTrainingKernels();
  if (tf.getBackend() !== 'wasm') throw new Error(`the backend is ${tf.getBackend()}, not wasm`);
}

/** `dense_Dense1/kernel` -> `kernel`: the weight's own name, without the layer (or a scope) before it. */
export function weightSuffix(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

/** Random, non-trivial weights: kernels N(0, 1.2^2 / fan-in), biases and betas N(0, 0.3^2), gammas
 *  1 + N(0, 0.3^2), moving means N(0, 0.5^2) and moving variances uniform in [0.4, 1.9], so that a
 *  mix-up of two weights, of gamma and beta, or of the moving mean and variance shows. */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const out = new Float32Array(size(shape));
    const rng = Random.stream(seed, `weights/${w.originalName}`);
    const suffix = weightSuffix(w.originalName);
    if (suffix === 'moving_variance') for (let i = 0; i < out.length; i++) out[i] = 0.4 + 1.5 * rng.uniform();
    else if (suffix === 'moving_mean') rng.fillGaussian(out, 0.5);
    else if (suffix === 'gamma') rng.fillGaussian(out, 0.3).forEach((v, i) => (out[i] = 1 + v));
    else if (shape.length === 1) rng.fillGaussian(out, 0.3);
    else {
      // Kernels: fan-in is every axis but the output's; a depthwise kernel [kh, kw, cin, m] sums kh * kw.
      const fanIn = suffix === 'depthwise_kernel' ? shape[0] * shape[1] : out.length / shape[shape.length - 1];
      rng.fillGaussian(out, 1.2 / Math.sqrt(fanIn));
    }
    return tf.tensor(out, shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** A random batch of `shape` (no batch axis), N(0, 1). */
export function randomTensor(shape: readonly number[], seed: number, name: string, std = 1): tf.Tensor {
  return tf.tensor(Random.stream(seed, name).fillGaussian(new Float32Array(size(shape)), std), [...shape]);
}

/** The model as hybrid reads it, with copies of the model's current weights. */
export interface OurModel {
  spec: ModelSpec;
  classes: number;
  weights: TaskWeights;
  /** spec.shared's names, then the head's, in that order: what the gradients are taken with respect to. */
  paramNames: string[];
  /** Whether the model's output is softmax(logits) (a softmax head or a final softmax layer) rather than the logits. */
  softmaxOutput: boolean;
}

/** The tfjs-layers model's topology (Keras 2 form, as its model.json holds it) as hybrid reads it. */
export function topologyOf(model: tf.LayersModel) {
  // toJSON(null, false) gives the object (a string otherwise); the round trip through JSON is what a file is.
  return tfjsTopology(JSON.parse(JSON.stringify(model.toJSON(null, false))), `tfjs-layers model ${model.name}`);
}

/** The model read as hybrid reads a model file: topology -> layers -> spec, each weight by `<layer>/<weight>`. */
export function ourModel(model: tf.LayersModel): OurModel {
  const topology = topologyOf(model);
  // tfjs-layers 4.22 leaves depth_multiplier out of SeparableConv2D's config (its own loader then builds a
  // multiplier of 1 and refuses the saved weights); Keras writes it, and so does this, from the layer.
  for (const l of topology.config.layers) {
    if (l.class_name === 'SeparableConv2D' && l.config.depth_multiplier === undefined) {
      l.config.depth_multiplier = (model.getLayer(l.config.name) as unknown as { depthMultiplier: number }).depthMultiplier;
    }
  }
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const spec = specOf({ name: model.name, layers: layersFromTopology(topology) }, inputShape);
  const values = new Map<string, tf.Tensor>();
  for (const layer of model.layers) for (const w of layer.weights) values.set(`${layer.name}/${weightSuffix(w.originalName)}`, w.read());
  const used = new Set<string>();
  const take = (name: string, shape: readonly number[]): tf.Tensor => {
    const v = values.get(name);
    if (!v) throw new Error(`the tfjs-layers model has no weight ${name}; it has ${[...values.keys()].join(', ')}`);
    if (v.shape.join() !== shape.join()) throw new Error(`weight ${name}: the spec says [${shape.join(', ')}], tfjs-layers has [${v.shape.join(', ')}]`);
    used.add(name);
    return tf.clone(v);
  };
  const lastHead = spec.head[spec.head.length - 1];
  const classes = values.get(`${lastHead}/kernel`)?.shape[1];
  if (classes === undefined) throw new Error(`no kernel for the head's last layer ${lastHead}`);
  const head = headSpec(spec, classes);
  const weights: TaskWeights = { shared: spec.shared.map((t) => take(t.name, t.shape)), head: head.map((t) => take(t.name, t.shape)), stats: spec.stats.map((t) => take(t.name, t.shape)) };
  const unused = [...values.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`the spec leaves out the tfjs-layers weights ${unused.join(', ')}`);
  const output = spec.layers[spec.layers.length - 1];
  const softmaxOutput =
    output.className === 'Softmax' || output.config.activation === 'softmax' || (output.className === 'Activation' && output.config.activation === 'softmax' && output.inputs[0] === lastHead);
  return { spec, classes, weights, paramNames: [...spec.shared.map((t) => t.name), ...head.map((t) => t.name)], softmaxOutput };
}

/** forward.ts's output for the model: its logits, or softmax of them where the model's output is that. */
export function ourOutput(ours: OurModel, weights: TaskWeights, x: tf.Tensor, training: boolean, options: { statsOut?: tf.Tensor[]; seed?: number } = {}): tf.Tensor {
  const z = logits(ours.spec, weights, x, { training, statsOut: options.statsOut, seed: options.seed ?? 7 });
  return ours.softmaxOutput ? tf.softmax(z) : z;
}

/** Max |a - b| over max |b| (over `floor` where that is larger): the error relative to the reference's largest value. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>, floor = 0): number {
  if (actual.length !== reference.length) throw new Error(`lengths differ: ${actual.length} vs ${reference.length}`);
  let largest = floor;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    largest = Math.max(largest, Math.abs(reference[i]));
    worst = Math.max(worst, Math.abs(actual[i] - reference[i]));
  }
  return largest === 0 ? worst : worst / largest;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

export interface Comparison {
  /** forward.ts against tfjs-layers: max |a - b| / max(1, max |b|) over the batch's outputs. */
  forward: number;
  /** The largest |output| of tfjs-layers, to see that the comparison is not of near-zeros. */
  outputScale: number;
  /** Per trainable weight (`<layer>/<weight>`): max |a - b| / max |b| of the gradients; where a weight's
   *  gradient vanishes (a bias before a BatchNormalization in training mode gets exactly 0, which each
   *  side rounds differently), relative to a hundredth of the model's largest gradient entry instead. */
  gradients: Record<string, number>;
  /** The largest of `gradients`. */
  gradient: number;
  /** The largest |gradient entry| of tfjs-layers, to see that the comparison is not of zeros. */
  gradientScale: number;
}

/** Where tfjs-layers cannot differentiate the model itself (dilated convolutions), an equivalent model
 *  that it can, and how to read the model's weight gradient from that model's. */
export interface Reference {
  model: tf.LayersModel;
  /** The gradient of weight `name` (`<layer>/<weight>`) from the reference model's gradient of it; null
   *  for a weight that only the reference model has. */
  read(name: string, gradient: tf.Tensor): tf.Tensor | null;
}

export interface CompareOptions {
  batch?: number;
  training?: boolean;
  seed?: number;
  /** Skip the gradients (Dropout in training mode: tfjs-layers' draws are not ours). */
  forwardOnly?: boolean;
  /** Compare the gradients (and the outputs too with `referenceForward`) with this model's rather than the model's. */
  reference?: Reference;
  referenceForward?: boolean;
  /** A negative control: our copy of this weight (`<layer>/<weight>`) scaled by 1 + 1e-3. */
  perturb?: string;
}

function perturb(ours: OurModel, name: string): void {
  for (const [part, names] of [
    ['shared', ours.spec.shared.map((t) => t.name)],
    ['head', ours.paramNames.slice(ours.spec.shared.length)],
    ['stats', ours.spec.stats.map((t) => t.name)],
  ] as const) {
    const i = names.indexOf(name);
    if (i >= 0) (ours.weights[part] as tf.Tensor[])[i] = tf.mul(ours.weights[part][i], 1 + 1e-3);
    if (i >= 0) return;
  }
  throw new Error(`no weight ${name} to perturb`);
}

/** forward.ts against tfjs-layers on one random batch, with the model's current weights. */
export function compareWithTfjs(model: tf.LayersModel, options: CompareOptions = {}): Comparison {
  const { batch = 3, training = false, seed = 1 } = options;
  let result: Comparison | undefined;
  tf.tidy(() => {
    const ours = ourModel(model);
    if (options.perturb !== undefined) perturb(ours, options.perturb);
    const x = randomTensor([batch, ...ours.spec.inputShape], seed, 'x');
    const r = randomTensor([batch, ours.classes], seed, 'R');

    const forwardModel = options.referenceForward && options.reference ? options.reference.model : model;
    const reference = (training ? forwardModel.apply(x, { training: true }) : forwardModel.predict(x)) as tf.Tensor;
    const mine = ourOutput(ours, ours.weights, x, training);
    if (mine.shape.join() !== reference.shape.join()) throw new Error(`output shapes differ: ours [${mine.shape.join(', ')}], tfjs-layers [${reference.shape.join(', ')}]`);
    const refValues = reference.dataSync();
    const outputScale = maxAbs(refValues);
    const forward = relativeError(mine.dataSync(), refValues, 1);
    if (options.forwardOnly) {
      result = { forward, outputScale, gradients: {}, gradient: 0, gradientScale: 0 };
      return;
    }

    const refModel = options.reference?.model ?? model;
    const variables = refModel.trainableWeights.map((w) => w.read() as tf.Variable);
    const keyOf = new Map<string, string>();
    for (const layer of refModel.layers) for (const w of layer.trainableWeights) keyOf.set((w.read() as tf.Variable).name, `${layer.name}/${weightSuffix(w.originalName)}`);
    const { grads: refGrads } = tf.variableGrads(() => tf.sum(tf.mul(refModel.apply(x, { training }) as tf.Tensor, r)), variables);
    const shared = ours.weights.shared.length;
    const ourGrads = tf.grads((...params: tf.Tensor[]) =>
      tf.sum(tf.mul(ourOutput(ours, { shared: params.slice(0, shared), head: params.slice(shared), stats: ours.weights.stats }, x, training), r)),
    )([...ours.weights.shared, ...ours.weights.head]);
    const byName = new Map(ours.paramNames.map((name, i) => [name, ourGrads[i]]));
    const refByName = new Map<string, tf.Tensor>();
    for (const [variable, g] of Object.entries(refGrads)) {
      const name = keyOf.get(variable) ?? variable;
      const mine = options.reference ? options.reference.read(name, g) : g;
      if (mine) refByName.set(name, mine);
    }
    if ([...refByName.keys()].sort().join() !== [...byName.keys()].sort().join()) {
      throw new Error(`trainable weights differ: ours ${[...byName.keys()].join(', ')}; tfjs-layers ${[...refByName.keys()].join(', ')}`);
    }
    const largest = Math.max(...[...refByName.values()].map((g) => maxAbs(g.dataSync())));
    const gradients: Record<string, number> = {};
    for (const [name, g] of refByName) gradients[name] = relativeError(byName.get(name)!.dataSync(), g.dataSync(), largest * 1e-2);
    result = { forward, outputScale, gradients, gradient: Math.max(0, ...Object.values(gradients)), gradientScale: largest };
  });
  return result!;
}

/** The acceptance: outputs within FORWARD_TOLERANCE, every weight's gradient within GRADIENT_TOLERANCE,
 *  and neither compared as (near) zeros. */
export function expectEquivalent(c: Comparison, name: string): void {
  expect(c.outputScale, `${name}: outputs`).toBeGreaterThan(0.05);
  expect(c.forward, `${name}: forward`).toBeLessThanOrEqual(FORWARD_TOLERANCE);
  if (Object.keys(c.gradients).length > 0) expect(c.gradientScale, `${name}: gradients`).toBeGreaterThan(1e-3);
  for (const [weight, error] of Object.entries(c.gradients)) expect(error, `${name}: gradient of ${weight}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
}

/** One line for the report of errors (LAYERS_EQUIVALENCE_REPORT=1 prints them). */
export function reportLine(name: string, c: Comparison): string {
  const worst = Object.entries(c.gradients).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '-';
  return `${name}: forward ${c.forward.toExponential(2)} (|out| <= ${c.outputScale.toFixed(2)}), gradients ${c.gradient.toExponential(2)} (worst ${worst}) over ${Object.keys(c.gradients).length} tensors`;
}

export const FORWARD_TOLERANCE = 1e-5;
export const GRADIENT_TOLERANCE = 1e-4;

// ---------------------------------------------------------------------------------------------------
// Dilated convolutions

/** A kernel [kh, kw, a, b] with dilation - 1 zeros between its taps: [(kh - 1) dh + 1, (kw - 1) dw + 1, a, b]. */
export function spreadKernel(kernel: tf.Tensor, [dh, dw]: readonly number[]): tf.Tensor {
  const [kh, kw, a, b] = kernel.shape;
  const source = kernel.bufferSync();
  const out = tf.buffer([(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b], 'float32');
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) out.set(source.get(i, j, p, q), i * dh, j * dw, p, q);
  return out.toTensor();
}

/** The model with every dilated convolution made an undilated one over the spread kernel (same outputs),
 *  which tfjs-layers can differentiate: tfjs-core has no gradient for dilations above 1. The twin's kernel
 *  gradients, read at the taps, are the dilated kernels' gradients. */
export async function undilatedTwin(model: tf.LayersModel): Promise<Reference> {
  const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
  const dilations = new Map<string, number[]>();
  for (const l of json.config.layers) {
    const d = l.config.dilation_rate as number[] | undefined;
    if (!d || d.every((n) => n === 1)) continue;
    const [kh, kw] = l.config.kernel_size as number[];
    l.config.kernel_size = [(kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1];
    l.config.dilation_rate = [1, 1];
    dilations.set(l.config.name, d);
  }
  const twin = await tf.models.modelFromJSON({ modelTopology: json });
  const spread = (layer: string, weight: string) => dilations.has(layer) && (weight === 'kernel' || weight === 'depthwise_kernel');
  model.layers.forEach((layer, i) =>
    tf.tidy(() =>
      twin.layers[i].setWeights(layer.getWeights().map((v, k) => (spread(layer.name, weightSuffix(layer.weights[k].originalName)) ? spreadKernel(v, dilations.get(layer.name)!) : v))),
    ),
  );
  return {
    model: twin,
    read(name, gradient) {
      const layer = name.slice(0, name.lastIndexOf('/'));
      if (!spread(layer, weightSuffix(name))) return gradient;
      const [dh, dw] = dilations.get(layer)!;
      return tf.stridedSlice(gradient, [0, 0, 0, 0], gradient.shape, [dh, dw, 1, 1]);
    },
  };
}

/** The model with every BatchNormalization given gamma = 1 and beta = 0 where it has none (same outputs):
 *  tfjs-core's batchNorm gradient fails without a scale or an offset (it saves the missing input). */
export async function fullBatchNormTwin(model: tf.LayersModel): Promise<Reference> {
  const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
  const added = new Set<string>();
  for (const l of json.config.layers) {
    if (l.class_name !== 'BatchNormalization') continue;
    if (l.config.scale === false) added.add(`${l.config.name}/gamma`);
    if (l.config.center === false) added.add(`${l.config.name}/beta`);
    Object.assign(l.config, { scale: true, center: true });
  }
  const twin = await tf.models.modelFromJSON({ modelTopology: json });
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'BatchNormalization') return twin.layers[i].setWeights(layer.getWeights());
    const mine = new Map(layer.weights.map((w, k) => [weightSuffix(w.originalName), layer.getWeights()[k]]));
    const c = mine.get('moving_mean')!.shape[0];
    tf.tidy(() =>
      twin.layers[i].setWeights(twin.layers[i].weights.map((w) => mine.get(weightSuffix(w.originalName)) ?? (weightSuffix(w.originalName) === 'gamma' ? tf.ones([c]) : tf.zeros([c])))),
    );
  });
  return { model: twin, read: (name, gradient) => (added.has(name) ? null : gradient) };
}

// ---------------------------------------------------------------------------------------------------
// Models

export const L = tf.layers;
type LayerArg = tf.layers.Layer;

/** input -> layers -> Dense(classes): a Sequential model whose head is a linear Dense, so its output is the logits. */
export function sequentialModel(inputShape: number[], layers: LayerArg[], classes = 3): tf.Sequential {
  return tf.sequential({ layers: [L.inputLayer({ inputShape }), ...layers, L.dense({ units: classes })] });
}

/** A layer alone on an image: a 1 x 1 Conv2D in front (the backbone needs a parameter to share), the layer,
 *  then Flatten and the head. */
export function imageLayerModel(inputShape: number[], layer: LayerArg, classes = 3): tf.Sequential {
  return sequentialModel(inputShape, [L.conv2d({ filters: inputShape[2], kernelSize: 1 }), layer, L.flatten()], classes);
}

/** A layer alone on features: a Dense in front (the backbone's parameter), the layer, the head. */
export function featureLayerModel(features: number, layer: LayerArg, classes = 3): tf.Sequential {
  return sequentialModel([features], [L.dense({ units: features }), layer], classes);
}

export { tf };
