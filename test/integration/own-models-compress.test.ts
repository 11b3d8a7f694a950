// Compressing T trained models of one topology (`model.from` with one file per task, `hybrid compress`):
// three small tfjs-layers models fine-tuned from one base on their own tasks. W at version 0 is the merge of
// their backbones (mean, median or an anchor model), each task's S_t starts as the budget's largest
// |theta_t - W|, the results carry each model's own accuracy (as tfjs-layers' predict gives it) and the
// merged model's before training; models of another topology, or too few files, are refused. The start is
// read where the run hands it to each trainer (worker/model-start.ts, wrapped by vi.mock).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseRunConfig } from '../../config/load.js';
import type { RunConfig } from '../../config/schema.js';
import type { TaskData } from '../../data/dataset.js';
import { loadAllTasks, runTrain, type RunResult } from '../../launch/train.js';
import { initBackend } from '../../model/backend.js';
import { readBundle } from '../../model/bundle.js';
import { sparseBudget } from '../../model/sparsity.js';
import { loadModelFiles } from '../../model/definition.js';
import { buildModelSpec, type TensorSpec } from '../../model/spec.js';
import { fitSteps, layersAccuracy, saveLayersModel, skipModel, weightsByName } from '../support/own-models.js';
import { errorOf, tempDir } from '../support/user-data.js';

/** What the run handed each task's trainer at its start: W at version 0, and S_t with its support. */
const starts = vi.hoisted(() => ({ calls: [] as { task: string; shared: Float32Array[]; sparse: Float32Array[]; support: Uint8Array[] | null }[] }));

vi.mock('../../worker/model-start.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../worker/model-start.js')>();
  return {
    ...real,
    startFromModelFiles(...args: Parameters<typeof real.startFromModelFiles>) {
      const [trainer, , , , , shared] = args;
      const out = real.startFromModelFiles(...args);
      const state = trainer.exportState();
      starts.calls.push({ task: trainer.name, shared: shared.map((v) => v.slice()), sparse: state.sparse, support: state.support });
      return out;
    },
  };
});

const quiet = () => {};
/** OWN_MODELS_REPORT=1 prints the numbers the tests compare. */
const report = (line: string) => {
  if (process.env.OWN_MODELS_REPORT) process.stderr.write(`own-models-compress: ${line}\n`);
};
const root = tempDir('own-models-compress');
const SHAPE = [28, 28, 1];
const FILTERS = 8;
const RHO = 0.05;
const TASKS = [
  { name: 'digits', dataset: { source: 'mnist', train: 300, test: 200 } },
  { name: 'rot90', dataset: { source: 'mnist', train: 300, test: 200 }, transforms: [{ type: 'rotate', degrees: 90 }] },
  { name: 'rot180', dataset: { source: 'mnist', train: 300, test: 200 }, transforms: [{ type: 'rotate', degrees: 180 }] },
];
const RUN = { seed: 7, tasks: TASKS, train: { steps: 3, batch_size: 32, optimizer: { type: 'adam', lr: 1e-3 }, baseline: false }, sparsity: { rho: RHO, warmup: 0, prune_end: 0 } };

function config(from: string[], merge?: unknown, steps = 3): RunConfig {
  return parseRunConfig({ ...RUN, model: { from, ...(merge === undefined ? {} : { merge }) }, train: { ...RUN.train, steps } }, 'own-models-compress test');
}

let data: TaskData[];
let models: tfl.LayersModel[];
let files: string[];
/** Each model's own test accuracy, by tfjs-layers' predict. */
let accuracy: number[];
let shared: TensorSpec[];

/** Runs `hybrid train` and returns its result with what it handed each trainer at the start. */
async function trained(cfg: RunConfig, outDir?: string): Promise<{ result: RunResult; calls: (typeof starts.calls)[number][] }> {
  starts.calls = [];
  const result = await runTrain(cfg, { outDir, log: quiet });
  return { result, calls: starts.calls.splice(0) };
}

/** theta_t: model t's backbone weights in spec.shared order. */
function theta(t: number): Float32Array[] {
  const byName = weightsByName(models[t]);
  return shared.map((s) => byName.get(s.name)!);
}

