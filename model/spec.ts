// The model's spec: its layer graph, tensor names, shapes, initialisation and fingerprint, in plain
// TypeScript so the coordinator (which has no tensor library) and the workers agree on the model
// without tfjs.
import { createHash } from 'node:crypto';
import type { ModelConfig } from '../config/schema.js';
import { Random } from '../lib/random.js';
import { lenet5Layers, mlpLayers } from './builtin-models.js';
import { modelDefinition, modelFiles, type ModelDefinition } from './definition.js';
import { buildNodes, headLayers, ModelGraphError } from './graph.js';
import type { GraphLayer } from './layers/index.js';
import { checkSpecAllocatable } from './limits.js';

export type Init = 'he' | 'glorot' | 'zeros' | 'ones';

export interface TensorSpec {
  name: string;
  shape: number[];
  size: number;
  init: Init;
  fanIn: number;
  fanOut: number;
}

export interface ModelSpec {
  /** What the model is, for messages: mlp, lenet5, or the layer list's or model file's name. */
  name: string;
  /** Shape of one example, e.g. [28, 28, 1] or [64]. */
  inputShape: number[];
  /** Every layer, inputs first (model/graph.ts), the head's included. */
  layers: GraphLayer[];
  /** The head's layers (Dense), in order; the last one's units are each task's classes. */
  head: string[];
  /** The backbone's parameters: every tensor here is shared (W) and has a sparse per-task companion (S_t). */
  shared: TensorSpec[];
  /** The backbone's statistics (BatchNormalization's moving mean and variance): per task, like the head. */
  stats: TensorSpec[];
  /** Width of the backbone's output, the head's input. */
  featureSize: number;
}

export function tensor(name: string, shape: number[], init: Init, fanIn: number, fanOut: number): TensorSpec {
  return { name, shape, size: shape.reduce((a, b) => a * b, 1), init, fanIn, fanOut };
}

/** The spec of a model for examples of shape `inputShape`; throws a ModelGraphError naming the layer
 *  when the graph cannot take such examples, or (a ModelLimitError, with the arithmetic) when a shared
 *  tensor would not fit one array. The batch, heads and memory are checked by checkAllocatable
 *  (model/limits.ts), which needs the train config. */
export function buildModelSpec(model: ModelConfig, inputShape: readonly number[]): ModelSpec {
  const definition = modelDefinition(model, inputShape.length);
  try {
    return specOf(definition, inputShape);
  } catch (err) {
    // A model file's layer at fault (an unsupported class, a shape): the message names the file too.
    const [file] = modelFiles(model);
    if (err instanceof ModelGraphError && file !== undefined) throw new ModelGraphError(`${file}: ${err.message}`);
    throw err;
  }
}

/** The spec of a model definition (a config's, or a bundle's layers). */
export function specOf(definition: ModelDefinition, inputShape: readonly number[]): ModelSpec {
  const nodes = buildNodes(definition.layers, inputShape);
  const head = headLayers(nodes, definition.head);
  const inHead = new Set(head);
  const shared: TensorSpec[] = [];
  const stats: TensorSpec[] = [];
  for (const n of nodes) {
    if (inHead.has(n.layer.name)) continue;
    for (const w of n.weights) (w.role === 'param' ? shared : stats).push(tensor(`${n.layer.name}/${w.name}`, w.shape, w.init, w.fanIn, w.fanOut));
  }
  if (shared.length === 0) throw new ModelGraphError('the backbone (every layer before the head) has no parameters to share');
  const first = nodes.find((n) => n.layer.name === head[0])!;
  const features = nodes.find((n) => n.layer.name === first.layer.inputs[0])!.outputShape;
  if (features.length !== 1) throw new ModelGraphError(`the head's first layer "${head[0]}" takes features of shape [${features.join(', ')}]; add a Flatten or a pooling layer before the head`);
  const spec: ModelSpec = { name: definition.name, inputShape: [...inputShape], layers: definition.layers, head, shared, stats, featureSize: features[0] };
  checkSpecAllocatable(spec);
  return spec;
}

/** A task's own head: its Dense layers, the last one sized to the task's classes. */
export function headSpec(spec: ModelSpec, classes: number): TensorSpec[] {
  const out: TensorSpec[] = [];
  let inputs = spec.featureSize;
  spec.head.forEach((name, i) => {
    const layer = spec.layers.find((l) => l.name === name)!;
    const units = i === spec.head.length - 1 ? classes : (layer.config.units as number);
    out.push(tensor(`${name}/kernel`, [inputs, units], 'glorot', inputs, units));
    if (layer.config.use_bias !== false) out.push(tensor(`${name}/bias`, [units], 'zeros', inputs, units));
    inputs = units;
  });
  return out;
}

/** Entries per example of the input and of every layer's output, in layer order: a batch makes each of
 *  them one tensor of batch x that many entries (model/limits.ts bounds them). */
export function activationSizes(spec: ModelSpec): number[] {
  return buildNodes(spec.layers, spec.inputShape).map((n) => n.outputShape.reduce((a, b) => a * b, 1));
}

export function totalSize(tensors: readonly TensorSpec[]): number {
  return tensors.reduce((a, t) => a + t.size, 0);
}

/** Seeded initialisation: He-normal or Glorot-uniform by each tensor's init, zero biases, ones for scales
 *  and variances. Each tensor draws from its own stream, so adding a task does not change another's weights. */
export function initTensors(tensors: readonly TensorSpec[], seed: number, scope: string): Float32Array[] {
  return tensors.map((t) => {
    const out = new Float32Array(t.size);
    if (t.init === 'zeros') return out;
    if (t.init === 'ones') return out.fill(1);
    const rng = Random.stream(seed, `init/${scope}/${t.name}`);
    if (t.init === 'he') {
      const std = Math.sqrt(2 / t.fanIn);
      rng.fillGaussian(out, std);
    } else {
      const limit = Math.sqrt(6 / (t.fanIn + t.fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
    }
    return out;
  });
}

/** Whether the spec is a built-in network, layer for layer. */
function isBuiltIn(spec: ModelSpec): boolean {
  if (spec.name !== 'mlp' && spec.name !== 'lenet5') return false;
  const hidden = spec.shared.filter((t) => t.name.endsWith('/bias')).map((t) => t.size);
  const layers = spec.name === 'lenet5' ? lenet5Layers() : mlpLayers(hidden, spec.inputShape.length);
  return JSON.stringify(layers) === JSON.stringify(spec.layers);
}

/** A hash of the model's layers and every tensor's name and shape: two peers with different models must
 *  not exchange gradients. The built-in networks hash as they did before they were layer lists, so their
 *  checkpoints and bundles keep their fingerprint. */
export function modelFingerprint(spec: ModelSpec): string {
  const tensors = spec.shared.map((t) => [t.name, t.shape]);
  const canonical = isBuiltIn(spec)
    ? JSON.stringify({ arch: spec.name, inputShape: spec.inputShape, hidden: spec.name === 'mlp' ? spec.shared.filter((t) => t.name.endsWith('/bias')).map((t) => t.size) : [], shared: tensors })
    : JSON.stringify({ layers: spec.layers, head: spec.head, inputShape: spec.inputShape, shared: tensors, stats: spec.stats.map((t) => [t.name, t.shape]) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
