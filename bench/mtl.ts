// bench:mtl: the multi-task gradient methods on tasks that conflict. One run config (by default
// examples/mnist-ten.json: ten tasks from the mnist package and Fashion-MNIST on LeNet-5, rho 0.02) is
// trained once per aggregation method and seed; each seed's weighted_sum run also trains the T separate
// models (train.baseline), whose accuracies the other methods of that seed are compared with. Per method:
// Delta_m % as LibMTL reports it, (1/T) sum_t (hybrid_t - separate_t) / separate_t * 100 per seed, then
// its mean, standard deviation and range over the seeds; each task's accuracy (mean over seeds); the worst
// task's drop against its separate model; and the coordinator's time per round, the median time of
// `SharedWeights.applyRound` (the aggregation and the optimizer step on W) in each run, mean over seeds.
// Numbers, never pass/fail. One run of examples/mnist-ten.json takes minutes on 2 cores (README).
//
// The runs go through `runTrain` (launch/train.ts) in this process, one after another, not through the
// CLI in child processes as bench:comm-training does: the coordinator's time per round is read through
// runTrain's `onRound` callback, which `hybrid train --json` does not report, and `hybrid train` is
// that same function in one process anyway. Each (method, seed) run's result is kept in --out, so an
// interrupted bench goes on where it stopped (a kept run trained with another config is an error).
//
//   npm run bench:mtl                               table on stdout (progress on stderr)
//   npm run bench:mtl -- --json                     one JSON object {"rows": [...], "runs": [...], ...}
//   options: --config F (default examples/mnist-ten.json)  --methods weighted_sum,pcgrad,...  --seeds 0,1,2
//            --steps N (overrides train.steps)  --out D (default bench/out/mtl)  (--help)
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { initBackend } from '../model/backend.js';
import { stderrLog, type Log } from '../launch/progress.js';
import { benchCommand, exitOnError, integerAtLeast, namesOf, parseOver } from './args.js';
import { METHODS, REFERENCE_METHOD, runAll, summarise, type MethodName, type MtlReport } from './mtl-runs.js';

export const BENCH = 'bench:mtl';

export interface MtlBenchOptions {
  json: boolean;
  config: string;
  methods: MethodName[];
  seeds: number[];
  /** Overrides the config's train.steps (null: the config's). */
  steps: number | null;
  out: string;
}

export const DEFAULT_OPTIONS: MtlBenchOptions = { json: false, config: 'examples/mnist-ten.json', methods: [...METHODS], seeds: [0, 1, 2], steps: null, out: 'bench/out/mtl' };

/** "0,1,2": distinct integers >= 0. */
function seedsOf(value: string): number[] {
  const seeds = value.split(',').map((s) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`takes distinct integers >= 0; got '${s}'`);
    return n;
  });
  if (new Set(seeds).size !== seeds.length) throw new InvalidArgumentError(`takes distinct integers >= 0; got '${value}'`);
  return seeds;
}

export function parseArgs(argv: readonly string[]): MtlBenchOptions {
  const d = DEFAULT_OPTIONS;
  const program = benchCommand(BENCH, 'Trains one run config per aggregation method and seed; Delta_m against the separate models, per-task accuracy, time per round.')
    .option('--json', 'one JSON object {"config", "tasks", "separate", "rows", "runs"} on stdout instead of the table')
    .option('--config <file>', `the base run config (default: ${d.config})`)
    .option('--methods <list>', `of ${METHODS.join(',')} (default: all; ${REFERENCE_METHOD} always runs, it trains the separate models)`, namesOf(METHODS))
    .option('--seeds <list>', `seeds, one run per method each (default: ${d.seeds.join(',')})`, seedsOf)
    .option('--steps <n>', "overrides the config's train.steps (quick runs)", integerAtLeast(1))
    .option('--out <dir>', `where each run's result is kept (default: ${d.out})`);
  const opts = parseOver(program, argv, d);
  // weighted_sum first: its run of each seed trains the separate models.
  const methods = [...new Set<MethodName>([REFERENCE_METHOD, ...opts.methods])];
  return { ...opts, methods };
}

/** Every run (trained or kept), then the rows. `log` takes the progress (stderr in main). */
export async function runMtl(opts: MtlBenchOptions, log: Log): Promise<MtlReport> {
  const runs = await runAll({ config: opts.config, methods: opts.methods, seeds: opts.seeds, steps: opts.steps, out: resolve(opts.out) }, log);
  const { tasks, separate, rows } = summarise(runs, opts.methods, opts.seeds);
  return { config: opts.config, steps: opts.steps, seeds: opts.seeds, tasks, separate, rows, runs };
}

const pct = (a: number) => (a * 100).toFixed(2);
const signed = (x: number, digits = 2) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

export function formatTable(report: MtlReport): string {
  const header = ['method', 'Delta_m %', 'std', 'min..max', 'worst task', 'worst drop pt', 'agg ms/round', ...report.tasks.map((t) => `${t} %`)];
  const lines = [header.join('\t'), ['separate', '', '', '', '', '', '', ...report.separate.map(pct)].join('\t')];
  for (const r of report.rows) {
    lines.push(
      [
        r.method,
        signed(r.delta_m_mean),
        r.delta_m_std.toFixed(2),
        `${signed(r.delta_m_min)}..${signed(r.delta_m_max)}`,
        r.worst.task,
        r.worst.drop_pt.toFixed(2),
        r.aggregation_ms.toFixed(2),
        ...r.accuracy.map(pct),
      ].join('\t'),
    );
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  await initBackend('auto', { log: stderrLog });
  const report = await runMtl(opts, stderrLog);
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const steps = opts.steps === null ? "the config's steps" : `${opts.steps} steps`;
    process.stdout.write(`${opts.config}, hybrid train per method, ${steps}, seeds ${opts.seeds.join(',')}; accuracies are means over the seeds\n`);
    process.stdout.write(`${formatTable(report)}\n`);
  }
}

if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch(exitOnError);
}
