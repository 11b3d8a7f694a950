// bench:scale: the real Coordinator's sync rounds at scale, 64 workers x 1M shared parameters for 300
// rounds by default, sampled every N rounds: round time (median, p90), bytes per round, CPU per round and
// memory after each window (RSS, the coordinator thread's heap, external and ArrayBuffer bytes), refused
// pushes (hybrid_pushes_rejected_total), and raw loopback TCP moving the same bytes per round in the same
// run as the yardstick (bench/scale-run.ts). Numbers, never pass/fail.
//
// One worker per task: --tasks below --workers would need replicas (tasks[].replicas), and the synthetic
// clients (bench/coordinator-session.ts) do not speak as replicas (no ReplicaGradient before a push, no
// TaskStep, no joining a formed task), so --tasks must equal --workers.
//
// The clients run as worker_threads of this process (as in bench:comm): the RSS and the process CPU
// include them; the main-thread columns are the coordinator's own (bench/scale-run.ts says which is which).
//
//   npm run bench:scale                      table on stdout (progress on stderr)
//   npm run bench:scale -- --json            one JSON object {"rows": [...], "rss_ratio_300_50", "f32_over_tcp", "refused_pushes", ...}
//   options: --workers 64  --tasks 64  --params 1M  --rounds 300  --encoding f32|f16|bf16|topk|int8
//            --sample-every 10  --rss-base 50 (the round the last round's RSS is compared with)
//            --tcp-rounds 30  (--help)
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CHUNK_BYTES } from '../config/schema.js';
import type { EncodingName } from '../compression/encodings/index.js';
import { benchCommand, exitOnError, integerAtLeast, parseOver } from './args.js';
import { BENCH_DENSE_EVERY, parseCount } from './comm-grid.js';
import { ENCODINGS, TOPK_FRACTION } from './push-frames.js';
import { MEASURES, runScale, type ScaleOptions, type ScaleResult } from './scale-run.js';

export const BENCH = 'bench:scale';
/** taskName() names at most 100 workers. */
const MAX_WORKERS = 100;

export const DEFAULT_OPTIONS: ScaleOptions = {
  json: false,
  workers: 64,
  tasks: 64,
  params: 1_000_000,
  rounds: 300,
  encoding: 'f32',
  sampleEvery: 10,
  rssBase: 50,
  tcpRounds: 30,
  // What worker/worker.ts does: an all-zero masking key.
  mask: 'zero',
  chunkBytes: DEFAULT_CHUNK_BYTES,
};

function encodingName(value: string): EncodingName {
  const e = value.toLowerCase() as EncodingName;
  if (!ENCODINGS.includes(e)) throw new InvalidArgumentError(`takes one of ${ENCODINGS.join(', ')}; got '${value}'`);
  return e;
}

function count(value: string): number {
  const n = parseCount(value);
  if (!Number.isFinite(n) || n < 1) throw new InvalidArgumentError(`takes a positive count such as 50k or 1M; got '${value}'`);
  return n;
}

/** The command line (after the script name) as options; unknown flags and inconsistent values are errors. */
export function parseArgs(argv: readonly string[]): ScaleOptions {
  const d = DEFAULT_OPTIONS;
  const program = benchCommand(BENCH, 'Sync rounds of the Coordinator at scale: round time, bytes, CPU and memory over time, against raw TCP.')
    .option('--json', 'one JSON object on stdout instead of the table')
    .option('--workers <n>', `synthetic workers, at most ${MAX_WORKERS} (default: ${d.workers})`, integerAtLeast(1))
    .option('--tasks <n>', 'tasks; must equal --workers (one worker per task: the synthetic clients do not speak as replicas) (default: --workers)', integerAtLeast(1))
    .option('--params <n>', 'shared-parameter count such as 50k, 1M (default: 1M)', count)
    .option('--rounds <n>', `sync rounds, at least 2 (default: ${d.rounds})`, integerAtLeast(2))
    .option('--encoding <name>', `value encoding, uplink = downlink, of ${ENCODINGS.join(',')} (default: ${d.encoding})`, encodingName)
    .option('--sample-every <n>', `rounds per sample window (default: ${d.sampleEvery})`, integerAtLeast(1))
    .option(
      '--rss-base <round>',
      `the round whose RSS the last round's is compared with, a multiple of --sample-every (default: ${d.rssBase}, or the last sample at or before it)`,
      integerAtLeast(1),
    )
    .option('--tcp-rounds <n>', `raw-TCP rounds measured (default: ${d.tcpRounds})`, integerAtLeast(1));
  const opts = parseOver(program, argv, d);
  // What the command line set itself (the options above have no defaults of commander's).
  const given = program.opts<Partial<ScaleOptions>>();
  if (opts.workers > MAX_WORKERS) throw new Error(`${BENCH}: --workers takes at most ${MAX_WORKERS}; got ${opts.workers}`);
  opts.tasks = given.tasks ?? opts.workers;
  if (opts.tasks !== opts.workers) {
    throw new Error(
      `${BENCH}: --tasks ${opts.tasks} with --workers ${opts.workers} needs replicas, which the synthetic clients do not speak (bench/coordinator-session.ts); give --tasks equal to --workers`,
    );
  }
  if (opts.sampleEvery > opts.rounds) throw new Error(`${BENCH}: --sample-every ${opts.sampleEvery} is more than --rounds ${opts.rounds}`);
  if (given.rssBase === undefined) opts.rssBase = Math.max(opts.sampleEvery, Math.floor(Math.min(d.rssBase, opts.rounds) / opts.sampleEvery) * opts.sampleEvery);
  else if (opts.rssBase % opts.sampleEvery !== 0 || opts.rssBase > opts.rounds) {
    throw new Error(`${BENCH}: --rss-base ${opts.rssBase} must be a multiple of --sample-every ${opts.sampleEvery} and at most --rounds ${opts.rounds}`);
  }
  return opts;
}

