// Times the real training step, TaskTrainer.round(step) (forward, backward, the task's optimizer updates
// and the download of g_t for W), for the MLP 784-256-256-10 and lenet5 on the mnist package's digits,
// built the way launch/train.ts builds a hybrid trainer. Per available backend: wasm with this project's
// training kernels, wasm with tfjs' own, cpu (few steps: its lenet5 step takes seconds), and TensorFlow
// native where @tensorflow/tfjs-node is installed. Numbers, never pass/fail.
//
//   npm run -s bench:step                    table on stdout (-s: without npm's own banner)
//   npm run -s bench:step -- --json          {"rows": [{"model", "batch", "backend", "kernels", "median_ms", "samples_per_second"}]}
//   npm run -s bench:step -- --profile       also: CPU time per kernel of the lenet5 step at the largest batch
//   options: --steps N (timed steps, default 25)  --warmup N (default 5)  --cpu-steps N (default 3)
//            --models mlp,lenet5  --batches 64,128  --backends wasm,cpu,tensorflow  (--help; bench/step-args.ts)
//
// The table adds the fastest step, the CPU time per step (other processes' load inflates wall times; CPU
// time less so) and the bare forward + backward (model/forward.ts, no optimizer) next to each median.
// Progress and reasons for skipped backends or failing rows go to stderr.
import * as tf from '@tensorflow/tfjs-core';
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { loadTaskData } from '../data/tasks.js';
import { initBackend } from '../model/backend.js';
import { crossEntropy, logits } from '../model/forward.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../model/kernels/index.js';
import { buildModelSpec, headSpec, initTensors } from '../model/spec.js';
import { TaskTrainer } from '../worker/trainer.js';
import { exitOnError } from './args.js';
import { median } from './median.js';
import { parseArgs, type Arch, type BackendName, type BenchOptions } from './step-args.js';
import { formatProfile, profileRound } from './step-profile.js';

// Importable from bench/step.js as before the options and the profile moved to their own modules.
export { median } from './median.js';
export { DEFAULT_OPTIONS, parseArgs, type Arch, type BackendName, type BenchOptions } from './step-args.js';
export { formatProfile, profileRound, type KernelCost, type RoundProfile } from './step-profile.js';

/** One line of the result, as `--json` prints it. null where the step cannot run (the reason goes to stderr). */
export interface StepRow {
  model: Arch;
  batch: number;
  backend: BackendName;
  kernels: boolean;
  median_ms: number | null;
  samples_per_second: number | null;
}

/** The run config of one benchmark: one mnist task, hybrid (sparsity on), Adam, the model at this batch.
 *  `steps` is large so that every timed round falls in the dense warm-up: the S_t update is dense there,
 *  the costliest phase of a step. `task` names the task (trainers alive together need distinct names). */
export function benchConfig(arch: Arch, batch: number, task = 'digits'): RunConfig {
  return runConfigSchema.parse({
    seed: 0,
    model: arch === 'mlp' ? { arch: 'mlp', hidden: [256, 256] } : { arch: 'lenet5' },
    tasks: [{ name: task, dataset: { source: 'mnist', train: 4096, test: 64 } }],
    train: { steps: 1_000_000, batch_size: batch, optimizer: { type: 'adam', lr: 1e-3 }, lr_schedule: 'constant', baseline: false },
  });
}

/** A hybrid TaskTrainer for task 0 of `config`, holding W initialised as the coordinator does. */
export async function makeTrainer(config: RunConfig): Promise<TaskTrainer> {
  const data = await loadTaskData(config.tasks[0], config.seed);
  const spec = buildModelSpec(config.model, data.inputShape);
  const trainer = new TaskTrainer({ spec, data, weight: config.tasks[0].weight, train: config.train, sparsity: config.sparsity, seed: config.seed });
  trainer.setShared(initTensors(spec.shared, config.seed, 'shared'));
  return trainer;
}

/** The bare forward + backward of the model (model/forward.ts, gradients read back), no optimizer: what
 *  the round adds on top of it is the trainer's own cost. */
export async function forwardBackward(config: RunConfig): Promise<{ run: () => void; dispose: () => void }> {
  const data = await loadTaskData(config.tasks[0], config.seed);
  const spec = buildModelSpec(config.model, data.inputShape);
  const batch = config.train.batch_size;
  const size = data.inputShape.reduce((a, b) => a * b, 1);
  const heads = headSpec(spec, data.classes);
  const params = [...spec.shared, ...heads].map((t, i) => tf.tensor(i < spec.shared.length ? initTensors([t], config.seed, 'shared')[0] : initTensors([t], config.seed, 'head')[0], t.shape));
  const x = tf.tensor(data.train.x.subarray(0, batch * size), [batch, ...data.inputShape]);
  const y = tf.tensor1d(data.train.y.subarray(0, batch), 'int32');
  const n = spec.shared.length;
  const run = (): void =>
    tf.tidy(() => {
      const f = (...p: tf.Tensor[]) => crossEntropy(logits(spec, p.slice(0, n), p.slice(n), x), y, data.classes);
      const { grads } = tf.valueAndGrads(f)(params);
      for (const g of grads.slice(0, n)) g.dataSync();
    });
  return { run, dispose: () => [...params, x, y].forEach((t) => t.dispose()) };
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
 *  inflates the median wall time), and the bare forward + backward. */
