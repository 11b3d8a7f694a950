// bench:mtl's runs and arithmetic: the run config per (method, seed), each run trained in this process by
// `runTrain` and kept as JSON in the bench's --out directory (an interrupted bench goes on where it
// stopped), and per method Delta_m against the separate models, each task's accuracy, the worst task's
// drop and the coordinator's time per round (`SharedWeights.applyRound`, timed through runTrain's onRound).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GRADIENT_METHODS, LOSS_METHODS } from '../config/aggregation-schema.js';
import { parseRunConfig } from '../config/load.js';
import type { Log } from '../launch/progress.js';
import { runTrain, type RunResult } from '../launch/train.js';
import { median } from './median.js';

export const METHODS = ['weighted_sum', ...GRADIENT_METHODS, ...LOSS_METHODS] as const;
export type MethodName = (typeof METHODS)[number];

/** The method whose run of each seed also trains the separate models (train.baseline true). */
export const REFERENCE_METHOD: MethodName = 'weighted_sum';

/** One (method, seed) run as kept in --out. */
export interface KeptRun {
  method: MethodName;
  seed: number;
  /** The run config as given to the run (before defaults): a kept run is only reused for the same one. */
  config: Record<string, unknown>;
  result: RunResult;
  /** `SharedWeights.applyRound` over the run's rounds, in milliseconds. */
  aggregation_ms: { rounds: number; median: number; mean: number };
}

/** The run config for `method` at `seed`: the base with its seed, aggregation and (with --steps) step count set. */
export function configFor(base: Record<string, unknown>, method: MethodName, seed: number, steps: number | null): Record<string, unknown> {
  const train = { ...((base.train ?? {}) as Record<string, unknown>), baseline: method === REFERENCE_METHOD, ...(steps === null ? {} : { steps }) };
  return { ...base, seed, aggregation: { method }, train };
}

/** LibMTL's Delta_m in %, for accuracies (higher is better): (1/T) sum_t (hybrid_t - separate_t) / separate_t * 100. */
export function deltaM(hybrid: readonly number[], separate: readonly number[]): number {
  if (hybrid.length !== separate.length || hybrid.length === 0) throw new Error(`deltaM: ${hybrid.length} hybrid against ${separate.length} separate accuracies`);
  return (100 * hybrid.reduce((a, h, t) => a + (h - separate[t]) / separate[t], 0)) / hybrid.length;
}

export interface MethodRow {
  method: MethodName;
  seeds: number[];
  /** Delta_m % per seed, in `seeds` order. */
  delta_m: number[];
  delta_m_mean: number;
  /** Sample standard deviation over the seeds (0 with one seed). */
  delta_m_std: number;
  delta_m_min: number;
  delta_m_max: number;
  /** Each task's hybrid accuracy, mean over the seeds, in task order. */
  accuracy: number[];
  /** The task whose mean accuracy fell most below its separate model's mean, in points. */
  worst: { task: string; drop_pt: number };
  /** The coordinator's time per round (aggregation + optimizer step), mean over seeds of each run's median. */
  aggregation_ms: number;
}