beforeAll(async () => {
  await initBackend('wasm', { log: quiet });
  data = await loadAllTasks(config(['a', 'b', 'c'].map((f) => join(root, f))));
  // One base trained on the digits, then a copy fine-tuned on each task: models of one topology that differ.
  const base = skipModel({ filters: FILTERS, seed: 2 });
  await fitSteps(base, data[0].train, SHAPE, 10, 60, { lr: 5e-3 });
  models = [];
  for (const [t, d] of data.entries()) {
    const m = skipModel({ filters: FILTERS, seed: 2 });
    m.setWeights(base.getWeights());
    await fitSteps(m, d.train, SHAPE, 10, 30, { lr: 5e-3, offset: 17 * t });
    models.push(m);
  }
  base.dispose();
  files = await Promise.all(models.map((m, t) => saveLayersModel(m, join(root, 'models', TASKS[t].name))));
  accuracy = models.map((m, t) => layersAccuracy(m, data[t].test, SHAPE));
  // The backbone's tensors, as the run reads them from the files.
  const model = config(files).model;
  await loadModelFiles(model);
  shared = buildModelSpec(model, SHAPE).shared;
  report(`the models' own test accuracies ${accuracy.join(', ')}`);
});

afterAll(() => {
  for (const m of models ?? []) m.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('three models of one topology, one per task (merge: mean)', () => {
  let result: RunResult;
  let calls: (typeof starts.calls)[number][];
  let runDir: string;

  beforeAll(async () => {
    runDir = join(root, 'mean');
    ({ result, calls } = await trained(config(files), runDir));
    expect(readBundle(join(runDir, 'bundle')).spec.shared).toEqual(shared);
  });

  it('W at version 0 is the element-wise mean of the three backbones', () => {
    expect(calls.map((c) => c.task)).toEqual(TASKS.map((t) => t.name));
    const thetas = models.map((_, t) => theta(t));
    let worst = 0;
    let fromEach = [0, 0, 0];
    shared.forEach((s, l) => {
      const w = calls[0].shared[l];
      expect(w.length).toBe(s.size);
      for (let i = 0; i < w.length; i++) {
        const mean = (thetas[0][l][i] + thetas[1][l][i] + thetas[2][l][i]) / 3;
        worst = Math.max(worst, Math.abs(w[i] - mean) / Math.max(1, Math.abs(mean)));
        fromEach = fromEach.map((m, t) => Math.max(m, Math.abs(w[i] - thetas[t][l][i])));
      }
      // Every task starts from the same W.
      for (const c of calls) expect(c.shared[l]).toEqual(w);
    });
    report(`W0 against the mean: ${worst.toExponential(2)}; against each model: ${fromEach.map((m) => m.toExponential(2)).join(', ')}`);
    expect(worst).toBeLessThan(1e-6);
    for (const m of fromEach) expect(m).toBeGreaterThan(1e-3);
  });

  it('each S_t starts with exactly floor(rho |W|) non-zeros: theta_t - W on the largest |theta_t - W|', () => {
    {
      const size = shared.reduce((a, s) => a + s.size, 0);
      const budget = sparseBudget(size, RHO);
      expect(budget).toBe(Math.floor(RHO * size));
      calls.forEach((c, t) => {
        const th = theta(t);
        let nnz = 0;
        let smallestKept = Infinity;
        let largestDropped = 0;
        c.sparse.forEach((v, l) =>
          v.forEach((x, i) => {
            const d = Math.fround(th[l][i] - c.shared[l][i]);
            if (x !== 0) {
              nnz++;
              expect(x).toBe(d);
              expect(c.support![l][i]).toBe(1);
              smallestKept = Math.min(smallestKept, Math.abs(d));
            } else largestDropped = Math.max(largestDropped, Math.abs(d));
          }),
        );
        report(`${c.task}: nnz(S_t) ${nnz} of budget ${budget} (|W| ${size}); smallest kept |theta - W| ${smallestKept.toExponential(3)}, largest dropped ${largestDropped.toExponential(3)}`);
        expect(nnz).toBe(budget);
        expect(c.support!.reduce((a, m) => a + m.reduce((b, x) => b + x, 0), 0)).toBe(budget);
        expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
      });
    }
  });

  it("results: each task's original_accuracy is its model's own (tfjs-layers predict), merged_accuracy is there", () => {
    report(`results ${JSON.stringify(result.tasks)}`);
    result.tasks.forEach((t, i) => {
      expect(t.name).toBe(TASKS[i].name);
      expect(Math.abs(t.original_accuracy! - accuracy[i])).toBeLessThanOrEqual(1 / data[i].test.count + 1e-12);
      expect(t.merged_accuracy).toBeGreaterThanOrEqual(0);
      expect(t.merged_accuracy).toBeLessThanOrEqual(1);
      expect(t.density).toBeLessThanOrEqual(RHO);
    });
    const saved = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as RunResult;
    expect(saved.tasks).toEqual(result.tasks);
  });
});

describe('other merges', () => {
  it('median: W at version 0 is the element-wise median of the three backbones', async () => {
    const { calls } = await trained(config(files, 'median', 1));
    const w = calls[0].shared;
    const thetas = models.map((_, t) => theta(t));
    shared.forEach((_, l) => {
      const expected = w[l].map((_, i) => [thetas[0][l][i], thetas[1][l][i], thetas[2][l][i]].sort((a, b) => a - b)[1]);
      expect(w[l]).toEqual(expected);
    });
  });

  it('anchor 1: W at version 0 is model 1’s backbone, and task 1 starts with an empty S_t', async () => {
    const { calls } = await trained(config(files, { anchor: 1 }, 1));
    const th = theta(1);
    calls[0].shared.forEach((w, l) => expect(w).toEqual(th[l]));
    expect(calls[1].sparse.every((v) => v.every((x) => x === 0))).toBe(true);
    expect(calls[0].sparse.some((v) => v.some((x) => x !== 0))).toBe(true);
  });
});

describe('refused', () => {
  it('a model of another topology: the error names both files and the first differing layer and key', async () => {
    const other = skipModel({ filters: FILTERS + 2, seed: 2 });
    const file = await saveLayersModel(other, join(root, 'models', 'wider'));
    other.dispose();
    starts.calls = [];
    const { message } = await errorOf(runTrain(config([files[0], files[1], file]), { log: quiet }));
    report(`topology mismatch: ${message}`);
    expect(message).toContain(file);
    expect(message).toContain(files[0]);
    expect(message).toMatch(/"conv1".*filters 10 against 8/);
    expect(starts.calls).toHaveLength(0);
  });

  it('two model files for three tasks: a config error', () => {
    let error: unknown;
    try {
      config(files.slice(0, 2));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/model\.from: 2 model files for 3 tasks/);
  });
});

describe('hybrid compress (the built CLI)', () => {
  const CLI = resolve('dist/cli.js');

  it('compresses the three models end to end and prints the result as JSON', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run -s build\` first`);
    const cfg = join(root, 'compress.json');
    writeFileSync(cfg, JSON.stringify(RUN));
    const out = join(root, 'cli-run');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, 'compress', '--models', ...files, '--config', cfg, '--out', out, '--json', '--backend', 'wasm'], {
      maxBuffer: 16 << 20,
    });
    report(`cli stderr: ${stderr.trim().split('\n').slice(-4).join(' | ')}`);
    const r = JSON.parse(stdout) as RunResult;
    report(`cli result ${JSON.stringify(r)}`);
    expect(r.tasks.map((t) => t.name)).toEqual(TASKS.map((t) => t.name));
    r.tasks.forEach((t, i) => {
      expect(Math.abs(t.original_accuracy! - accuracy[i])).toBeLessThanOrEqual(1 / data[i].test.count + 1e-12);
      expect(typeof t.merged_accuracy).toBe('number');
      expect(t.density).toBeLessThanOrEqual(RHO);
    });
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RunConfig;
    expect(written.model).toEqual({ from: files, merge: 'mean' });
  });
});
