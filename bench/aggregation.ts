// bench:aggregation: the coordinator's time per round for each aggregation method (aggregation.method)
// at T tasks x P shared parameters: SharedWeights.applyRound, the one call of a round that depends on the
// method (the Gram matrix and solver, or the loss weights, then W's optimizer step), with the gradients
// in the weight arena's push buffers where a real round decodes them. The rest of a round (decoding the
// pushes, the downlink) is the same for every method, so the ratio of these times bounds the ratio of
// whole rounds from above. Medians of the measured rounds, after warm-up, all methods in one run.
// Numbers, never pass/fail.
//
//   npm run bench:aggregation                 table on stdout
//   npm run bench:aggregation -- --json       {"tasks", "params", "rows": [{"method", "ms", "ratio"}]}
//   options: --tasks 10  --params 1M  --rounds 9  --warmup 2  (--help)
import { aggregationSchema } from '../config/aggregation-schema.js';
import { aggregatorFor, type Contribution } from '../coordinator/aggregation.js';
import { SharedWeights } from '../coordinator/shared-weights.js';
import { benchCommand, exitOnError, integerAtLeast, parseOver } from './args.js';
import { parseCount } from './comm-grid.js';
import { median } from './median.js';

import { METHODS } from './mtl-runs.js';

export { METHODS };

export interface AggregationBenchOptions {
  json: boolean;
  tasks: number;
  params: number;
  rounds: number;
  warmup: number;
}

export const DEFAULT_OPTIONS: AggregationBenchOptions = { json: false, tasks: 10, params: 1_000_000, rounds: 9, warmup: 2 };

export interface AggregationRow {
  method: (typeof METHODS)[number];
  /** Median ms of applyRound over the measured rounds. */
  ms: number;
  /** ms / weighted_sum's ms in this run. */
  ratio: number;
}

export function parseArgs(argv: readonly string[]): AggregationBenchOptions {
  const program = benchCommand('bench:aggregation', "The coordinator's time per round (SharedWeights.applyRound) for each aggregation method.")
    .option('--json', 'one JSON object on stdout instead of the table')
    .option('--tasks <n>', `tasks T, 2 to 100 (default: ${DEFAULT_OPTIONS.tasks})`, integerAtLeast(2))
    .option('--params <n>', 'shared parameters, such as 250k or 1M (default: 1M)', (v: string) => integerAtLeast(1024)(String(parseCount(v))))
    .option('--rounds <n>', `measured rounds per method (default: ${DEFAULT_OPTIONS.rounds})`, integerAtLeast(1))
    .option('--warmup <n>', `rounds before the measured ones (default: ${DEFAULT_OPTIONS.warmup})`, integerAtLeast(0));
  const opts = parseOver(program, argv, DEFAULT_OPTIONS);
  if (opts.tasks > 100) throw new Error('bench:aggregation: --tasks takes at most 100');
  return opts;
}

/** Four tensors of W (two layers' kernels and biases, about `params` entries), like the models' shapes. */
function sizes(params: number): number[] {
  const bias = 1024;
  const kernel = Math.max(1, Math.floor((params - 2 * bias) / 2));
  return [kernel, bias, kernel, bias];
}

export function runBench(opts: AggregationBenchOptions): AggregationRow[] {
  const shape = sizes(opts.params);
  const tasks = Array.from({ length: opts.tasks }, (_, t) => `task${t}`);
  const timed = METHODS.map((method) => {
    const config = aggregationSchema.parse({ method });
    const shared = new SharedWeights(
      shape.map((n) => new Float32Array(n)),
      { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      aggregatorFor(config, 0, tasks),
      { pushBuffers: opts.tasks },
    );
    // Gradients that conflict in part: each task's is a mix of a shared direction and its own.
    shared.pushBuffers.forEach((slot, t) => slot.forEach((g, i) => g.forEach((_, j) => (g[j] = Math.sin(0.001 * j + i) + Math.cos(0.0137 * j * (t + 1))))));
    const ms: number[] = [];
    for (let r = 0; r < opts.warmup + opts.rounds; r++) {
      const contributions: Contribution[] = tasks.map((task, t) => ({ task, weight: 1, gradient: shared.pushBuffers[t], loss: 1 + 0.1 * t + 1 / (r + 1) }));
      const t0 = performance.now();
      shared.applyRound(contributions, 1, r);
      if (r >= opts.warmup) ms.push(performance.now() - t0);
    }
    return { method, ms: median(ms) };
  });
  const base = timed[0].ms;
  return timed.map((t) => ({ ...t, ratio: t.ms / base }));
}

function main(argv: readonly string[]): void {
  const opts = parseArgs(argv);
  const rows = runBench(opts);
  if (opts.json) return void process.stdout.write(`${JSON.stringify({ tasks: opts.tasks, params: opts.params, rows })}\n`);
  const lines = [`applyRound at T = ${opts.tasks} x ${opts.params} shared parameters (Adam), median of ${opts.rounds} rounds after ${opts.warmup}`, 'method\tms a round\tof weighted_sum'];
  for (const r of rows) lines.push(`${r.method}\t${r.ms.toFixed(2)}\t${r.ratio.toFixed(2)}x`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.env.VITEST === undefined) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    exitOnError(err);
  }
}
