// A task's data from its config: load the source, split or subset it by the run seed, apply the
// transforms. Raw source reads are cached per process (several tasks usually share one source); every
// task gets arrays of its own.
import { resolve } from 'node:path';
import type { DatasetConfig, TaskConfig } from '../config/schema.js';
import { loadCsv } from './csv.js';
import { DataError, inputSizeOf, type TaskData } from './dataset.js';
import { idxToData, readIdxDirectory, type IdxRawDirectory } from './idx.js';
import { loadImages } from './images.js';
import { loadMnistPackage, type MnistPackageData } from './mnist.js';
import { loadModuleSource } from './module-source.js';
import { loadNpy } from './npy.js';
import { seededSubset, takeExamples, trainTestSplit } from './split.js';
import { makeSyntheticData } from './synthetic.js';
import { applyTransforms } from './transforms.js';

// Cached as promises, so tasks loading at the same time share one read. Entries are never handed out
// directly: every task copies what it uses (takeExamples / idxToData allocate).
let mnistCache: Promise<MnistPackageData> | undefined;
const idxCache = new Map<string, Promise<IdxRawDirectory>>();

function cachedMnist(): Promise<MnistPackageData> {
  if (!mnistCache) {
    const p = loadMnistPackage();
    mnistCache = p;
    p.catch(() => {
      if (mnistCache === p) mnistCache = undefined;
    });
  }
  return mnistCache;
}

function cachedIdx(dir: string): Promise<IdxRawDirectory> {
  const key = resolve(dir);
  let p = idxCache.get(key);
  if (!p) {
    const read = readIdxDirectory(key);
    p = read;
    idxCache.set(key, read);
    // A failed read is not remembered: the files may be fixed or installed before the next attempt.
    read.catch(() => {
      if (idxCache.get(key) === read) idxCache.delete(key);
    });
  }
  return p;
}

async function loadSource(name: string, ds: DatasetConfig, seed: number): Promise<TaskData> {
  switch (ds.source) {
    case 'mnist': {
      const raw = await cachedMnist();
      const size = inputSizeOf(raw.inputShape);
      const { train, test } = trainTestSplit(raw.count, ds.test, seed);
      let trainIdx = train;
      if (ds.train !== undefined && ds.train < train.length) {
        const pick = seededSubset(train.length, ds.train, seed, 'mnist-train');
        trainIdx = pick.map((k) => train[k]);
      }
      return { name, inputShape: [...raw.inputShape], classes: raw.classes, train: takeExamples(raw, size, trainIdx), test: takeExamples(raw, size, test) };
    }
    case 'idx': {
      const raw = await cachedIdx(ds.path);
      return { name, ...idxToData(raw, { train: ds.train, test: ds.test, seed }) };
    }
    case 'synthetic':
      return makeSyntheticData(name, ds, seed);
    // The user's own data: read fresh for every task (no cache), as each may split or stream it differently.
    case 'csv':
      return loadCsv(name, ds, seed);
    case 'images':
      return loadImages(name, ds, seed);
    case 'npy':
      return loadNpy(name, ds, seed);
    case 'module': {
      const data = await loadModuleSource(name, ds, seed);
      // The coordinator built the model for the configured shape: the data must have it.
      if (ds.input_shape && ds.input_shape.join() !== data.inputShape.join()) {
        throw new DataError(`${ds.path}: returned inputs of shape [${data.inputShape.join(', ')}], the config's input_shape is [${ds.input_shape.join(', ')}]`, ds.path);
      }
      return data;
    }
  }
}

/** The data of one task: its source, split / subset by `seed` (the run seed), then its transforms. */
export async function loadTaskData(task: TaskConfig, seed: number): Promise<TaskData> {
  let data: TaskData;
  try {
    data = await loadSource(task.name, task.dataset, seed);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`task "${task.name}": ${err.message}`, err.file);
    throw err;
  }
  return applyTransforms(data, task.transforms);
}
