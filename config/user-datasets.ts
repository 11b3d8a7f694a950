// The data sets a user brings: a CSV table, a folder (or list) of images, NumPy arrays, or a module of
// their own that returns arrays. Members of datasetSchema (config/schema.ts), kept here so that file stays
// about the run. Paths are relative to the config file (see datasetWithAbsolutePaths).
import { resolve } from 'node:path';
import { z } from 'zod';

/** The same bound as schema.ts MAX_ARRAY_ENTRIES (2^30 entries in one array); repeated here because
 *  schema.ts imports this file, and a constant imported back would not exist yet when this one runs. */
const ENTRIES_BOUND = 2 ** 30;

const path = z.string().min(1);
const positiveInt = z.number().int().positive();
/** Held out from a source without a test set: a fraction in (0, 1) of its examples, or a whole count. */
const testAmount = z
  .number()
  .positive()
  .refine((v) => v < 1 || Number.isInteger(v), { error: 'must be a fraction below 1 (of the examples) or a whole number of examples' });
/** The class list: label k of the task is classes[k]. */
const classList = z
  .array(z.string().min(1))
  .min(2)
  .refine((names) => new Set(names).size === names.length, { error: 'class names must be distinct' });
/** A bad row or image: stop with an error naming it, or leave it out and count it (TaskData.skipped). */
const onBad = z.enum(['error', 'skip']).default('error');

// A table with a header row: one column is the label, the others (or those listed) numeric features,
// standardised with the training split's mean and std.
/** The most classes a data set may imply on its own: a head has one output per class, and a label of
 *  10^9 is far likelier a mistaken column than a billion-class task. A configured list may be longer. */
export const MAX_IMPLIED_CLASSES = 65536;

export const csvDatasetSchema = z.strictObject({
  source: z.literal('csv'),
  path,
  label: z.string().min(1),
  features: z.array(z.string().min(1)).min(1).optional(),
  test: testAmount.optional(),
  test_path: path.optional(),
  train: positiveInt.optional(),
  classes: classList.optional(),
  on_bad: onBad,
  delimiter: z.string().length(1).default(','),
});

// Images (PNG, JPEG): a folder with one sub-folder per class (`path`), or a CSV with `path` and `label`
// columns (`index`; its paths are relative to it). Resized to `size`, converted to `channels`.
export const imagesDatasetSchema = z.strictObject({
  source: z.literal('images'),
  path: path.optional(),
  index: path.optional(),
  test_path: path.optional(),
  test_index: path.optional(),
  size: z.tuple([positiveInt, positiveInt]),
  channels: z.union([z.literal(1), z.literal(3)]),
  test: testAmount.optional(),
  train: positiveInt.optional(),
  classes: classList.optional(),
  on_bad: onBad,
  /** Decoded examples kept in memory. A data set that fits is decoded whole before training; a larger
   *  one is streamed, decoded batch by batch through a cache of this size. */
  cache_mb: z.number().positive().default(1024),
  /** Force streaming (true) or decoding all before training (false), whatever the size. */
  stream: z.boolean().optional(),
});

// NumPy arrays: x (n, ...) and integer labels y (n,), as .npy files or in one .npz archive.
export const npyDatasetSchema = z.strictObject({
  source: z.literal('npy'),
  x: path.optional(),
  y: path.optional(),
  test_x: path.optional(),
  test_y: path.optional(),
  npz: path.optional(),
  x_key: z.string().min(1).optional(),
  y_key: z.string().min(1).optional(),
  test_x_key: z.string().min(1).optional(),
  test_y_key: z.string().min(1).optional(),
  test: testAmount.optional(),
  train: positiveInt.optional(),
  /** Inputs are the stored values divided by this (255 for uint8 pixels); absent, the values as stored. */
  scale: z.number().positive().optional(),
  /** Names of the integer labels: label k is classes[k]. */
  classes: classList.optional(),
  /** Read each example from the .npy file when needed instead of loading x whole (default: only when x
   *  would take more than 1 GiB as float32). */
  stream: z.boolean().optional(),
});

// An ES module whose default export (or `load`) returns the data: for anything the other sources do not read.
export const moduleDatasetSchema = z.strictObject({
  source: z.literal('module'),
  path,
  /** Passed to the module's function as its first argument. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** The input shape the module returns, for a coordinator that builds the model without loading data. */
  input_shape: z.array(positiveInt).min(1).optional(),
});

