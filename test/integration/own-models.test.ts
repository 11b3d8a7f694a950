// A user's own model, round trip: a functional tfjs-layers model with a skip connection and a
// BatchNormalization, saved as model.json + weights.bin, is `model.from` of a `hybrid train` run on two
// mnist tasks (one rotated); each task then exported as a TF.js LayersModel (launch/export.ts) loads with
// tfjs-layers and predicts what the hybrid model (TaskModel, from the bundle alone) predicts, under the
// model's own layer names and with the task's own BatchNormalization statistics; `hybrid predict` and
// `hybrid eval` (launch/predict.ts) agree with the bundle. The same from a Keras 3 `.keras` file. And the
// errors found before anything trains: a truncated weight shard, an unsupported layer.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import type { TaskData } from '../../data/dataset.js';
import { decodeExample } from '../../data/images.js';
import { exportRun } from '../../launch/export.js';
import { evaluate, predict } from '../../launch/predict.js';
import { loadAllTasks, runTrain, type RunResult } from '../../launch/train.js';
import { initBackend } from '../../model/backend.js';
import { type Bundle, readBundle } from '../../model/bundle.js';
import { argmaxRows, TaskModel } from '../../model/task-model.js';
import { fitSteps, layersAccuracy, loadLayersModelFile, saveLayersModel, SKIP_LAYERS, skipModel, weightsByName, writeKeras3Of } from '../support/own-models.js';
import { bytesOf, errorOf, npyBytes, pngBytes, someDigits, tempDir, write } from '../support/user-data.js';

const quiet = () => {};
/** OWN_MODELS_REPORT=1 prints the numbers the tests compare. */
const report = (line: string) => {
  if (process.env.OWN_MODELS_REPORT) process.stderr.write(`own-models: ${line}\n`);
};
const root = tempDir('own-models');
const TASKS = ['digits', 'rot90'];
const SHAPE = [28, 28, 1];

function config(from: string | string[], steps = 8, model: object = {}): RunConfig {
  return parseRunConfig(
    {
      seed: 3,
      model: { from, ...model },
      tasks: [
        { name: 'digits', dataset: { source: 'mnist', train: 300, test: 200 } },
        { name: 'rot90', dataset: { source: 'mnist', train: 300, test: 200 }, transforms: [{ type: 'rotate', degrees: 90 }] },
      ],
      train: { steps, batch_size: 32, optimizer: { type: 'adam', lr: 2e-3 }, baseline: false },
      sparsity: { rho: 0.05, warmup: 0, prune_end: 0.5, prune_every: 2 },
    },
    'own-models test',
  );
}

/** Max |a - b| over two arrays of one length. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The first `n` test inputs of a task. */
function testInputs(data: TaskData, n: number): Float32Array {
  return data.test.x.slice(0, n * 784);
}

/** The loaded model's softmax output for `n` inputs. */
function layersPredict(model: tfl.LayersModel, x: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, [n, ...SHAPE])) as tf.Tensor).dataSync() as Float32Array);
}

/** The hybrid model's probabilities from the bundle alone. */
function bundleProbabilities(bundle: Bundle, task: string, x: Float32Array, n: number): Float32Array {
  const model = new TaskModel(bundle, task);
  try {
    return model.probabilities(x, n);
  } finally {
    model.dispose();
  }
}

let original: tfl.LayersModel;
let modelJson: string;
let runDir: string;
let result: RunResult;
let data: TaskData[];
let fileAccuracy: number;
let bundle: Bundle;
const exported = new Map<string, { path: string; model: tfl.LayersModel }>();

beforeAll(async () => {
  await initBackend('wasm', { log: quiet });
  // The user's model: trained a little on the digits (the data the run gives that task), so that the file
  // holds a model that predicts, and BatchNormalization statistics of its own.
  const cfg = config(join(root, 'file', 'model.json'));
  data = await loadAllTasks(cfg);
  original = skipModel({ seed: 1 });
  await fitSteps(original, data[0].train, SHAPE, 10, 100, { lr: 5e-3 });
  fileAccuracy = layersAccuracy(original, data[0].test, SHAPE);
  modelJson = await saveLayersModel(original, join(root, 'file'));
  runDir = join(root, 'run');
  result = await runTrain(cfg, { outDir: runDir, log: quiet });
  bundle = readBundle(join(runDir, 'bundle'));
  for (const task of TASKS) {
    const path = exportRun({ run: runDir, task, format: 'tfjs', out: join(root, 'export', task) }, quiet);
    exported.set(task, { path, model: await loadLayersModelFile(path) });
  }
});

