import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundle, BundleError, effectiveWeights, readBundle, writeBundle } from '../../model/bundle.js';
import { exportTfjsLayersModel } from '../../model/export-tfjs.js';
import { logits } from '../../model/forward.js';
import { Random } from '../../lib/random.js';
import { buildModelSpec, headSpec, type ModelSpec } from '../../model/spec.js';
import { IMAGE_MODELS, randomBundle, TASKS } from '../support/bundles.js';

const root = mkdtempSync(join(tmpdir(), 'hybrid-tfjs-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A file:// load handler: model.json and the weight files its manifest names, read from disk. */
function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const files = manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
        const data = Buffer.concat(files);
        return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
      });
    },
  };
}

/** The reference: softmax of forward.ts's logits with W + S_t, the task's head and statistics. */
function reference(bundle: Bundle, task: string, x: tf.Tensor): Float32Array {
  return tf.tidy(() => {
    const t = bundle.tasks.find((k) => k.name === task);
    if (!t) throw new Error(`fixture: no task ${task}`);
    const shared = effectiveWeights(bundle, task).map((w, l) => tf.tensor(w, bundle.spec.shared[l].shape));
    const head = headSpec(bundle.spec, t.classes).map((h, i) => tf.tensor(t.head[i], h.shape));
    const stats = bundle.spec.stats.map((s, i) => tf.tensor(t.stats[i], s.shape));
    return tf.softmax(logits(bundle.spec, { shared, head, stats }, x)).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const models: [string, ModelSpec][] = [...IMAGE_MODELS, ['mlp on flat input', buildModelSpec({ arch: 'mlp', hidden: [16, 8] }, [20])]];

describe.each(models)('TF.js export of %s', (label, spec) => {
  const original = randomBundle(spec, TASKS, 5, 0.1);
  const bundleDir = join(root, `${label.replace(/\W/g, '_')}-bundle`);
  // Export from the bundle as read back from disk: the path `hybrid export` takes.
  writeBundle(bundleDir, original);
  const bundle = readBundle(bundleDir);

  it.each(TASKS)('task $name loads with tf.loadLayersModel and matches forward.ts', async ({ name, classes }) => {
    const outDir = join(root, `${label.replace(/\W/g, '_')}-${name}`);
    const { modelJson } = exportTfjsLayersModel(bundle, name, outDir);
    expect(modelJson).toBe(join(outDir, 'model.json'));
    expect(readdirSync(outDir).sort()).toEqual(['model.json', 'weights.bin']);

    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name) as string[];
    expect([...names].sort()).toEqual([...spec.shared, ...headSpec(spec, classes), ...spec.stats].map((t) => t.name).sort());
    // The model's own layer names, in its order.
    expect(json.modelTopology.config.layers.map((l: { config: { name: string } }) => l.config.name)).toEqual(spec.layers.map((l) => l.name));
    // A chain of layers is written as Keras writes one, Sequential; a graph with a skip as a functional model.
    expect(json.modelTopology.class_name).toBe(label === 'resnet' ? 'Model' : 'Sequential');
    const layers = json.modelTopology.config.layers as { class_name: string; config: { activation?: string; units?: number } }[];
    expect(layers[0].class_name).toBe('InputLayer');
    expect(layers.at(-1)).toMatchObject({ class_name: 'Dense', config: { activation: 'softmax', units: classes } });

    const model = await tfl.loadLayersModel(fileHandler(modelJson));
    try {
      expect(model.outputs[0].shape).toEqual([null, classes]);
      const rng = Random.stream(classes, 'test/inputs');
      const batch = 6;
      const x = tf.tensor(
        Float32Array.from({ length: batch * spec.inputShape.reduce((a, b) => a * b, 1) }, () => rng.uniform()),
        [batch, ...spec.inputShape],
      );
      const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
      const expected = reference(bundle, name, x);
      // The sparse part must be in the export: without S_t the predictions differ well beyond tolerance.
      const withoutSparse: Bundle = { ...bundle, tasks: bundle.tasks.map((t) => ({ ...t, sparse: t.sparse.map((s) => new Float32Array(s.length)) })) };
      const denseOnly = reference(withoutSparse, name, x);
      x.dispose();
      expect(maxAbsDiff(predicted, expected)).toBeLessThan(1e-5);
      expect(maxAbsDiff(predicted, denseOnly)).toBeGreaterThan(1e-3);
    } finally {
      model.dispose();
    }
  });
});

describe('TF.js export errors', () => {
  const spec = buildModelSpec({ arch: 'mlp', hidden: [8] }, [12]);
  const bundle = randomBundle(spec, TASKS, 1, 0.1);

  it('an unknown task lists the known ones', () => {
    let error: unknown;
    try {
      exportTfjsLayersModel(bundle, 'letters', join(root, 'letters'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BundleError);
    expect((error as Error).message).toMatch(/unknown task "letters"; the bundle holds digits, fashion/);
  });
});
