// The training side of bench:comm: the same run config trained with `hybrid local` (coordinator and one
// worker process per task, real sockets) once per encoding and seed, to compare final accuracy per task
// and the round traffic (gradient pushes in, weight updates out) against dense F32 of the same seed.
// Each run's JSON result is kept in --out, so an interrupted comparison goes on where it stopped.
// Numbers, never pass/fail. Minutes per run: examples/mnist-family.json takes about 10 on 2 cores.
//
//   npm run bench:comm-training                          table on stdout
//   npm run bench:comm-training -- --json                {"runs": [...], "rows": [...]}
//   options: --config F (default examples/mnist-family.json)  --seeds 0,1,2  --encodings f32,bf16,topk,int8
//            --topk-fraction 0.01  --out D (default bench/out/comm-training)  --cli dist/cli.js  (--help)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { RunResult } from '../model/run-output.js';
import { benchCommand, exitOnError, parseOver } from './args.js';

const ENCODINGS = ['f32', 'f16', 'bf16', 'topk', 'int8'] as const;
type EncodingName = (typeof ENCODINGS)[number];

export interface TrainingBenchOptions {
  json: boolean;
  config: string;
  seeds: number[];
  encodings: EncodingName[];
  topkFraction: number;
  out: string;
  cli: string;
}

export const DEFAULT_OPTIONS: TrainingBenchOptions = {
  json: false,
  config: 'examples/mnist-family.json',
  seeds: [0, 1, 2],
  encodings: ['f32', 'bf16', 'topk', 'int8'],
  topkFraction: 0.01,
  out: 'bench/out/comm-training',
  cli: 'dist/cli.js',
};

/** "a,b": encodings, any case. */
function encodingsOf(value: string): EncodingName[] {
  return value.split(',').map((s) => {
    const e = s.trim().toLowerCase();
    if (!(ENCODINGS as readonly string[]).includes(e)) throw new InvalidArgumentError(`names an unknown encoding '${s}' (known: ${ENCODINGS.join(', ')})`);
    return e as EncodingName;
  });
}

function seedsOf(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`takes integers >= 0; got '${s}'`);
    return n;
  });
}

function fractionOf(value: string): number {
  const f = Number(value);
  if (!(f > 0 && f <= 1)) throw new InvalidArgumentError(`takes a number in (0, 1]; got '${value}'`);
  return f;
}

export function parseArgs(argv: readonly string[]): TrainingBenchOptions {
  const d = DEFAULT_OPTIONS;
  const program = benchCommand('bench:comm-training', 'Trains one run config with `hybrid local` per encoding and seed; accuracy and round bytes against dense f32.')
    .option('--json', 'one JSON object {"config", "runs", "rows", "means"} on stdout instead of the table')
    .option('--config <file>', `the base run config (default: ${d.config})`)
    .option('--seeds <list>', `seeds, one run per encoding each (default: ${d.seeds.join(',')})`, seedsOf)
    .option('--encodings <list>', `of ${ENCODINGS.join(',')}, uplink = downlink (default: ${d.encodings.join(',')})`, encodingsOf)
    .option('--topk-fraction <f>', `the share of each piece topk keeps (default: ${d.topkFraction})`, fractionOf)
    .option('--out <dir>', `where each run's result is kept (default: ${d.out})`)
    .option('--cli <file>', `the hybrid command line to run (default: ${d.cli})`);
  return parseOver(program, argv, d);
}

/**
 * The run config for one encoding, both ways. Lossy uplinks keep error feedback on (the default); the
 * downlink sends deltas with the coordinator's error feedback. TOPK's full resync is rare (every 1000
 * versions): the mirror already equals every worker's copy, so a dense W would only spend bytes.
 */
export function configFor(base: Record<string, unknown>, encoding: EncodingName, seed: number, topkFraction: number): Record<string, unknown> {
  const distributed = (base.distributed ?? {}) as Record<string, unknown>;
  const uplink = encoding === 'topk' ? { encoding, topk_fraction: topkFraction } : { encoding };
  const downlink = encoding === 'topk' ? { encoding, topk_fraction: topkFraction, dense_every: 1000 } : { encoding };
  return { ...base, seed, distributed: { ...distributed, uplink, downlink } };
}

interface Run {
  encoding: EncodingName;
  seed: number;
  result: RunResult;
}

function runLocal(cli: string, configPath: string, outDir: string): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cli, 'local', '--config', configPath, '--out', outDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`hybrid local on ${configPath} exited with ${code}: ${stderrTail.split('\n').slice(-3).join(' | ')}`));
      try {
        resolveRun(JSON.parse(stdout) as RunResult);
      } catch {
        reject(new Error(`hybrid local on ${configPath} printed no JSON result`));
      }
    });
  });
}

export interface ComparisonRow {
  encoding: EncodingName;
  seed: number;
  /** Final accuracy per task, in task order. */
  accuracy: number[];
  /** Accuracy minus dense F32's of the same seed, per task (null without that run). */
  accuracy_change: (number | null)[];
  round_bytes_per_round: number;
  /** Dense F32's round bytes over this run's (null without that run). */
  bytes_reduction: number | null;
  wall_seconds: number;
}