export interface MtlReport {
  config: string;
  steps: number | null;
  seeds: number[];
  tasks: string[];
  /** The separate models' accuracy per task, mean over the seeds. */
  separate: number[];
  rows: MethodRow[];
  runs: KeptRun[];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;

function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The separate accuracies of each seed's reference run, in task order. */
export function separateBySeed(runs: readonly KeptRun[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of runs) {
    if (r.method !== REFERENCE_METHOD) continue;
    const separate = r.result.tasks.map((t) => t.separate_accuracy);
    if (separate.some((s) => s === null)) throw new Error(`bench:mtl: the ${REFERENCE_METHOD} run of seed ${r.seed} has no separate accuracies`);
    out.set(r.seed, separate as number[]);
  }
  return out;
}

/** One row per method, in `methods` order, from the runs of `seeds`. */
export function summarise(runs: readonly KeptRun[], methods: readonly MethodName[], seeds: readonly number[]): { tasks: string[]; separate: number[]; rows: MethodRow[] } {
  const separate = separateBySeed(runs);
  const tasks = runs[0]?.result.tasks.map((t) => t.name) ?? [];
  const meanSeparate = tasks.map((_, t) => mean(seeds.map((s) => separate.get(s)![t])));
  const rows = methods.map((method): MethodRow => {
    const of = seeds.map((seed) => {
      const run = runs.find((r) => r.method === method && r.seed === seed);
      if (!run) throw new Error(`bench:mtl: no ${method} run of seed ${seed}`);
      return run;
    });
    const hybrid = of.map((r) => r.result.tasks.map((t) => t.hybrid_accuracy));
    const deltas = hybrid.map((h, k) => deltaM(h, separate.get(of[k].seed)!));
    const accuracy = tasks.map((_, t) => mean(hybrid.map((h) => h[t])));
    const drops = accuracy.map((a, t) => 100 * (meanSeparate[t] - a));
    const worstIndex = drops.reduce((w, d, t) => (d > drops[w] ? t : w), 0);
    return {
      method,
      seeds: [...seeds],
      delta_m: deltas,
      delta_m_mean: mean(deltas),
      delta_m_std: std(deltas),
      delta_m_min: Math.min(...deltas),
      delta_m_max: Math.max(...deltas),
      accuracy,
      worst: { task: tasks[worstIndex], drop_pt: drops[worstIndex] },
      aggregation_ms: mean(of.map((r) => r.aggregation_ms.median)),
    };
  });
  return { tasks, separate: meanSeparate, rows };
}

export interface RunPlan {
  config: string;
  methods: MethodName[];
  seeds: number[];
  steps: number | null;
  out: string;
}

/** Seed by seed, the reference method first: each run trained, or read back from --out. */
export async function runAll(plan: RunPlan, log: Log): Promise<KeptRun[]> {
  const base = JSON.parse(readFileSync(plan.config, 'utf8')) as Record<string, unknown>;
  const baseDir = dirname(resolve(plan.config));
  const methods = [REFERENCE_METHOD, ...plan.methods.filter((m) => m !== REFERENCE_METHOD)];
  const work = plan.seeds.flatMap((seed) => methods.map((method) => ({ method, seed, config: configFor(base, method, seed, plan.steps) })));
  // Every run's config is checked before the first one trains.
  const parsed = work.map((w) => parseRunConfig(w.config, `${plan.config} (${w.method}, seed ${w.seed})`, { baseDir }));
  mkdirSync(plan.out, { recursive: true });
  const runs: KeptRun[] = [];
  for (const [i, w] of work.entries()) {
    const name = `${w.method}-seed${w.seed}`;
    const path = join(plan.out, `${name}.json`);
    if (existsSync(path)) {
      const kept = JSON.parse(readFileSync(path, 'utf8')) as KeptRun;
      if (JSON.stringify(kept.config) !== JSON.stringify(w.config)) {
        throw new Error(`bench:mtl: ${path} was trained with another run config (another --config or --steps?); delete it or choose another --out`);
      }
      log(`bench:mtl: ${name}: kept from ${path}`);
      runs.push(kept);
      continue;
    }
    log(`bench:mtl: ${name}: training (${i + 1}/${work.length})`);
    const seconds: number[] = [];
    const result = await runTrain(parsed[i], { log, onRound: (s) => seconds.push(s) });
    const ms = seconds.map((s) => s * 1000);
    const kept: KeptRun = { method: w.method, seed: w.seed, config: w.config, result, aggregation_ms: { rounds: ms.length, median: median(ms), mean: mean(ms) } };
    writeFileSync(`${path}.tmp`, `${JSON.stringify(kept)}\n`);
    renameSync(`${path}.tmp`, path);
    runs.push(kept);
  }
  return runs;
}
