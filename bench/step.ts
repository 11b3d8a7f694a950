// Times the real training step, TaskTrainer.round(step) (forward, backward, the task's optimizer updates
// and the download of g_t for W), for the MLP 784-256-256-10, lenet5 and a small ResNet-style layer list
// (RESNET_LAYERS) on the mnist package's digits, built the way launch/train.ts builds a hybrid trainer.
// Every model runs as a layer graph (model/forward.ts). Per available backend: wasm with this project's
// training kernels, wasm with tfjs' own, cpu (few steps: its lenet5 step takes seconds), and TensorFlow
// native where @tensorflow/tfjs-node is installed. Numbers, never pass/fail.
//
//   npm run -s bench:step                    two tables on stdout (-s: without npm's own banner)
//   npm run -s bench:step -- --json          {"rows": [{"model", "batch", "backend", "kernels", "forward", "median_ms", "samples_per_second"}],
//                                             "forward_backward": [{"model", "batch", "backend", "kernels", "forward", "median_ms", "min_ms",
//                                                                   "cpu_ms", "samples_per_second", "graph_over_functional",
//                                                                   "graph_over_functional_cpu"}]}
//   npm run -s bench:step -- --profile       also: CPU time per kernel of the lenet5 step at the largest batch
//   options: --steps N (timed steps, default 25)  --warmup N (default 5)  --cpu-steps N (default 3)
//            --models mlp,lenet5,resnet  --cpu-models mlp,lenet5 (resnet's cpu step takes minutes)
//            --batches 64,128  --backends wasm,cpu,tensorflow  (--help; bench/step-args.ts)
//
// The first table (`rows`) adds the fastest step, the CPU time per step (other processes' load inflates
// wall times; CPU time less so) and the bare forward + backward of the graph (no optimizer) next to each
// median. The second (`forward_backward`) times that bare forward + backward by both paths where there
// are two: "graph" (model/forward.ts) and, for mlp and lenet5, "functional", the hand-written forward the
// models had before they were layer lists (bench/step-reference.ts), on the same weights and batch, the
// two alternating step by step; graph/functional is the median over the steps of the two times' ratio
// (wall times, then CPU times, which other processes' load inflates less).
// Progress and reasons for skipped backends or failing rows go to stderr.
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config/schema.js';
import { loadTaskData } from '../data/tasks.js';
import { initBackend } from '../model/backend.js';
import { crossEntropy, logits } from '../model/forward.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../model/kernels/index.js';
import { buildModelSpec, headSpec, initTensors } from '../model/spec.js';
import { TaskTrainer } from '../worker/trainer.js';
import { exitOnError } from './args.js';
import { median } from './median.js';
import { parseArgs, type Arch, type BackendName, type BenchOptions } from './step-args.js';
import { benchConfig, makeTrainer } from './step-models.js';

export { makeTrainer } from './step-models.js';
import { formatProfile, profileRound } from './step-profile.js';
import { formatForwardTable, formatTable, toJson } from './step-table.js';
import { hasReference, referenceLogits } from './step-reference.js';

// Importable from bench/step.js as before the options and the profile moved to their own modules.
export { median } from './median.js';
export { DEFAULT_OPTIONS, parseArgs, type Arch, type BackendName, type BenchOptions } from './step-args.js';
export { formatProfile, profileRound, type KernelCost, type RoundProfile } from './step-profile.js';
export { hasReference, referenceLogits, REFERENCE_MODELS, type ReferenceModel } from './step-reference.js';
export { benchConfig, RESNET_LAYERS } from './step-models.js';
export { formatForwardTable, formatTable, toJson } from './step-table.js';

/** How the forward pass is computed: the layer graph (model/forward.ts, what the trainer runs) or the
 *  hand-written functional reference (bench/step-reference.ts; mlp and lenet5 only). */
export type ForwardPath = 'graph' | 'functional';

/** One line of the result, as `--json` prints it. null where the step cannot run (the reason goes to stderr). */
export interface StepRow {
  model: Arch;
  batch: number;
  backend: BackendName;
  kernels: boolean;
  /** The trainer's forward: always the graph. */
  forward: ForwardPath;
  median_ms: number | null;
  samples_per_second: number | null;
}

