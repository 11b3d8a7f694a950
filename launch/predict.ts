// `hybrid predict` and `hybrid eval`: one task of a run's bundle, from the bundle alone (its layers,
// weights, class names and input preprocessing), on new inputs: image files, CSV rows or .npy arrays
// (predict), or a data set given as a dataset config (eval).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { datasetSchema, taskSchema } from '../config/schema.js';
import { datasetWithAbsolutePaths } from '../config/user-datasets.js';
import { readExamples } from '../data/batches.js';
import { columnsOf, readCsvTable } from '../data/csv.js';
import { DataError, inputSizeOf, type Split } from '../data/dataset.js';
import { isImageName } from '../data/image-decode.js';
import { decodeExample } from '../data/images.js';
import { readNpyExamples } from '../data/npy.js';
import { applyStandardize } from '../data/preprocess.js';
import { loadTaskData } from '../data/tasks.js';
import { readBundle } from '../model/bundle.js';
import { bundleDirOf } from '../model/bundle-inspect.js';
import { argmaxRows, TaskModel } from '../model/task-model.js';

export interface Prediction {
  input: string;
  class: string;
  index: number;
  probability: number;
}

/** Inputs read from files: a label per input (the file, with the row or entry) and the values. */
interface Inputs {
  labels: string[];
  x: Float32Array;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function imageInputs(file: string, shape: readonly number[]): Inputs {
  const [h, w, c] = shape;
  if (shape.length !== 3 || (c !== 1 && c !== 3)) throw new DataError(`${file}: the model takes inputs of shape ${shapeText(shape)}, not images`, file);
  const x = new Float32Array(h * w * c);
  decodeExample(file, h, w, c, x, 0);
  return { labels: [file], x };
}

function csvInputs(file: string, shape: readonly number[], model: TaskModel): Inputs {
  const table = readCsvTable(file);
  const pre = model.task.preprocess;
  const columns = pre ? columnsOf(table, pre.columns, 'feature') : table.header.map((_, i) => i);
  if (columns.length !== inputSizeOf(shape)) throw new DataError(`${file}: ${columns.length} feature columns, the model takes ${inputSizeOf(shape)}`, file);
  const x = new Float32Array(table.rows.length * columns.length);
  table.rows.forEach((row, r) =>
    columns.forEach((c, j) => {
      const v = Number(row.cells[c]);
      if (row.cells[c] === undefined || row.cells[c].trim() === '' || !Number.isFinite(v)) {
        throw new DataError(`${file} line ${row.line}: column "${table.header[c]}" holds ${JSON.stringify(row.cells[c] ?? '')}, not a number`, file);
      }
      x[r * columns.length + j] = v;
    }),
  );
  if (pre) applyStandardize(pre, x);
  return { labels: table.rows.map((row) => `${file}:${row.line}`), x };
}

function npyInputs(file: string, shape: readonly number[]): Inputs {
  const { inputShape, count, x } = readNpyExamples(file);
  if (inputShape.join() !== shape.join()) throw new DataError(`${file}: inputs of shape ${shapeText(inputShape)}, the model takes ${shapeText(shape)}`, file);
  return { labels: Array.from({ length: count }, (_, i) => `${file}[${i}]`), x };
}

function readInputs(file: string, model: TaskModel): Inputs {
  if (!existsSync(file)) throw new DataError(`${file}: file not found`, file);
  if (isImageName(file)) return imageInputs(file, model.inputShape);
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return csvInputs(file, model.inputShape, model);
  if (ext === '.npy') return npyInputs(file, model.inputShape);
  throw new DataError(`${file}: give images (.png, .jpg), CSV rows (.csv) or a NumPy array (.npy)`, file);
}

/** The task's prediction for every input of `files`, in order. */
export function predict(runDir: string, task: string, files: readonly string[]): Prediction[] {
  const model = new TaskModel(readBundle(bundleDirOf(runDir)), task);
  try {
    return files.flatMap((file) => {
      const { labels, x } = readInputs(file, model);
      const p = model.probabilities(x, labels.length);
      const best = argmaxRows(p, model.task.classes);
      return labels.map((input, i) => ({ input, class: model.className(best[i]), index: best[i], probability: p[i * model.task.classes + best[i]] }));
    });
  } finally {
    model.dispose();
  }
}

/** A dataset config from JSON text or a JSON file; relative paths resolve against the file (or here). */
function datasetSpec(spec: string): { value: unknown; baseDir: string } {
  const file = spec.trim().startsWith('{') ? null : resolve(spec);
  const text = file ? readFileSync(file, 'utf8') : spec;
  try {
    return { value: JSON.parse(text), baseDir: file ? dirname(file) : process.cwd() };
  } catch (err) {
    throw new DataError(`--data ${file ?? 'text'}: not JSON (${(err as Error).message})`, file ?? undefined);
  }
}

/** How many examples of `split` (inputs of `size` entries, through `inputs`) the model classifies as
 *  labelled, in batches of 256. */
export function countCorrect(model: TaskModel, split: Split, size: number, inputs: (x: Float32Array) => Float32Array = (x) => x): number {
  let correct = 0;
  for (let start = 0; start < split.count; start += 256) {
    const n = Math.min(256, split.count - start);
    const best = argmaxRows(model.probabilities(inputs(readExamples(split, size, start, n)), n), model.task.classes);
    for (let i = 0; i < n; i++) if (best[i] === split.y[start + i]) correct++;
  }
  return correct;
}

/** The task's accuracy on every example (both splits) of a data set. */
export async function evaluate(runDir: string, task: string, spec: string): Promise<{ accuracy: number; examples: number; skipped: number }> {
  const bundle = readBundle(bundleDirOf(runDir));
  const { value, baseDir } = datasetSpec(spec);
  // The data's labels must mean the bundle's classes: a set that names its classes takes the bundle's list.
  const names = bundle.tasks.find((t) => t.name === task)?.classNames;
  const raw =
    typeof value === 'object' && value !== null && names && !('classes' in value) && ['csv', 'images', 'npy'].includes(String((value as { source?: unknown }).source))
      ? { ...value, classes: names }
      : value;
  const parsed = datasetSchema.safeParse(raw);
  if (!parsed.success) throw new DataError(`--data: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const data = await loadTaskData(taskSchema.parse({ name: task, dataset: datasetWithAbsolutePaths(parsed.data, baseDir) }), 0);
  const model = new TaskModel(bundle, task);
  try {
    if (data.inputShape.join() !== model.inputShape.join()) throw new DataError(`--data: inputs of shape ${shapeText(data.inputShape)}, the model takes ${shapeText(model.inputShape)}`);
    const size = inputSizeOf(data.inputShape);
    // A CSV set comes standardised by its own statistics; the model takes the training run's.
    const own = data.preprocess;
    const trained = model.task.preprocess;
    if (own && trained && own.columns.join() !== trained.columns.join()) {
      throw new DataError(`--data: feature columns ${own.columns.join(', ')}; the task was trained on ${trained.columns.join(', ')} (give them with "features")`);
    }
    const inputs = (x: Float32Array): Float32Array => {
      if (!own || !trained) return x;
      const out = Float32Array.from(x, (v, i) => v * own.std[i % size] + own.mean[i % size]);
      return applyStandardize(trained, out);
    };
    const correct = countCorrect(model, data.train, size, inputs) + countCorrect(model, data.test, size, inputs);
    const examples = data.train.count + data.test.count;
    return { accuracy: correct / examples, examples, skipped: data.skipped ?? 0 };
  } finally {
    model.dispose();
  }
}