export type CsvDatasetConfig = z.infer<typeof csvDatasetSchema>;
export type ImagesDatasetConfig = z.infer<typeof imagesDatasetSchema>;
export type NpyDatasetConfig = z.infer<typeof npyDatasetSchema>;
export type ModuleDatasetConfig = z.infer<typeof moduleDatasetSchema>;

interface Problem {
  path: (string | number)[];
  message: string;
}

function get(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** Problems with how a user data set's fields combine, on the config as given (the schema checks each
 *  field alone). `at` is the dataset's key path. */
export function userDatasetProblems(dataset: unknown, at: (string | number)[]): Problem[] {
  const has = (key: string) => get(dataset, key) !== undefined;
  const problems: Problem[] = [];
  const add = (key: string, message: string) => problems.push({ path: [...at, key], message });
  const exclusive = (a: string, b: string, why: string) => {
    if (has(a) && has(b)) add(b, `not with ${a}: ${why}`);
  };
  const needs = (a: string, b: string) => {
    if (has(a) && !has(b)) add(a, `needs ${b} as well`);
  };
  switch (get(dataset, 'source')) {
    case 'csv': {
      exclusive('test_path', 'test', 'the test file is the held-out split');
      const features = get(dataset, 'features');
      const label = get(dataset, 'label');
      if (Array.isArray(features) && features.includes(label)) add('features', `lists the label column ${JSON.stringify(label)}`);
      if (Array.isArray(features) && new Set(features).size !== features.length) add('features', 'lists a column twice');
      break;
    }
    case 'images': {
      if (has('path') === has('index')) add('path', 'give exactly one of path (a folder with a sub-folder per class) and index (a CSV of path,label)');
      if (has('test_path') && !has('path')) add('test_path', 'is a folder of class sub-folders, for a data set given by path; use test_index with index');
      if (has('test_index') && !has('index')) add('test_index', 'is a CSV of path,label, for a data set given by index; use test_path with path');
      exclusive('test_path', 'test', 'the test folder is the held-out split');
      exclusive('test_index', 'test', 'the test index is the held-out split');
      const size = get(dataset, 'size');
      const channels = get(dataset, 'channels');
      if (Array.isArray(size) && size.every((s) => typeof s === 'number') && typeof channels === 'number') {
        const entries = size.reduce((a, b) => a * b, channels);
        if (entries > ENTRIES_BOUND) add('size', `${size.join(' x ')} x ${channels} channels = ${entries} entries per image, more than one array holds (2^30)`);
      }
      break;
    }
    case 'npy': {
      if (has('npz') === (has('x') || has('y'))) add('npz', 'give either x and y (.npy files) or npz (an archive of them)');
      needs('x', 'y');
      needs('y', 'x');
      needs('test_x', 'test_y');
      needs('test_y', 'test_x');
      needs('test_x_key', 'test_y_key');
      needs('test_y_key', 'test_x_key');
      for (const key of ['x_key', 'y_key', 'test_x_key', 'test_y_key']) if (has(key) && !has('npz')) add(key, 'names an array in npz; there is no npz');
      for (const key of ['test_x', 'test_y']) if (has(key) && has('npz')) add(key, 'is a .npy file, and this data set is an npz archive: use test_x_key and test_y_key');
      exclusive('test_x', 'test', 'the test arrays are the held-out split');
      exclusive('test_x_key', 'test', 'the test arrays are the held-out split');
      if (get(dataset, 'stream') === true && has('npz')) add('stream', 'reads .npy files by offset; an npz archive is read whole (extract its arrays to .npy files to stream them)');
      break;
    }
  }
  return problems;
}

const PATH_KEYS: Record<string, readonly string[]> = {
  idx: ['path'],
  csv: ['path', 'test_path'],
  images: ['path', 'index', 'test_path', 'test_index'],
  npy: ['x', 'y', 'test_x', 'test_y', 'npz'],
  module: ['path'],
};

/** The data set with its file paths made absolute against `baseDir` (the config file's directory). */
export function datasetWithAbsolutePaths<T extends { source: string }>(dataset: T, baseDir: string): T {
  const keys = PATH_KEYS[dataset.source];
  if (!keys) return dataset;
  const out: Record<string, unknown> = { ...dataset };
  for (const key of keys) {
    const p = out[key];
    if (typeof p === 'string') out[key] = resolve(baseDir, p);
  }
  return out as T;
}
