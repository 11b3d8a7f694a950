// One task of a bundle as a standard TF.js LayersModel directory (model.json + weights.bin): the backbone
// with weights W + S_t, the task's head, and a softmax, loadable with tf.loadLayersModel anywhere. Written
// by hand so that exporting needs no tensor library; the layers mirror model/forward.ts exactly.
import { join, resolve } from 'node:path';
import { writeFilesAtomically } from '../lib/atomic-write.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type Bundle, BundleError, effectiveWeights, findTask } from './bundle.js';
import { headSpec, LENET5, modelFingerprint, type ModelSpec, type TensorSpec } from './spec.js';

const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** A Keras layer config as TF.js serialises it (snake_case keys; tfjs-layers converts them on load). */
interface LayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

const glorotNormal = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } };
const zeros = { class_name: 'Zeros', config: {} };
const noRegularisation = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

function inputLayer(shape: readonly number[]): LayerConfig {
  return { class_name: 'InputLayer', config: { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false, name: 'input' } };
}

function denseLayer(name: string, units: number, activation: 'relu' | 'softmax'): LayerConfig {
  return {
    class_name: 'Dense',
    config: { name, trainable: true, units, activation, use_bias: true, kernel_initializer: glorotNormal, bias_initializer: zeros, ...noRegularisation },
  };
}

function conv2dLayer(name: string, filters: number, kernel: number, padding: 'same' | 'valid'): LayerConfig {
  return {
    class_name: 'Conv2D',
    config: {
      name,
      trainable: true,
      filters,
      kernel_size: [kernel, kernel],
      strides: [1, 1],
      padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'relu',
      use_bias: true,
      kernel_initializer: glorotNormal,
      bias_initializer: zeros,
      ...noRegularisation,
    },
  };
}

function maxPoolLayer(name: string): LayerConfig {
  return { class_name: 'MaxPooling2D', config: { name, trainable: true, pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' } };
}

function flattenLayer(): LayerConfig {
  return { class_name: 'Flatten', config: { name: 'flatten', trainable: true } };
}

/** The layer stack of forward.ts's backbone, then the head with a softmax. Each weighted layer is
 *  named after its tensors' prefix in the spec (dense0/kernel -> layer dense0), so TF.js's variable
 *  names (layer/kernel, layer/bias) are the spec's tensor names. */
function layers(spec: ModelSpec, classes: number): LayerConfig[] {
  const out: LayerConfig[] = [inputLayer(spec.inputShape)];
  if (spec.arch === 'mlp') {
    // forward.ts reshapes to [batch, -1]; Flatten does the same (row-major) for inputs of rank > 1.
    if (spec.inputShape.length > 1) out.push(flattenLayer());
    spec.hidden.forEach((units, i) => out.push(denseLayer(`dense${i}`, units, 'relu')));
  } else {
    out.push(
      conv2dLayer('conv1', LENET5.conv1, LENET5.kernel, 'same'),
      maxPoolLayer('pool1'),
      conv2dLayer('conv2', LENET5.conv2, LENET5.kernel, 'valid'),
      maxPoolLayer('pool2'),
      flattenLayer(),
      denseLayer('dense1', LENET5.dense1, 'relu'),
      denseLayer('dense2', LENET5.dense2, 'relu'),
    );
  }
  out.push(denseLayer('head', classes, 'softmax'));
  return out;
}

/** The variable names the layer stack creates, in order; they must be the spec's tensor names. */
function layerWeightNames(stack: readonly LayerConfig[]): string[] {
  return stack.filter((l) => l.class_name === 'Dense' || l.class_name === 'Conv2D').flatMap((l) => [`${l.config.name}/kernel`, `${l.config.name}/bias`]);
}

export function exportTfjsLayersModel(bundle: Bundle, task: string, outDir: string): { modelJson: string } {
  const { spec } = bundle;
  const t = findTask(bundle, task);
  const tensors: TensorSpec[] = [...spec.shared, ...headSpec(spec, t.classes)];
  const values: Float32Array[] = [...effectiveWeights(bundle, task), ...t.head];
  const stack = layers(spec, t.classes);
  const names = layerWeightNames(stack);
  if (names.join() !== tensors.map((x) => x.name).join()) {
    throw new BundleError(`export of task ${task}: the ${spec.arch} layer stack names its weights [${names.join(', ')}], the spec [${tensors.map((x) => x.name).join(', ')}]`);
  }

  const bytes = values.reduce((a, v) => a + v.byteLength, 0);
  const weights = new Uint8Array(bytes);
  let offset = 0;
  values.forEach((v, i) => {
    if (v.length !== tensors[i].size) throw new BundleError(`export of task ${task}: ${tensors[i].name} has ${v.length} values, expected ${tensors[i].size}`);
    // Float32Array bytes are host order; bundle.ts refuses big-endian hosts, and TF.js reads little-endian.
    weights.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  });

  const modelJson = {
    format: 'layers-model',
    generatedBy: 'hybrid (model/export-tfjs.ts)',
    convertedBy: `hybrid ${BUNDLE_FORMAT} v${BUNDLE_VERSION} -> tfjs layers-model`,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: `hybrid_${task}`, layers: stack },
      keras_version: KERAS_VERSION,
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: tensors.map((x) => ({ name: x.name, shape: x.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { hybrid: { task, classes: t.classes, arch: spec.arch, fingerprint: modelFingerprint(spec), output: 'softmax probabilities' } },
  };
  writeFilesAtomically(outDir, [
    { name: 'weights.bin', data: weights },
    { name: 'model.json', data: new TextEncoder().encode(`${JSON.stringify(modelJson, null, 2)}\n`) },
  ]);
  return { modelJson: resolve(join(outDir, 'model.json')) };
}
