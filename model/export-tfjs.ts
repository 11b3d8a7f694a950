// One task of a bundle as a standard TF.js LayersModel directory (model.json + weights.bin): the model's
// own layers and names (Sequential for a chain of layers, functional otherwise), the backbone with weights W + S_t, the task's head (its last layer sized to the
// task's classes) and statistics, loadable with tf.loadLayersModel anywhere. Written by hand so that
// exporting needs no tensor library; the layers are those model/forward.ts runs.
import { join, resolve } from 'node:path';
import { writeFilesAtomically } from '../lib/atomic-write.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type Bundle, BundleError, effectiveWeights, findTask } from './bundle.js';
import { buildNodes } from './graph.js';
import type { GraphLayer } from './layers/index.js';
import { headSpec, modelFingerprint, type ModelSpec } from './spec.js';

const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** Keys that say how a layer's weights were first drawn or constrained: the export carries the weights
 *  themselves, and Keras 3's objects for these are not all readable by TF.js. */
const DROPPED = /_(initializer|regularizer|constraint)$/;

/** The layer's Keras 2 config as TF.js reads it: the head's last layer sized to the task's classes. */
function exportedConfig(spec: ModelSpec, layer: GraphLayer, classes: number, inputShape: readonly number[]): Record<string, unknown> {
  const config = Object.fromEntries(Object.entries(layer.config).filter(([k]) => !DROPPED.test(k)));
  if (layer.className === 'InputLayer') {
    delete config.batch_shape;
    delete config.input_shape;
    delete config.shape;
    return { ...config, name: layer.name, batch_input_shape: [null, ...inputShape], dtype: 'float32', sparse: false };
  }
  if (layer.name === spec.head[spec.head.length - 1]) config.units = classes;
  return { ...config, name: layer.name };
}

export function exportTfjsLayersModel(bundle: Bundle, task: string, outDir: string): { modelJson: string } {
  const { spec } = bundle;
  const t = findTask(bundle, task);
  const shared = effectiveWeights(bundle, task);
  const byName = new Map<string, Float32Array>();
  spec.shared.forEach((x, i) => byName.set(x.name, shared[i]));
  headSpec(spec, t.classes).forEach((x, i) => byName.set(x.name, t.head[i]));
  spec.stats.forEach((x, i) => byName.set(x.name, t.stats[i]));

  // A chain (each layer taking the one before) is written as a Sequential model, as Keras and TF.js write
  // one; any other graph as a functional one.
  const chain = spec.layers.every((l, i) => (i === 0 ? l.inputs.length === 0 : l.inputs.length === 1 && l.inputs[0] === spec.layers[i - 1].name));
  const layers = spec.layers.map((layer) => ({
    ...(chain ? {} : { name: layer.name }),
    class_name: layer.className,
    config: exportedConfig(spec, layer, t.classes, spec.inputShape),
    ...(chain ? {} : { inbound_nodes: layer.inputs.length === 0 ? [] : [layer.inputs.map((i) => [i, 0, 0, {}])] }),
  }));
  // Every weight in layer order, with the head's last layer sized to the task's classes.
  const headShapes = new Map(headSpec(spec, t.classes).map((h) => [h.name, h.shape]));
  const weights = buildNodes(spec.layers, spec.inputShape).flatMap((n) =>
    n.weights.map((w) => {
      const name = `${n.layer.name}/${w.name}`;
      const values = byName.get(name);
      if (!values) throw new BundleError(`export of task ${task}: the bundle holds no values for ${name}`);
      return { name, shape: headShapes.get(name) ?? w.shape, values };
    }),
  );

  const bytes = weights.reduce((a, w) => a + w.values.byteLength, 0);
  const data = new Uint8Array(bytes);
  let offset = 0;
  for (const w of weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.values.length !== size) throw new BundleError(`export of task ${task}: ${w.name} has ${w.values.length} values, expected ${size}`);
    // Float32Array bytes are host order; bundle.ts refuses big-endian hosts, and TF.js reads little-endian.
    data.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
    offset += w.values.byteLength;
  }

  const input = spec.layers.find((l) => l.className === 'InputLayer')!;
  const output = spec.layers[spec.layers.length - 1];
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'hybrid (model/export-tfjs.ts)',
    convertedBy: `hybrid ${BUNDLE_FORMAT} v${BUNDLE_VERSION} -> tfjs layers-model`,
    modelTopology: {
      class_name: chain ? 'Sequential' : 'Model',
      config: { name: `${spec.name}_${task}`, layers, ...(chain ? {} : { input_layers: [[input.name, 0, 0]], output_layers: [[output.name, 0, 0]] }) },
      keras_version: KERAS_VERSION,
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { hybrid: { task, classes: t.classes, ...(t.classNames ? { class_names: t.classNames } : {}), model: spec.name, fingerprint: modelFingerprint(spec) } },
  };
  writeFilesAtomically(outDir, [
    { name: 'weights.bin', data },
    { name: 'model.json', data: new TextEncoder().encode(`${JSON.stringify(modelJson, null, 2)}\n`) },
  ]);
  return { modelJson: resolve(join(outDir, 'model.json')) };
}
