// `hybrid local` with `export.quantize`: the coordinator wrote <out>/bundle-<q> beside the float32
// bundle (it holds no data); this process, which has the run config's data sets, evaluates every task
// from that bundle alone and adds `quantized` to the result and to results.json, as `hybrid train`
// reports it.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { RunConfig } from '../config/schema.js';
import { writeJsonAtomically } from '../lib/atomic-write.js';
import { quantizedBundleDir, type RunResult } from '../model/run-output.js';
import type { Log } from './progress.js';
import { evaluateBundleDir, logQuantized } from './quantized-eval.js';
import { loadAllTasks } from './train.js';

export async function addQuantizedAccuracies(config: RunConfig, outDir: string, result: RunResult, log: Log): Promise<RunResult> {
  const encoding = config.export.quantize;
  if (encoding === 'none') return result;
  const quantized = evaluateBundleDir(quantizedBundleDir(outDir, encoding), encoding, await loadAllTasks(config));
  logQuantized(quantized, log);
  const file = join(outDir, 'results.json');
  // results.json keeps what the coordinator wrote (its detailed compression accounting too).
  writeJsonAtomically(file, { ...(JSON.parse(readFileSync(file, 'utf8')) as object), quantized });
  return { ...result, quantized };
}
