// An image-folder data set larger than the memory it may use (cache_mb far below its decoded size) trains
// with bounded memory: the examples are decoded batch by batch through the data set's LRU cache, whose
// peak never passes its limit while the trainer passes over the data several times; training works
// (finite losses, above-chance accuracy) and evaluation reads the streamed test split. Then the same
// data set through `hybrid train` (runTrain) and `hybrid eval` (launch/predict.ts evaluate).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rmSync } from 'node:fs';
import { parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import { isStreamed, type StreamedSplit, type TaskData } from '../../data/dataset.js';
import type { ImageSource } from '../../data/images.js';
import { loadTaskData } from '../../data/tasks.js';
import { evaluate } from '../../launch/predict.js';
import { runTrain } from '../../launch/train.js';
import { initBackend } from '../../model/backend.js';
import { buildModelSpec, initTensors } from '../../model/spec.js';
import { TaskTrainer } from '../../worker/trainer.js';
import { someDigits, tempDir, writePngFolder } from '../support/user-data.js';

/** Every task data set loaded in this file, to read their image caches afterwards. */
const loaded = vi.hoisted(() => ({ data: [] as TaskData[] }));

vi.mock('../../data/tasks.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../data/tasks.js')>();
  return {
    ...real,
    async loadTaskData(...args: Parameters<typeof real.loadTaskData>) {
      const data = await real.loadTaskData(...args);
      loaded.data.push(data);
      return data;
    },
  };
});

const quiet = () => {};
const report = (line: string) => {
  if (process.env.OWN_MODELS_REPORT) process.stderr.write(`streamed-images: ${line}\n`);
};
const root = tempDir('streamed-images');
const COUNT = 400;
const TEST = 80;
const SIZE = 28 * 28;
/** 16 decoded digits: a 25th of the data set's 400. */
const CACHE_EXAMPLES = 16;
const CACHE_MB = (CACHE_EXAMPLES * SIZE * 4) / 2 ** 20;
const BATCH = 32;
/** Three passes over the 320 training examples. */
const STEPS = 30;

let folder: string;

function config(steps = STEPS): RunConfig {
  return parseRunConfig(
    {
      seed: 2,
      model: { arch: 'mlp', hidden: [64] },
      tasks: [{ name: 'digits', dataset: { source: 'images', path: folder, size: [28, 28], channels: 1, test: TEST, cache_mb: CACHE_MB, stream: true } }],
      train: { steps, batch_size: BATCH, optimizer: { type: 'adam', lr: 3e-3 }, lr_schedule: 'constant', baseline: false },
      sparsity: { rho: 0.1, warmup: 0.1, prune_end: 0.5, prune_every: 3 },
    },
    'streamed images test',
  );
}

const sourceOf = (data: TaskData) => (data.train as StreamedSplit).source as ImageSource;

beforeAll(async () => {
  await initBackend('wasm', { log: quiet });
  folder = join(root, 'digits');
  writePngFolder(folder, await someDigits(COUNT));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('an image folder larger than its cache', () => {
  it('trains a task over several passes with the cache never past its limit, and evaluates the streamed test split', async () => {
    const cfg = config();
    loaded.data = [];
    const data = await loadTaskData(cfg.tasks[0], cfg.seed);
    expect(isStreamed(data.train)).toBe(true);
    expect(isStreamed(data.test)).toBe(true);
    expect([data.train.count, data.test.count]).toEqual([COUNT - TEST, TEST]);
    const source = sourceOf(data);
    const limit = source.cacheStats().limitBytes;
    // The decoded data set is 25 times what the cache may hold.
    expect(COUNT * SIZE * 4).toBeGreaterThanOrEqual(25 * limit);

    const spec = buildModelSpec(cfg.model, data.inputShape);
    const trainer = new TaskTrainer({ spec, data, weight: 1, train: cfg.train, sparsity: cfg.sparsity, seed: cfg.seed });
    try {
      trainer.setShared(initTensors(spec.shared, cfg.seed, 'shared'));
      const before = trainer.evaluate();
      const losses: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        losses.push(trainer.round(s).loss);
        const stats = source.cacheStats();
        expect(stats.bytes).toBeLessThanOrEqual(limit);
        expect(stats.peakBytes).toBeLessThanOrEqual(limit);
      }
      const after = trainer.evaluate();
      const stats = source.cacheStats();
      report(
        `limit ${limit} B (${CACHE_EXAMPLES} examples); ${JSON.stringify(stats)}; loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}; test accuracy ${before.accuracy} -> ${after.accuracy}`,
      );
      expect(losses.every(Number.isFinite)).toBe(true);
      // More than one pass: every training example was read, most of them more than once, and each read
      // but the few the cache still held decoded its file again.
      expect(STEPS * BATCH).toBeGreaterThan(2 * data.train.count);
      expect(stats.misses).toBeGreaterThan(STEPS * BATCH - STEPS * CACHE_EXAMPLES);
      expect(stats.peakBytes).toBeLessThanOrEqual(limit);
      expect(stats.entries).toBe(CACHE_EXAMPLES);
      // It learnt: above chance (10 classes) on the held-out split, read through the same bounded cache.
      expect(after.samples).toBe(TEST);
      expect(after.accuracy).toBeGreaterThan(0.3);
      expect(after.loss).toBeLessThan(before.loss);
    } finally {
      trainer.dispose();
    }
  });

  it('hybrid train and hybrid eval on the same folder stay within the cache', async () => {
    loaded.data = [];
    const runDir = join(root, 'run');
    const result = await runTrain(config(12), { outDir: runDir, log: quiet });
    expect(result.tasks[0].hybrid_accuracy).toBeGreaterThan(0.1);
    const evaluation = await evaluate(runDir, 'digits', JSON.stringify({ source: 'images', path: folder, size: [28, 28], channels: 1, test: TEST, cache_mb: CACHE_MB, stream: true }));
    report(`runTrain ${JSON.stringify(result.tasks[0])}; eval ${JSON.stringify(evaluation)}`);
    expect(evaluation.examples).toBe(COUNT);
    expect(evaluation.accuracy).toBeGreaterThan(0.1);
    // The run's data set and eval's, each streamed through its own cache, neither past its limit.
    expect(loaded.data).toHaveLength(2);
    for (const data of loaded.data) {
      expect(isStreamed(data.train)).toBe(true);
      const stats = sourceOf(data).cacheStats();
      expect(stats.misses).toBeGreaterThan(0);
      expect(stats.peakBytes).toBeLessThanOrEqual(stats.limitBytes);
    }
  });
});