/** One line of the second table (`forward_backward` in `--json`): the bare forward + backward by one path. */
export interface ForwardBackwardRow {
  model: Arch;
  batch: number;
  backend: BackendName;
  kernels: boolean;
  forward: ForwardPath;
  median_ms: number | null;
  min_ms: number | null;
  /** Median CPU time of the process per forward + backward. */
  cpu_ms: number | null;
  samples_per_second: number | null;
  /** On the graph row of a model with a functional reference: the median over the steps of graph ms /
   *  functional ms, the two timed one right after the other; null otherwise. */
  graph_over_functional: number | null;
  /** The same ratio of the CPU times, which the machine's load (waiting for a core) inflates less. */
  graph_over_functional_cpu: number | null;
}

/** The bare forward + backward of the model by each of `paths`, no optimizer, gradients read back: what
 *  the round adds on top of it is the trainer's own cost. The paths share one set of weights and one
 *  batch. The functional path exists for mlp and lenet5 only (bench/step-reference.ts). */
export async function forwardBackward(config: RunConfig, paths: readonly ForwardPath[] = ['graph']): Promise<{ runs: { path: ForwardPath; run: () => void }[]; dispose: () => void }> {
  const data = await loadTaskData(config.tasks[0], config.seed);
  const spec = buildModelSpec(config.model, data.inputShape);
  const batch = config.train.batch_size;
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const heads = headSpec(spec, data.classes);
  const params = [...spec.shared, ...heads].map((t, i) => tf.tensor(i < spec.shared.length ? initTensors([t], config.seed, 'shared')[0] : initTensors([t], config.seed, 'head')[0], t.shape));
  const x = tf.tensor(data.train.x.subarray(0, batch * size), [batch, ...data.inputShape]);
  const y = tf.tensor1d(data.train.y.subarray(0, batch), 'int32');
  const n = spec.shared.length;
  const stats = initTensors(spec.stats, config.seed, 'stats').map((v, i) => tf.tensor(v, spec.stats[i].shape));
  const forward = (path: ForwardPath): ((p: tf.Tensor[]) => tf.Tensor2D) => {
    if (path === 'graph') return (p) => logits(spec, { shared: p.slice(0, n), head: p.slice(n), stats }, x, { training: true, statsOut: [] });
    const model = spec.name;
    if (!hasReference(model)) throw new Error(`${model} has no functional reference forward (bench/step-reference.ts has mlp and lenet5)`);
    return (p) => referenceLogits(model, spec, p.slice(0, n), p.slice(n), x);
  };
  const runs = paths.map((path) => {
    const f = forward(path);
    const run = (): void =>
      tf.tidy(() => {
        const { grads } = tf.valueAndGrads((...p: tf.Tensor[]) => crossEntropy(f(p), y, data.classes))(params);
        for (const g of grads.slice(0, n)) g.dataSync();
      });
    return { path, run };
  });
  return { runs, dispose: () => [...params, ...stats, x, y].forEach((t) => t.dispose()) };
}