export interface Measured extends StepRow {
  steps: number;
  min_ms: number | null;
  /** Median CPU time of the process per step (process.cpuUsage: the main thread plus V8's helpers). */
  cpu_ms: number | null;
  forward_backward_ms: number | null;
  note?: string;
}

/** One row being measured: its trainer, its bare forward + backward, and the times so far. */
interface Case {
  row: Measured;
  config: RunConfig;
  trainer: TaskTrainer;
  bare: { run: () => void; dispose: () => void };
  step: number;
  times: number[];
  cpuTimes: number[];
  bareTimes: number[];
}

function label(c: { model: Arch; batch: number; backend: BackendName; kernels: boolean }): string {
  return `${c.model} batch ${c.batch} on ${c.backend}${c.backend === 'wasm' ? (c.kernels ? ' + kernels' : ' without kernels') : ''}`;
}

async function prepare(arch: Arch, batch: number, backend: BackendName, kernels: boolean, steps: number): Promise<Case> {
  // Trainers measured together need distinct variable names, which come from the task's name.
  const config = benchConfig(arch, batch, `digits-${arch}-${batch}-${backend}-${kernels ? 'kernels' : 'stock'}`);
  const row: Measured = { model: arch, batch, backend, kernels, median_ms: null, min_ms: null, cpu_ms: null, samples_per_second: null, steps, forward_backward_ms: null };
  return { row, config, trainer: await makeTrainer(config), bare: await forwardBackward(config), step: 0, times: [], cpuTimes: [], bareTimes: [] };
}

/** One round and one bare forward + backward of `c`, timed; a failure ends the case with a note. */
function runOnce(c: Case, record: boolean, log: (line: string) => void): void {
  try {
    const cpu = process.cpuUsage();
    let start = performance.now();
    c.trainer.round(c.step++);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    start = performance.now();
    c.bare.run();
    const bareMs = performance.now() - start;
    if (record) {
      c.times.push(ms);
      c.cpuTimes.push((used.user + used.system) / 1000);
      c.bareTimes.push(bareMs);
    }
  } catch (error) {
    c.row.note = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`bench:step: ${label(c.row)} fails: ${c.row.note}`);
  }
}

function finish(c: Case): Measured {
  const { row, times } = c;
  if (row.note === undefined && times.length > 0) {
    const ms = median(times);
    row.median_ms = round2(ms);
    row.min_ms = round2(Math.min(...times));
    row.cpu_ms = round2(median(c.cpuTimes));
    row.samples_per_second = Math.round((row.batch * c.config.train.local_batches * 1000) / ms);
    row.forward_backward_ms = round2(median(c.bareTimes));
  }
  c.trainer.dispose();
  c.bare.dispose();
  return row;
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
 * together, their steps interleaved (one step of each in turn), so that the machine's load weighs on all
 * alike. (Configurations are not interleaved with each other: without the kernels, the read-back leaves
 * enough garbage for the collector to slow the steps measured next to it.) Afterwards the backend that
 * was current is current again, with the wasm training kernels registered (as initBackend leaves them).
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
      for (const arch of opts.models) {
        for (const batch of opts.batches) cases.push(await prepare(arch, batch, backend, kernels, steps));
      }
      log(`bench:step: ${cases.map((c) => label(c.row)).join(', ')}: ${warmup} + ${steps} steps each, interleaved`);
      for (let i = 0; i < warmup + steps; i++) {
        for (const c of cases) if (c.row.note === undefined) runOnce(c, i >= warmup, log);
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

export function formatTable(rows: readonly Measured[]): string {
  const header = ['model', 'batch', 'backend', 'kernels', 'steps', 'median ms', 'min ms', 'cpu ms', 'samples/s', 'fwd+bwd ms'];
  const body = rows.map((r) => [
    r.model,
    String(r.batch),
    r.backend,
    r.backend === 'wasm' ? (r.kernels ? 'on' : 'off') : '-',
    String(r.steps),
    r.median_ms === null ? `fails: ${r.note ?? '?'}` : r.median_ms.toFixed(2),
    r.min_ms === null ? '-' : r.min_ms.toFixed(2),
    r.cpu_ms === null ? '-' : r.cpu_ms.toFixed(2),
    r.samples_per_second === null ? '-' : String(r.samples_per_second),
    r.forward_backward_ms === null ? '-' : r.forward_backward_ms.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (i === 5 && b[i].startsWith('fails') ? 0 : b[i].length))));
  return [header, ...body]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function toJson(rows: readonly Measured[]): { rows: StepRow[] } {
  return { rows: rows.map(({ model, batch, backend, kernels, median_ms, samples_per_second }) => ({ model, batch, backend, kernels, median_ms, samples_per_second })) };
}

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
