// One task of a bundle as a standard TF.js LayersModel directory (model.json + weights.bin): the backbone
// with weights W + S_t, the task's head, and a softmax, loadable with tf.loadLayersModel anywhere. Written
// by hand so that exporting needs no tensor library; the layers mirror model/forward.ts exactly (an
// architecture's record in model/architectures/ holds both its forward pass and its layers).
import { join, resolve } from 'node:path';
import { writeFilesAtomically } from '../lib/atomic-write.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type Bundle, BundleError, effectiveWeights, findTask } from './bundle.js';
import { architecture } from './architectures/index.js';
import { denseLayer, inputLayer, type KerasLayerConfig, layerWeightNames } from './architectures/keras-layers.js';
import { headSpec, modelFingerprint, type ModelSpec, type TensorSpec } from './spec.js';

const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** The architecture's layers (mirroring its backbone()), then the head with a softmax. Weighted layers
 *  are named after their tensors' prefix in the spec, so TF.js's variable names are the spec's tensor
 *  names. */
function layers(spec: ModelSpec, classes: number): KerasLayerConfig[] {
  return [inputLayer(spec.inputShape), ...architecture(spec.arch).kerasLayers(spec), denseLayer('head', classes, 'softmax')];
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
    modelTopology: { class_name: 'Sequential', config: { name: `hybrid_${task}`, layers: stack }, keras_version: KERAS_VERSION, backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: ['weights.bin'], weights: tensors.map((x) => ({ name: x.name, shape: x.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { hybrid: { task, classes: t.classes, arch: spec.arch, fingerprint: modelFingerprint(spec), output: 'softmax probabilities' } },
  };
  writeFilesAtomically(outDir, [
    { name: 'weights.bin', data: weights },
    { name: 'model.json', data: new TextEncoder().encode(`${JSON.stringify(modelJson, null, 2)}\n`) },
  ]);
  return { modelJson: resolve(join(outDir, 'model.json')) };
}