/** Makes `backend` current (wasm with or without the training kernels); false where it is not available. */
async function useBackend(backend: BackendName, kernels: boolean, log: (line: string) => void): Promise<boolean> {
  try {
    await initBackend(backend, { kernels, log: () => {} });
  } catch (error) {
    log(`bench:step: ${backend} skipped: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  if (backend === 'wasm') {
    if (kernels) registerWasmTrainingKernels();
    else unregisterWasmTrainingKernels();
  }
  return true;
}

/** A row as the table shows it: also the fastest step and the CPU time per step (the machine's load
 *  inflates the median wall time), the bare forward + backward of the graph, and that forward + backward
 *  by each path (the second table). */
export interface Measured extends StepRow {
  steps: number;
  min_ms: number | null;
  /** Median CPU time of the process per step (process.cpuUsage: the main thread plus V8's helpers). */
  cpu_ms: number | null;
  /** The graph's bare forward + backward, median ms. */
  forward_backward_ms: number | null;
  /** The bare forward + backward by the graph, then by the functional reference where there is one. */
  forward_backward: ForwardBackwardRow[];
  note?: string;
}

/** Wall and CPU times of one timed thing, step by step. */
interface Times {
  wall: number[];
  cpu: number[];
}

/** One row being measured: its trainer, its bare forward + backward by each path, and the times so far. */
interface Case {
  row: Measured;
  config: RunConfig;
  trainer: TaskTrainer;
  bare: { runs: { path: ForwardPath; run: () => void; times: Times }[]; dispose: () => void };
  step: number;
  times: Times;
}

function label(c: { model: Arch; batch: number; backend: BackendName; kernels: boolean }): string {
  return `${c.model} batch ${c.batch} on ${c.backend}${c.backend === 'wasm' ? (c.kernels ? ' + kernels' : ' without kernels') : ''}`;
}

async function prepare(arch: Arch, batch: number, backend: BackendName, kernels: boolean, steps: number): Promise<Case> {
  // Trainers measured together need distinct variable names, which come from the task's name.
  const config = benchConfig(arch, batch, `digits-${arch}-${batch}-${backend}-${kernels ? 'kernels' : 'stock'}`);
  const paths: ForwardPath[] = hasReference(arch) ? ['graph', 'functional'] : ['graph'];
  const row: Measured = {
    model: arch,
    batch,
    backend,
    kernels,
    forward: 'graph',
    median_ms: null,
    min_ms: null,
    cpu_ms: null,
    samples_per_second: null,
    steps,
    forward_backward_ms: null,
    forward_backward: paths.map((forward) => ({
      model: arch,
      batch,
      backend,
      kernels,
      forward,
      median_ms: null,
      min_ms: null,
      cpu_ms: null,
      samples_per_second: null,
      graph_over_functional: null,
      graph_over_functional_cpu: null,
    })),
  };
  const trainer = await makeTrainer(config);
  const bare = await forwardBackward(config, paths);
  return { row, config, trainer, bare: { runs: bare.runs.map((r) => ({ ...r, times: { wall: [], cpu: [] } })), dispose: bare.dispose }, step: 0, times: { wall: [], cpu: [] } };
}

/** `f` timed: wall ms and CPU ms of the process. */
function timed(f: () => void): [number, number] {
  const cpu = process.cpuUsage();
  const start = performance.now();
  f();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return [ms, (used.user + used.system) / 1000];
}

function push(times: Times, [wall, cpu]: [number, number]): void {
  times.wall.push(wall);
  times.cpu.push(cpu);
}

/** One round of `c`, then one bare forward + backward by each path, timed; the paths take turns going
 *  first (step `i` even: the graph), so that neither always follows the round. A failure ends the case
 *  with a note. */
function runOnce(c: Case, i: number, record: boolean, log: (line: string) => void): void {
  try {
    const round = timed(() => c.trainer.round(c.step++));
    if (record) push(c.times, round);
    const runs = i % 2 === 0 ? c.bare.runs : [...c.bare.runs].reverse();
    for (const r of runs) {
      const t = timed(r.run);
      if (record) push(r.times, t);
    }
  } catch (error) {
    c.row.note = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`bench:step: ${label(c.row)} fails: ${c.row.note}`);
  }
}

function finish(c: Case): Measured {
  const { row, times } = c;
  if (row.note === undefined && times.wall.length > 0) {
    const ms = median(times.wall);
    row.median_ms = round2(ms);
    row.min_ms = round2(Math.min(...times.wall));
    row.cpu_ms = round2(median(times.cpu));
    row.samples_per_second = Math.round((row.batch * c.config.train.local_batches * 1000) / ms);
    const functional = c.bare.runs.find((r) => r.path === 'functional');
    c.bare.runs.forEach((r, k) => {
      const out = row.forward_backward[k];
      const bareMs = median(r.times.wall);
      out.median_ms = round2(bareMs);
      out.min_ms = round2(Math.min(...r.times.wall));
      out.cpu_ms = round2(median(r.times.cpu));
      out.samples_per_second = Math.round((row.batch * 1000) / bareMs);
      if (r.path === 'graph' && functional) {
        out.graph_over_functional = pairedRatio(r.times.wall, functional.times.wall);
        out.graph_over_functional_cpu = pairedRatio(r.times.cpu, functional.times.cpu);
      }
    });
    row.forward_backward_ms = row.forward_backward[0].median_ms;
  }
  c.trainer.dispose();
  c.bare.dispose();
  return row;
}

/** The median over the steps of a[i] / b[i], to 3 decimals. */
function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return Math.round(median(a.map((x, i) => x / b[i])) * 1000) / 1000;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The configurations to run: wasm with and without kernels, then the other backends (kernels n/a). */
export function configurations(opts: BenchOptions): { backend: BackendName; kernels: boolean }[] {
  const out: { backend: BackendName; kernels: boolean }[] = [];
  for (const backend of opts.backends) {
    if (backend === 'wasm') out.push({ backend, kernels: true }, { backend, kernels: false });
    else out.push({ backend, kernels: false });
  }
  return out;
}

/**
 * Every configuration's rows. The rows of one configuration (backend, kernels on or off) are measured
 * together, their steps interleaved (one step of each in turn: its round, then its bare forward +
 * backward by each path), so that the machine's load weighs on all alike. (Configurations are not
 * interleaved with each other: without the kernels, the read-back leaves enough garbage for the collector
 * to slow the steps measured next to it.) Afterwards the backend that was current is current again, with
 * the wasm training kernels registered (as initBackend leaves them).
 */
export async function benchSteps(opts: BenchOptions, log: (line: string) => void): Promise<Measured[]> {
  const rows: Measured[] = [];
  const previous = tf.getBackend();
  let usedWasm = false;
  try {
    for (const { backend, kernels } of configurations(opts)) {
      if (!(await useBackend(backend, kernels, log))) continue;
      usedWasm ||= backend === 'wasm';
      // tfjs' cpu kernels take seconds per lenet5 step: a few steps are enough to see the scale.
      const steps = backend === 'cpu' ? Math.min(opts.cpuSteps, opts.steps) : opts.steps;
      const warmup = backend === 'cpu' ? Math.min(1, opts.warmup) : opts.warmup;
      const before = tf.memory().numTensors;
      const cases: Case[] = [];
      const models = backend === 'cpu' ? opts.models.filter((m) => opts.cpuModels.includes(m)) : opts.models;
      if (models.length < opts.models.length) log(`bench:step: cpu runs ${models.join(', ') || 'none'} of the models (--cpu-models ${opts.cpuModels.join(',')})`);
      if (models.length === 0) continue;
      for (const arch of models) {
        for (const batch of opts.batches) cases.push(await prepare(arch, batch, backend, kernels, steps));
      }
      log(`bench:step: ${cases.map((c) => label(c.row)).join(', ')}: ${warmup} + ${steps} steps each, interleaved`);
      for (let i = 0; i < warmup + steps; i++) {
        for (const c of cases) if (c.row.note === undefined) runOnce(c, i, i >= warmup, log);
      }
      rows.push(...cases.map(finish));
      const left = tf.memory().numTensors - before;
      if (left !== 0) log(`bench:step: ${left} tensors left after the trainers were disposed`);
    }
  } finally {
    if (usedWasm) registerWasmTrainingKernels();
    if (previous) await tf.setBackend(previous);
  }
  return rows;
}

/** Cells as aligned columns; a failure's note (in column `failAt`) does not widen its column. */
async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  tf.env().set('PROD', true); // no banners: stdout carries only the table or the JSON
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const rows = await benchSteps(opts, log);
  if (opts.json) {
    out(JSON.stringify(toJson(rows)));
  } else {
    out(`training step TaskTrainer.round (hybrid, Adam, mnist digits): median of --steps ${opts.steps} (cpu: ${opts.cpuSteps}) after ${opts.warmup} warm-up, ms`);
    out(formatTable(rows));
    out(`\nbare forward + backward (no optimizer), the layer graph (model/forward.ts) and the functional reference (bench/step-reference.ts) alternating step by step, ms;`);
    out("graph/functional: the median of the steps' ratios, of the wall times, then (cpu) of the CPU times");
    out(formatForwardTable(rows));
  }
  if (opts.profile && (await useBackend('wasm', true, log))) {
    const batch = Math.max(...opts.batches);
    const trainer = await makeTrainer(benchConfig('lenet5', batch));
    try {
      const rounds = 15;
      const profile = formatProfile(profileRound(trainer, rounds), `lenet5 batch ${batch}, wasm + kernels`, rounds);
      (opts.json ? log : out)(`\n${profile}`);
    } finally {
      trainer.dispose();
    }
  }
}

// vite-node takes the script's path out of process.argv, so "am I the entry point" cannot be asked of
// argv; the tests import this module for its parts, under vitest, which sets VITEST.
if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch(exitOnError);
}
