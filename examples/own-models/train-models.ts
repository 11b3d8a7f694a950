// Trains the models that examples/own-models/common.json and different.json compress: three small
// Keras-style TF.js LayersModels (LeNet-5 sized, with a BatchNormalization layer), one per task, saved as
// model.json + weights.bin, the files `model.from` reads. Two sets:
//   common/     a base model trained briefly on the first task, then three copies of it, each fine-tuned
//               on its own task (the usual case: models fine-tuned from one pretrained checkpoint);
//   different/  three models, each trained from its own random initialisation.
// Each task's data is what `hybrid train` gives it for the same config: the tasks and the seed are read
// from the set's run config and loaded by the same function (launch/train.ts loadAllTasks), so the test
// split every original model is evaluated on here is the one the run evaluates it on.
//
//   npm run example:own-models                     both sets with the defaults, one process per set (tfjs'
//                                                  wasm backend is single-threaded): about 5 minutes on 2 cores
//   npm run example:own-models -- --steps 3000     longer training; --help lists the options
//   npx hybrid train --config examples/own-models/common.json --out runs/own-common
//
// The run configs fine-tune for 375 steps (train.steps), a quarter of each model's 1,500 (--steps): change
// them together.
//
// Writes <out>/<set>/<task>/model.json + weights.bin and <out>/<set>/summary.json (each model's test
// accuracy and the optimizer steps it trained).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command, InvalidArgumentError } from 'commander';
import { loadRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import type { Split, TaskData } from '../../data/dataset.js';
import { loadAllTasks } from '../../launch/train.js';
import { Random } from '../../lib/random.js';
import { initBackend } from '../../model/backend.js';
import { fileSaveHandler } from '../../model/files/tfjs-save-handler.js';

const SETS = ['common', 'different'] as const;
type SetName = (typeof SETS)[number];

interface Options {
  steps: number;
  baseSteps: number;
  batch: number;
  lr: number;
  out: string;
  configs: string;
  sets: SetName[];
  jobs: number;
}

/** One trained model as summary.json lists it. */
interface ModelSummary {
  task: string;
  file: string;
  /** Optimizer steps of this model's own training (after the base, for the common set). */
  steps: number;
  /** Steps from its random initialisation: the base's and its own. */
  total_steps: number;
  /** Passes over the task's training split that `steps` make (steps x batch / training examples). */
  epochs: number;
  train_examples: number;
  test_examples: number;
  test_accuracy: number;
  train_seconds: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function setList(value: string): SetName[] {
  const sets = value.split(',').map((s) => s.trim());
  for (const s of sets) if (!(SETS as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown set "${s}": expected ${SETS.join(', ')}`);
  return sets as SetName[];
}

function parseOptions(argv: readonly string[]): Options {
  const program = new Command('train-models')
    .description('Train the example models that examples/own-models/common.json and different.json compress.')
    .option('--steps <n>', 'optimizer steps of each task model (after the base, for the common set)', positiveInt, 1500)
    .option('--base-steps <n>', 'optimizer steps of the common base model on the first task', positiveInt, 125)
    .option('--batch <n>', 'batch size', positiveInt, 64)
    .option('--lr <x>', 'Adam learning rate', positiveNumber, 1e-3)
    .option('--out <dir>', 'where the models go (<out>/<set>/<task>/model.json)', 'examples/own-models/models')
    .option('--configs <dir>', 'folder of the run configs <set>.json whose tasks and seed the models are trained for', 'examples/own-models')
    .option('--sets <list>', `sets to train, comma-separated (${SETS.join(', ')})`, setList, [...SETS])
    .option('--jobs <n>', "sets trained at once, each in a process of its own (tfjs' wasm backend computes on one thread)", positiveInt, 2)
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'user' });
  return program.opts<Options>();
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** LeNet-5 with a BatchNormalization after the first convolution, Keras-style, its layers named. Its
 *  initial weights come from `seed` (tfjs-layers' initialisers draw from Math.random without one). */
function lenet(inputShape: number[], classes: number, seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  return tf.sequential({
    name: 'lenet5',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape, filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'dense1', units: 120, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ name: 'dense2', units: 84, activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.dense({ name: 'head', units: classes, activation: 'softmax', kernelInitializer: init(5) }),
    ],
  });
}

/** A seed for tfjs-layers' initialisers, from the run seed and a name. */
function initSeed(runSeed: number, name: string): number {
  return Random.stream(runSeed, `own-models/${name}/init`).int(0, 2 ** 30);
}

/** Inputs (and one-hot labels) of the examples at `indices`, as one batch. */
function batchOf(split: Split, data: TaskData, indices: Int32Array): { xs: tf.Tensor; ys: tf.Tensor } {
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * size);
  const y = new Float32Array(indices.length * data.classes);
  indices.forEach((k, i) => {
    x.set(split.x.subarray(k * size, (k + 1) * size), i * size);
    y[i * data.classes + split.y[k]] = 1;
  });
  return { xs: tf.tensor(x, [indices.length, ...data.inputShape]), ys: tf.tensor(y, [indices.length, data.classes]) };
}

/** `steps` Adam steps of `batch` examples with model.fitDataset: full batches in a seeded order, the
 *  training split reshuffled after every pass. Returns the seconds it took. */
async function train(model: tf.LayersModel, data: TaskData, steps: number, options: Options, rng: Random, label: string): Promise<number> {
  const n = data.train.count;
  const batch = Math.min(options.batch, n);
  let order = rng.permutation(n);
  let at = 0;
  const batches = tf.data.generator(function* () {
    for (let s = 0; s < steps; s++) {
      if (at + batch > n) {
        order = rng.permutation(n);
        at = 0;
      }
      yield batchOf(data.train, data, order.subarray(at, at + batch));
      at += batch;
    }
  });
  model.compile({ optimizer: tf.train.adam(options.lr), loss: 'categoricalCrossentropy' });
  const every = Math.max(1, Math.round(steps / 5));
  const started = performance.now();
  await model.fitDataset(batches, {
    epochs: 1,
    batchesPerEpoch: steps,
    verbose: 0,
    callbacks: {
      onBatchEnd: (b, logs) => {
        if ((b + 1) % every === 0 || b + 1 === steps) log(`${label}: step ${b + 1}/${steps}, loss ${(logs?.loss ?? NaN).toFixed(4)}`);
      },
    },
  });
  return (performance.now() - started) / 1000;
}

/** Share of the test split the model classifies correctly. */
function accuracy(model: tf.LayersModel, data: TaskData): number {
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const { test } = data;
  let correct = 0;
  for (let start = 0; start < test.count; start += 500) {
    const count = Math.min(500, test.count - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(start * size, (start + count) * size), [count, ...data.inputShape]);
      return (model.predict(x) as tf.Tensor).argMax(-1);
    });
    const labels = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < count; i++) if (labels[i] === test.y[start + i]) correct++;
  }
  return correct / test.count;
}

/** model.json (topology and weights manifest) and weights.bin, as tfjs' file:// handler writes them. */
async function saveModel(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(fileSaveHandler(dir));
  return join(dir, 'model.json');
}

/** Every layer's weights of `from` copied into `to`; the head only where its shape fits the task. */
function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  for (const layer of to.layers) {
    const weights = from.getLayer(layer.name).getWeights();
    const fits = weights.every((w, i) => w.shape.join() === layer.weights[i]?.shape.join());
    if (fits && weights.length === layer.weights.length) layer.setWeights(weights);
  }
}

/** Trains one set's models and writes them with their summary. */
async function trainSet(set: SetName, config: RunConfig, data: TaskData[], options: Options): Promise<void> {
  const setDir = resolve(options.out, set);
  const files = data.map((d) => join(setDir, d.name, 'model.json'));
  const from = 'from' in config.model ? config.model.from : [];
  if (JSON.stringify(from) !== JSON.stringify(files)) {
    log(`warning: ${set}.json reads model.from ${JSON.stringify(from)}, and these models are written to ${JSON.stringify(files)}`);
  }
  const seed = config.seed;
  let base: { model: tf.LayersModel; steps: number; accuracy: number; seconds: number } | null = null;
  if (set === 'common') {
    const first = data[0];
    const model = lenet(first.inputShape, first.classes, initSeed(seed, 'common/base'));
    const seconds = await train(model, first, options.baseSteps, options, Random.stream(seed, 'own-models/common/base/batches'), `common base (${first.name})`);
    base = { model, steps: options.baseSteps, accuracy: accuracy(model, first), seconds };
    log(`common base: ${first.name} test accuracy ${base.accuracy.toFixed(4)} after ${base.steps} steps`);
  }
  const models: ModelSummary[] = [];
  for (const [i, d] of data.entries()) {
    const model = lenet(d.inputShape, d.classes, initSeed(seed, `${set}/${d.name}`));
    if (base) copyWeights(base.model, model);
    const seconds = await train(model, d, options.steps, options, Random.stream(seed, `own-models/${set}/${d.name}/batches`), `${set} ${d.name}`);
    const acc = accuracy(model, d);
    await saveModel(model, join(setDir, d.name));
    log(`${set} ${d.name}: test accuracy ${acc.toFixed(4)} after ${options.steps} steps -> ${files[i]}`);
    models.push({
      task: d.name,
      file: files[i],
      steps: options.steps,
      total_steps: options.steps + (base?.steps ?? 0),
      epochs: (options.steps * options.batch) / d.train.count,
      train_examples: d.train.count,
      test_examples: d.test.count,
      test_accuracy: acc,
      train_seconds: seconds,
    });
    model.dispose();
  }
  const summary = {
    set,
    seed,
    batch: options.batch,
    lr: options.lr,
    optimizer: 'adam',
    base: base && { task: data[0].name, steps: base.steps, test_accuracy: base.accuracy, train_seconds: base.seconds },
    models,
  };
  base?.model.dispose();
  writeFileSync(join(setDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${set}: ${models.map((m) => `${m.task} ${(100 * m.test_accuracy).toFixed(2)}% (${m.total_steps} steps)`).join(', ')} -> ${join(setDir, 'summary.json')}\n`);
}

/** Each set in a child process of this script, `jobs` at a time; rejects when one fails. */
async function trainSetsInChildren(options: Options, argv: readonly string[]): Promise<void> {
  const queue = [...options.sets];
  const failed: string[] = [];
  const next = async (): Promise<void> => {
    const set = queue.shift();
    if (set === undefined) return;
    const code = await new Promise<number | string>((done, fail) => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv, '--sets', set, '--jobs', '1'], { stdio: 'inherit' });
      child.on('error', fail);
      child.on('exit', (status, signal) => done(status ?? signal ?? 'killed'));
    });
    if (code !== 0) failed.push(`${set} (exit ${code})`);
    return next();
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, queue.length) }, next));
  if (failed.length > 0) throw new Error(`failed: ${failed.join(', ')}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.jobs > 1 && options.sets.length > 1) return trainSetsInChildren(options, argv);
  await initBackend('wasm', { log });
  const loaded = new Map<string, TaskData[]>();
  for (const set of options.sets) {
    const config = loadRunConfig(resolve(options.configs, `${set}.json`));
    // The sets' configs usually name the same tasks: their data is read once.
    const key = JSON.stringify([config.seed, config.tasks]);
    let data = loaded.get(key);
    if (!data) {
      data = await loadAllTasks(config);
      loaded.set(key, data);
    }
    await trainSet(set, config, data, options);
  }
}

main().catch((err: unknown) => {
  log(`train-models: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