afterAll(() => {
  for (const { model } of exported.values()) model.dispose();
  original?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('a tfjs-layers model file (skip connection, BatchNormalization) as model.from', () => {
  it('trains both tasks from the file and writes the run', () => {
    expect(result.tasks.map((t) => t.name)).toEqual(TASKS);
    report(`the file's model: digits test accuracy ${fileAccuracy}; results ${JSON.stringify(result.tasks)}`);
    expect(fileAccuracy).toBeGreaterThan(0.5);
    // The digits task starts from a model that knows them (merged_accuracy: W + S_t before training).
    expect(Math.abs(result.tasks[0].merged_accuracy! - fileAccuracy)).toBeLessThanOrEqual(1 / data[0].test.count + 1e-12);
    expect(result.tasks[0].hybrid_accuracy).toBeGreaterThan(0.5);
    for (const t of result.tasks) {
      expect(t.original_accuracy).toBeNull();
      expect(t.density).toBeLessThanOrEqual(0.05);
    }
    expect(existsSync(join(runDir, 'results.json'))).toBe(true);
    expect(bundle.spec.layers.map((l) => l.name)).toEqual(SKIP_LAYERS);
  });

  it.each(TASKS)('the export of task %s predicts what the bundle predicts, within 1e-5', (task) => {
    const n = 64;
    const d = data[TASKS.indexOf(task)];
    const x = testInputs(d, n);
    const mine = layersPredict(exported.get(task)!.model, x, n);
    const ours = bundleProbabilities(bundle, task, x, n);
    report(`${task}: export vs bundle ${maxAbsDiff(mine, ours).toExponential(2)}, vs the file's model ${maxAbsDiff(mine, layersPredict(original, x, n)).toExponential(2)}`);
    expect(maxAbsDiff(mine, ours)).toBeLessThan(1e-5);
    // Trained: the export is not the file's model as it came.
    expect(maxAbsDiff(mine, layersPredict(original, x, n))).toBeGreaterThan(1e-4);
  });

  it('the export keeps the original model’s layer names, classes and weight names', () => {
    for (const task of TASKS) {
      const { path, model } = exported.get(task)!;
      const json = JSON.parse(readFileSync(path, 'utf8')) as { modelTopology: { config: { layers: { name: string; class_name: string }[] } }; weightsManifest: { weights: { name: string }[] }[] };
      const layers = json.modelTopology.config.layers;
      expect(layers.map((l) => l.name)).toEqual(original.layers.map((l) => l.name));
      expect(layers.map((l) => l.class_name)).toEqual(original.layers.map((l) => l.getClassName()));
      expect(model.layers.map((l) => l.name)).toEqual(SKIP_LAYERS);
      expect(json.weightsManifest[0].weights.map((w) => w.name).sort()).toEqual(original.weights.map((w) => w.originalName).sort());
    }
  });

  it('BatchNormalization’s moving statistics in each export are its task’s own', () => {
    const fromFile = weightsByName(original);
    const stats = TASKS.map((task) => weightsByName(exported.get(task)!.model));
    for (const name of ['bn1/moving_mean', 'bn1/moving_variance']) {
      const [a, b] = stats.map((s) => s.get(name)!);
      report(
        `${name}: tasks differ by ${maxAbsDiff(a, b).toExponential(2)}, from the file by ${maxAbsDiff(a, fromFile.get(name)!).toExponential(2)} / ${maxAbsDiff(b, fromFile.get(name)!).toExponential(2)}`,
      );
      expect(maxAbsDiff(a, b), `${name}: the two tasks`).toBeGreaterThan(1e-5);
      expect(maxAbsDiff(a, fromFile.get(name)!), `${name}: digits against the file`).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(b, fromFile.get(name)!), `${name}: rot90 against the file`).toBeGreaterThan(1e-4);
      // And they are the bundle's statistics of that task.
      TASKS.forEach((task, i) => {
        const k = bundle.spec.stats.findIndex((s) => s.name === name);
        expect(Array.from(stats[i].get(name)!)).toEqual(Array.from(bundle.tasks.find((t) => t.name === task)!.stats[k]));
      });
    }
  });

  it('predict on a PNG and on a .npy gives the class the bundle’s model gives', async () => {
    const digits = await someDigits(12);
    const png = write(join(root, 'inputs', 'digit.png'), pngBytes(digits, 7));
    const npy = write(join(root, 'inputs', 'digits.npy'), npyBytes('<f4', [digits.count, 28, 28, 1], bytesOf(digits.x)));
    const pngX = new Float32Array(784);
    decodeExample(png, 28, 28, 1, pngX, 0);
    for (const task of TASKS) {
      const predictions = predict(runDir, task, [png, npy]);
      expect(predictions).toHaveLength(1 + digits.count);
      const expected = argmaxRows(bundleProbabilities(bundle, task, Float32Array.of(...pngX, ...digits.x), 1 + digits.count), 10);
      expect(predictions.map((p) => p.index)).toEqual(Array.from(expected));
      expect(predictions[0].input).toBe(png);
      expect(predictions[1].input).toBe(`${npy}[0]`);
      // The export agrees too.
      const exportedBest = argmaxRows(layersPredict(exported.get(task)!.model, Float32Array.of(...pngX, ...digits.x), 1 + digits.count), 10);
      expect(Array.from(exportedBest)).toEqual(Array.from(expected));
    }
  });

  it('evaluate gives the accuracy the bundle gives on that data', async () => {
    const digits = await someDigits(60);
    const x = write(join(root, 'eval', 'x.npy'), npyBytes('<f4', [digits.count, 28, 28, 1], bytesOf(digits.x)));
    const y = write(join(root, 'eval', 'y.npy'), npyBytes('<i4', [digits.count], bytesOf(digits.y)));
    const r = await evaluate(runDir, 'digits', JSON.stringify({ source: 'npy', x, y }));
    report(`evaluate: ${JSON.stringify(r)}`);
    expect(r.examples).toBe(digits.count);
    const best = argmaxRows(bundleProbabilities(bundle, 'digits', digits.x, digits.count), 10);
    const correct = best.reduce((n, b, i) => n + (b === digits.y[i] ? 1 : 0), 0);
    expect(r.accuracy).toBe(correct / digits.count);
  });
});

describe('a Keras 3 .keras file as model.from', () => {
  it('trains, and the export matches the bundle', async () => {
    const keras = join(root, 'keras', 'skipnet.keras');
    await writeKeras3Of(original, keras);
    const run = join(root, 'keras-run');
    const r = await runTrain(config(keras, 4), { outDir: run, log: quiet });
    expect(r.tasks.map((t) => t.name)).toEqual(TASKS);
    const b = readBundle(join(run, 'bundle'));
    expect(b.spec.layers.map((l) => l.name)).toEqual(SKIP_LAYERS);
    const n = 32;
    for (const [i, task] of TASKS.entries()) {
      const path = exportRun({ run, task, format: 'tfjs', out: join(run, 'export', task) }, quiet);
      const model = await loadLayersModelFile(path);
      try {
        expect(model.layers.map((l) => l.name)).toEqual(SKIP_LAYERS);
        const x = testInputs(data[i], n);
        report(`keras ${task}: export vs bundle ${maxAbsDiff(layersPredict(model, x, n), bundleProbabilities(b, task, x, n)).toExponential(2)}`);
        expect(maxAbsDiff(layersPredict(model, x, n), bundleProbabilities(b, task, x, n))).toBeLessThan(1e-5);
      } finally {
        model.dispose();
      }
    }
  });
});

describe('refused before training', () => {
  it('a model file whose weight shard is truncated: the error names the shard', async () => {
    const dir = join(root, 'truncated');
    mkdirSync(dir, { recursive: true });
    copyFileSync(modelJson, join(dir, 'model.json'));
    copyFileSync(join(root, 'file', 'weights.bin'), join(dir, 'weights.bin'));
    truncateSync(join(dir, 'weights.bin'), 1000);
    const out = join(root, 'truncated-run');
    const lines: string[] = [];
    const { message } = await errorOf(runTrain(config(join(dir, 'model.json')), { outDir: out, log: (l) => lines.push(l) }));
    report(`truncated shard: ${message}`);
    expect(message).toContain(join(dir, 'model.json'));
    expect(message).toMatch(/weights\.bin \(1000 bytes\)/);
    expect(lines.some((l) => /hybrid|separate/.test(l))).toBe(false);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });

  it('a model file with an unsupported layer: the error names the layer and its class', async () => {
    const { layers: L, input: inputOf, model: modelOf } = await import('@tensorflow/tfjs-layers');
    const input = inputOf({ shape: SHAPE, name: 'image' });
    const conv = L.conv2d({ name: 'conv1', filters: 2, kernelSize: 3, strides: 2 }).apply(input) as tfl.SymbolicTensor;
    const up = L.upSampling2d({ name: 'grow', size: [2, 2] }).apply(conv) as tfl.SymbolicTensor;
    const head = L.dense({ name: 'head', units: 10, activation: 'softmax' }).apply(L.flatten({ name: 'flat' }).apply(up)) as tfl.SymbolicTensor;
    const model = modelOf({ inputs: input, outputs: head });
    const file = await saveLayersModel(model, join(root, 'unsupported'));
    model.dispose();
    const { message } = await errorOf(runTrain(config(file), { log: quiet }));
    report(`unsupported layer in a file: ${message}`);
    expect(message).toMatch(/layer "grow" \(UpSampling2D\)/);
    expect(message).toContain(file);
  });

  it('a layer list with an unsupported layer: the error names the layer and its class', async () => {
    const cfg = parseRunConfig(
      {
        model: {
          layers: [
            { type: 'Conv2D', name: 'conv', filters: 2, kernel_size: 3, input_shape: SHAPE },
            { type: 'LSTM', name: 'memory', units: 4 },
            { type: 'Dense', units: 10 },
          ],
        },
        tasks: [{ name: 'digits', dataset: { source: 'mnist', train: 300, test: 200 } }],
        train: { steps: 2, baseline: false },
      },
      'own-models test',
    );
    const { message } = await errorOf(runTrain(cfg, { log: quiet }));
    report(`unsupported layer in a list: ${message}`);
    expect(message).toMatch(/layer "memory" \(LSTM\)/);
  });
});