export function compare(runs: readonly Run[]): ComparisonRow[] {
  return runs.map((r) => {
    const dense = runs.find((d) => d.encoding === 'f32' && d.seed === r.seed);
    const accuracy = r.result.tasks.map((t) => t.hybrid_accuracy);
    const perRound = r.result.communication?.round_bytes_per_round ?? NaN;
    const densePerRound = dense?.result.communication?.round_bytes_per_round;
    return {
      encoding: r.encoding,
      seed: r.seed,
      accuracy,
      accuracy_change: accuracy.map((a, i) => (dense ? a - dense.result.tasks[i].hybrid_accuracy : null)),
      round_bytes_per_round: perRound,
      bytes_reduction: densePerRound === undefined ? null : densePerRound / perRound,
      wall_seconds: r.result.wall_seconds,
    };
  });
}

/** Per encoding (dense f32 aside), the mean over seeds of each task's change against dense f32. */
export function meanChanges(rows: readonly ComparisonRow[]): { encoding: EncodingName; seeds: number; change: number[]; bytes_reduction: number }[] {
  const out: { encoding: EncodingName; seeds: number; change: number[]; bytes_reduction: number }[] = [];
  for (const encoding of ENCODINGS) {
    const paired = rows.filter((r) => r.encoding === encoding && encoding !== 'f32' && r.accuracy_change.every((c) => c !== null));
    if (paired.length === 0) continue;
    const change = paired[0].accuracy.map((_, i) => paired.reduce((a, r) => a + r.accuracy_change[i]!, 0) / paired.length);
    const bytes_reduction = paired.reduce((a, r) => a + r.bytes_reduction!, 0) / paired.length;
    out.push({ encoding, seeds: paired.length, change, bytes_reduction });
  }
  return out;
}

export function formatTable(tasks: readonly string[], rows: readonly ComparisonRow[]): string {
  const header = ['encoding', 'seed', ...tasks.map((t) => `${t} %`), 'worst change pt', 'KB/round', 'fewer bytes', 'wall s'];
  const lines = [header.join('\t')];
  for (const r of rows) {
    const changes = r.accuracy_change.filter((c): c is number => c !== null);
    lines.push(
      [
        r.encoding,
        r.seed,
        ...r.accuracy.map((a) => (a * 100).toFixed(2)),
        changes.length ? (Math.min(...changes) * 100).toFixed(2) : '-',
        (r.round_bytes_per_round / 1e3).toFixed(1),
        r.bytes_reduction === null ? '-' : `${r.bytes_reduction.toFixed(1)}x`,
        r.wall_seconds.toFixed(0),
      ].join('\t'),
    );
  }
  for (const m of meanChanges(rows)) {
    lines.push([`${m.encoding} mean`, `${m.seeds} seeds`, ...m.change.map((c) => `${c >= 0 ? '+' : ''}${(c * 100).toFixed(2)} pt`), '', '', `${m.bytes_reduction.toFixed(1)}x`, ''].join('\t'));
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const base = JSON.parse(readFileSync(opts.config, 'utf8')) as Record<string, unknown>;
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const runs: Run[] = [];
  // Seed by seed, dense first: a partial comparison already pairs each encoding with its dense run.
  for (const seed of opts.seeds) {
    for (const encoding of [...opts.encodings].sort((a, b) => (a === 'f32' ? -1 : b === 'f32' ? 1 : 0))) {
      const name = `${encoding}-seed${seed}`;
      const resultPath = join(out, `${name}.json`);
      if (existsSync(resultPath)) {
        process.stderr.write(`bench:comm-training: ${name}: kept from ${resultPath}\n`);
      } else {
        const configPath = join(out, `${name}.config.json`);
        writeFileSync(configPath, `${JSON.stringify(configFor(base, encoding, seed, opts.topkFraction), null, 2)}\n`);
        process.stderr.write(`bench:comm-training: ${name}: training\n`);
        const result = await runLocal(resolve(opts.cli), configPath, join(out, name));
        writeFileSync(`${resultPath}.tmp`, `${JSON.stringify(result)}\n`);
        renameSync(`${resultPath}.tmp`, resultPath);
      }
      runs.push({ encoding, seed, result: JSON.parse(readFileSync(resultPath, 'utf8')) as RunResult });
    }
  }
  const rows = compare(runs);
  if (opts.json) process.stdout.write(`${JSON.stringify({ config: opts.config, runs, rows, means: meanChanges(rows) })}\n`);
  else {
    process.stdout.write(`${opts.config}, hybrid local; round traffic = gradient pushes in + weight updates out; change vs dense f32 of the same seed\n`);
    process.stdout.write(`${formatTable(runs[0]?.result.tasks.map((t) => t.name) ?? [], rows)}\n`);
  }
}

if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch(exitOnError);
}
