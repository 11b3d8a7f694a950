// bench:replica-step: what training a task as a replica costs its worker against training it alone: the
// plain round (TaskTrainer.round: gradient and update in one) against a replica's round in its two halves
// (replicaRound: the gradient and the vector for the coordinator; applyReplicaRound: the update from the
// replicas' mean, here the replica's own), on the same model, batch and backend, step by step in turns.
//   npm run -s bench:replica-step [-- --models mlp,lenet5,resnet --batch 64 --steps 40 --warmup 5 --json]
import { initBackend } from '../model/backend.js';
import type { TaskTrainer } from '../worker/trainer.js';
import { benchCommand, exitOnError, integerAtLeast, namesOf, parseOver } from './args.js';
import { median } from './median.js';
import { ARCHS, type Arch } from './step-args.js';
import { benchConfig, makeTrainer } from './step-models.js';

interface Options {
  models: Arch[];
  batch: number;
  steps: number;
  warmup: number;
  json: boolean;
}

interface Row {
  model: Arch;
  batch: number;
  round_ms: number;
  replica_gradient_ms: number;
  replica_update_ms: number;
  replica_ms: number;
  /** Median of the steps' ratios, replica over plain: the load of the machine cancels in each. */
  replica_over_round: number;
}

export function parse(argv: readonly string[]): Options {
  const program = benchCommand('bench:replica-step', "a task's step as a replica against the plain step")
    .option('--models <list>', `of ${ARCHS.join(',')} (default: mlp,lenet5,resnet)`, namesOf(ARCHS))
    .option('--batch <n>', 'batch size (default: 64)', integerAtLeast(1))
    .option('--steps <n>', 'timed steps of each (default: 40)', integerAtLeast(1))
    .option('--warmup <n>', 'untimed steps of each first (default: 5)', integerAtLeast(0))
    .option('--json', 'one JSON object {"rows": [...]} on stdout instead of the table');
  return parseOver(program, argv, { models: [...ARCHS], batch: 64, steps: 40, warmup: 5, json: false });
}

function ms(f: () => void): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

export async function measure(model: Arch, opts: Options): Promise<Row> {
  // The step count is large (benchConfig), so every timed step falls in the dense warm-up, the costliest
  // for a replica: S_t dense, its whole gradient in the replica's vector.
  const plain = await makeTrainer(benchConfig(model, opts.batch, `plain-${model}`));
  const replica = await makeTrainer(benchConfig(model, opts.batch, `replica-${model}`));
  const round: number[] = [];
  const gradient: number[] = [];
  const update: number[] = [];
  try {
    for (let step = 0; step < opts.warmup + opts.steps; step++) {
      const timed = step >= opts.warmup;
      const a = ms(() => plain.round(step));
      let vector: Float32Array | null = null;
      const b = ms(() => (vector = replica.replicaRound(step, 0, 1).vector));
      const c = ms(() => replica.applyReplicaRound(step, vector, 1));
      if (!timed) continue;
      round.push(a);
      gradient.push(b);
      update.push(c);
    }
  } finally {
    for (const t of [plain, replica] as TaskTrainer[]) t.dispose();
  }
  return {
    model,
    batch: opts.batch,
    round_ms: median(round),
    replica_gradient_ms: median(gradient),
    replica_update_ms: median(update),
    replica_ms: median(gradient.map((g, i) => g + update[i])),
    replica_over_round: median(round.map((r, i) => (gradient[i] + update[i]) / r)),
  };
}

function table(rows: readonly Row[]): string {
  const head = ['model', 'batch', 'round ms', 'replica gradient ms', 'replica update ms', 'replica ms', 'replica/round'];
  const cells = rows.map((r) => [
    r.model,
    String(r.batch),
    r.round_ms.toFixed(2),
    r.replica_gradient_ms.toFixed(2),
    r.replica_update_ms.toFixed(2),
    r.replica_ms.toFixed(2),
    r.replica_over_round.toFixed(3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parse(argv);
  await initBackend('wasm', { kernels: true, log: (line) => process.stderr.write(`${line}\n`) });
  const rows: Row[] = [];
  for (const model of opts.models) rows.push(await measure(model, opts));
  if (opts.json) process.stdout.write(`${JSON.stringify({ rows })}\n`);
  else process.stdout.write(`a task's step alone (round) and as a replica (replicaRound + applyReplicaRound), wasm + kernels, dense warm-up, median of ${opts.steps} steps, ms\n${table(rows)}\n`);
}

if (process.env.VITEST === undefined) main(process.argv.slice(2)).catch(exitOnError);
