// A run that ends quantised (`export.quantize` in the run config): the bundle written again in that
// encoding (model/bundle-encodings.ts), read back, and every task evaluated on its test split from that
// bundle alone, as `hybrid predict` would run it: what the quantisation costs in accuracy, beside the
// float32 bundle's, in the results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskData } from '../data/dataset.js';
import { readBundle, writeBundle, type Bundle } from '../model/bundle.js';
import { QUANTIZE_PRESETS, type QuantizePreset } from '../model/bundle-encodings.js';
import { inspectBundle } from '../model/bundle-inspect.js';
import type { QuantizedResult } from '../model/run-output.js';
import { TaskModel } from '../model/task-model.js';
import { countCorrect } from './predict.js';
import type { Log } from './progress.js';

/** Writes `bundle` in `preset` into `dir` (a temporary one when absent) and evaluates every task from it. */
export function quantizedResult(bundle: Bundle, preset: QuantizePreset, data: readonly TaskData[], dir?: string): QuantizedResult {
  const out = dir ?? mkdtempSync(join(tmpdir(), 'hybrid-quantized-'));
  try {
    writeBundle(out, bundle, QUANTIZE_PRESETS[preset]);
    return evaluateBundleDir(out, preset, data);
  } finally {
    if (!dir) rmSync(out, { recursive: true, force: true });
  }
}

/** Every task's test accuracy from the bundle in `dir` alone (written in `encoding`), with its size. */
export function evaluateBundleDir(dir: string, encoding: string, data: readonly TaskData[]): QuantizedResult {
  const read = readBundle(dir);
  const summary = inspectBundle(dir);
  const tasks = data.map((d) => ({ name: d.name, accuracy: accuracyOf(read, d) }));
  return { encoding, bytes: summary.weights_bytes, bytes_ratio: summary.bytes_ratio, tasks };
}

/** One log line per task: its accuracy from the quantised bundle, and the bundle's size. */
export function logQuantized(q: QuantizedResult, log: Log): void {
  for (const t of q.tasks) log(`${q.encoding} bundle ${t.name}: test accuracy ${t.accuracy.toFixed(4)} (${q.bytes} bytes, ${q.bytes_ratio.toFixed(2)}x)`);
}

function accuracyOf(bundle: Bundle, data: TaskData): number {
  const model = new TaskModel(bundle, data.name);
  try {
    const size = data.inputShape.reduce((a, b) => a * b, 1);
    return data.test.count > 0 ? countCorrect(model, data.test, size) / data.test.count : 0;
  } finally {
    model.dispose();
  }
}