/** Megabytes with three significant digits or so. */
function mb(bytes: number): string {
  const x = bytes / 1e6;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));

export function formatTable(r: ScaleResult): string {
  const header = [
    'rounds',
    'ms med',
    'ms p90',
    'MB/round',
    'up MB',
    'down MB',
    'proc cpu s/rd',
    'main cpu s/rd',
    'main wait s/rd',
    'main elu',
    'rss MB',
    'heap MB',
    'ext MB',
    'arraybuf MB',
    'refused',
  ];
  const lines = [header.join('\t')];
  for (const w of r.rows) {
    lines.push(
      [
        `${w.from_round + 1}-${w.to_round}`,
        fixed(w.round_ms_median, 1),
        fixed(w.round_ms_p90, 1),
        mb(w.bytes_per_round),
        mb(w.up_bytes_per_round),
        mb(w.down_bytes_per_round),
        w.process_cpu_s_per_round.toFixed(3),
        fixed(w.main_cpu_s_per_round, 3),
        fixed(w.main_wait_s_per_round, 3),
        w.main_elu.toFixed(2),
        mb(w.rss_bytes),
        mb(w.heap_used_bytes),
        mb(w.external_bytes),
        mb(w.array_buffers_bytes),
        w.refused_pushes,
      ].join('\t'),
    );
  }
  const ratio = r.f32_over_tcp === null ? `ws/tcp ${r.ws_over_tcp}` : `f32/tcp ${r.f32_over_tcp}`;
  lines.push(
    `round ms median ${r.round_ms_median} (p90 ${r.round_ms_p90}, rounds 2-${r.rounds}); tcp ms median ${r.tcp_round_ms_median} (p90 ${r.tcp_round_ms_p90}, ${r.tcp_rounds} rounds); ${ratio}`,
    `rss after round ${r.rss_base_round} ${mb(r.rows.find((w) => w.to_round === r.rss_base_round)!.rss_bytes)} MB, after round ${r.rounds} ${mb(r.rows[r.rows.length - 1].rss_bytes)} MB: ratio ${r.rss_ratio_300_50}`,
    `refused pushes ${r.refused_pushes}, refused connections ${r.refused_connections}`,
  );
  return lines.join('\n');
}

/** The table's first line: what was measured, how. */
export function tableHeading(r: ScaleResult): string {
  const lossy = r.encoding !== 'f32' ? ` (topk keeps ${TOPK_FRACTION * 100}% of each piece; lossy downlinks send deltas, dense_every ${BENCH_DENSE_EVERY})` : '';
  return (
    `${r.workers} workers (one per task) x ${r.shared_params} shared params, ${r.rounds} sync rounds of the Coordinator over ws on 127.0.0.1, ${r.encoding} both ways${lossy}, ` +
    `${r.push_parts} parts a push; windows of ${r.sample_every} rounds (round 1, the joins, left out of the times); MB = 1e6 bytes of WebSocket payloads both ways; ${MEASURES}`
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  const result = await runScale(opts, log);
  log(`${BENCH}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${tableHeading(result)}\n${formatTable(result)}\n`);
}

// vite-node takes the script's path out of process.argv, so "am I the entry point" cannot be asked of
// argv; the tests import this module for its parts, under vitest, which sets VITEST.
if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch(exitOnError);
}
