// bench:comm --shards K1,K2,...: the grid's sync rounds with W cut over K coordinator processes
// (docs/shards.md), for each K of the list: the shards started from the build output
// (bench/shard-processes.ts), T synthetic clients joining through the lead and pushing each shard its
// slices (bench/shard-session.ts), and per shard its CPU seconds, rounds and bytes from its /metrics at
// both ends of the measured window (bench/shard-metrics.ts), beside the round time the clients see.
// K = 1 runs one coordinator process the same way, so that every K is measured alike. Numbers, never
// pass/fail.
import { availableParallelism } from 'node:os';
import type { EncodingName } from '../compression/encodings/index.js';
import { planShards } from '../model/shard-plan.js';
import { modelFingerprint, totalSize } from '../model/spec.js';
import { benchConfig, specOf, taskName, type GridOptions } from './comm-grid.js';
import { helloFrame, pushTemplates, shardPieces, syntheticGradient, TOPK_FRACTION } from './push-frames.js';
import { ClientPool, type Negotiated } from './round-clients.js';
import { RoundClock, type RoundWindow } from './round-clock.js';
import { scrapeShards, type ShardCounters } from './shard-metrics.js';
import { startShardProcesses } from './shard-processes.js';

/** One shard of one K at one (T, P, encoding) point, as `--json` prints it. */
export interface ShardRow {
  workers: number;
  /** The nominal size asked for (1M, 4M, ...). */
  params: number;
  shared_params: number;
  encoding: EncodingName;
  topk_fraction: number;
  mask: GridOptions['mask'];
  chunk_bytes: number;
  /** K, and this shard (0 leads). */
  shards: number;
  shard: number;
  /** Entries of W this shard holds. */
  shard_params: number;
  /** Frames a push to this shard takes. */
  push_parts: number;
  /** Rounds this shard closed in the window (its hybrid_rounds_total). */
  rounds: number;
  /** The clients' mean round time over the window (every client has every shard's update): the same
   *  for every shard of a K. */
  round_ms: number;
  /** This process's CPU (user + system) per round it closed. */
  cpu_ms_per_round: number;
  /** WebSocket payload bytes both ways per round, as this shard counts them. */
  bytes_per_round: number;
  up_bytes_per_round: number;
  down_bytes_per_round: number;
}

/** K > 1 against K = 1 at one (T, P, encoding) point. */
export interface ShardRatio {
  workers: number;
  params: number;
  encoding: EncodingName;
  shards: number;
  /** The shard of K with the most CPU per round, and that CPU over K = 1's coordinator's. */
  busiest_shard: number;
  cpu_ratio: number;
  /** K's round time over K = 1's. */
  round_ratio: number;
}

export interface ShardGridResult {
  /** Cores of this machine, which the clients and every shard process share. */
  cores: number;
  rows: ShardRow[];
  ratios: ShardRatio[];
}

const STALL_SECONDS = 120;

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Every shard's counters at the window's two ends, and the window the clients saw. */
interface Measured {
  window: RoundWindow;
  begin: ShardCounters[];
  end: ShardCounters[];
}

async function measureShards(
  workers: number,
  params: number,
  encoding: EncodingName,
  K: number,
  pool: ClientPool,
  opts: GridOptions,
): Promise<{ measured: Measured; parts: number[]; sizes: number[] }> {
  const config = benchConfig(workers, params, encoding, opts.chunkBytes);
  const spec = specOf(config);
  const plan = planShards(
    spec.shared.map((t) => t.size),
    K,
  );
  const pushes = shardPieces(spec, plan, syntheticGradient(spec), encoding, opts.chunkBytes).map((pieces) => pushTemplates(taskName(0), pieces, opts.chunkBytes));
  const dist = config.distributed;
  const expect: Negotiated = { uplink: dist.uplink.encoding, downlink: dist.downlink.encoding, chunkBytes: dist.chunk_bytes };
  const processes = await startShardProcesses(config, K);
  const clock = new RoundClock();
  const offRound = pool.onRound(() => clock.tick());
  const scrapes: { begin?: Promise<ShardCounters[]> } = {};
  try {
    pool.startShards(processes.leadUrl, opts.mask, pushes, expect, plan.bounds);
    const onFailure = (cb: (err: Error) => void): (() => void) => {
      const offPool = pool.onFailure(cb);
      const offExit = processes.onExit(cb);
      return () => {
        offPool();
        offExit();
      };
    };
    const window = await clock.measure(opts.warmup, opts.seconds, opts.minRounds, STALL_SECONDS, onFailure, () => {
      scrapes.begin = scrapeShards(processes.metricsPorts);
      scrapes.begin.catch(() => undefined);
    });
    const end = await scrapeShards(processes.metricsPorts);
    const begin = await scrapes.begin!;
    await pool.stopSessions();
    return { measured: { window, begin, end }, parts: pushes.map((p) => p.frames[0].length), sizes: plan.bounds.slice(1).map((b, i) => b - plan.bounds[i]) };
  } finally {
    offRound();
    await processes.close();
  }
}

/** One (T, P) point: each encoding, each K. */
async function shardPoint(workers: number, params: number, opts: GridOptions, log: (line: string) => void): Promise<ShardRow[]> {
  const spec = specOf(benchConfig(workers, params));
  const fingerprint = modelFingerprint(spec);
  const pool = new ClientPool(Array.from({ length: workers }, (_, i) => ({ task: taskName(i), hello: helloFrame(taskName(i), fingerprint) })));
  const rows: ShardRow[] = [];
  try {
    for (const encoding of opts.encodings) {
      for (const K of opts.shards ?? [1]) {
        const { measured, parts, sizes } = await measureShards(workers, params, encoding, K, pool, opts);
        const { window, begin, end } = measured;
        const roundMs = window.ms / window.rounds;
        const shardRows = end.map((e, shard): ShardRow => {
          const s = begin[shard];
          const rounds = e.rounds - s.rounds;
          if (rounds <= 0) throw new Error(`bench: ${workers} x ${params} ${encoding}: shard ${shard} of ${K} closed no round in the measured window`);
          return {
            workers,
            params,
            shared_params: totalSize(spec.shared),
            encoding,
            topk_fraction: TOPK_FRACTION,
            mask: opts.mask,
            chunk_bytes: opts.chunkBytes,
            shards: K,
            shard,
            shard_params: sizes[shard],
            push_parts: parts[shard],
            rounds,
            round_ms: round3(roundMs),
            cpu_ms_per_round: round3(((e.cpuSeconds - s.cpuSeconds) * 1000) / rounds),
            bytes_per_round: Math.round((e.received - s.received + e.sent - s.sent) / rounds),
            up_bytes_per_round: Math.round((e.received - s.received) / rounds),
            down_bytes_per_round: Math.round((e.sent - s.sent) / rounds),
          };
        });
        const each = shardRows.map((r) => `shard ${r.shard}: ${r.cpu_ms_per_round.toFixed(1)} CPU ms/round, ${(r.bytes_per_round / 1e6).toFixed(3)} MB/round`);
        log(`bench:   ${encoding} K=${K}: ${roundMs.toFixed(1)} ms/round over ${window.rounds} rounds; ${each.join('; ')}`);
        rows.push(...shardRows);
      }
    }
  } finally {
    await pool.close();
  }
  return rows;
}

/** For each point and K > 1: the busiest shard's CPU per round over K = 1's (none without K = 1). */
export function shardRatios(rows: readonly ShardRow[]): ShardRatio[] {
  const out: ShardRatio[] = [];
  const same = (a: ShardRow, b: ShardRow): boolean => a.workers === b.workers && a.params === b.params && a.encoding === b.encoding;
  for (const one of rows.filter((r) => r.shards === 1)) {
    const ks = [...new Set(rows.filter((r) => same(r, one) && r.shards > 1).map((r) => r.shards))];
    for (const K of ks) {
      const busiest = rows.filter((r) => same(r, one) && r.shards === K).reduce((a, b) => (b.cpu_ms_per_round > a.cpu_ms_per_round ? b : a));
      out.push({
        workers: one.workers,
        params: one.params,
        encoding: one.encoding,
        shards: K,
        busiest_shard: busiest.shard,
        cpu_ratio: round3(busiest.cpu_ms_per_round / one.cpu_ms_per_round),
        round_ratio: round3(busiest.round_ms / one.round_ms),
      });
    }
  }
  return out;
}

export async function runShardGrid(opts: GridOptions, log: (line: string) => void): Promise<ShardGridResult> {
  const rows: ShardRow[] = [];
  for (const params of opts.params) {
    for (const workers of opts.workers) {
      log(`bench: ${workers} workers x ${params} params, K = ${(opts.shards ?? [1]).join(', ')}`);
      rows.push(...(await shardPoint(workers, params, opts, log)));
    }
  }
  return { cores: availableParallelism(), rows, ratios: shardRatios(rows) };
}

/** Megabytes with three significant digits or so. */
function mb(bytes: number): string {
  const x = bytes / 1e6;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function paramsText(params: number): string {
  return params >= 1e6 ? `${params / 1e6}M` : String(params);
}

export function formatShardTable(result: ShardGridResult): string {
  const header = ['workers', 'params', 'enc', 'K', 'shard', 'entries', 'parts', 'rounds', 'round ms', 'CPU ms/round', 'MB/round', 'up MB', 'down MB'];
  const lines = [header.join('\t')];
  for (const r of result.rows) {
    lines.push(
      [
        r.workers,
        paramsText(r.params),
        r.encoding === 'topk' ? `topk ${r.topk_fraction * 100}%` : r.encoding,
        r.shards,
        r.shard,
        r.shard_params,
        r.push_parts,
        r.rounds,
        r.round_ms.toFixed(1),
        r.cpu_ms_per_round.toFixed(1),
        mb(r.bytes_per_round),
        mb(r.up_bytes_per_round),
        mb(r.down_bytes_per_round),
      ].join('\t'),
    );
  }
  for (const q of result.ratios) {
    lines.push(
      `K = ${q.shards} vs K = 1 (${q.workers} workers, ${paramsText(q.params)}, ${q.encoding}): busiest shard (${q.busiest_shard}) CPU per round ${q.cpu_ratio.toFixed(2)}x K = 1's; round time ${q.round_ratio.toFixed(2)}x`,
    );
  }
  return lines.join('\n');
}

/** The table's first line: what was measured, how, and on how many cores. */
export function shardTableHeading(opts: GridOptions, cores = availableParallelism()): string {
  return (
    `sync rounds over K = ${opts.shards?.join(', ') ?? '1'} coordinator processes (docs/shards.md; K = 1: one coordinator process, no --shard) on 127.0.0.1; ` +
    `T synthetic clients (worker threads of this process) join through the lead and push each shard its slices; uplink = downlink = enc; ` +
    `chunk ${opts.chunkBytes} bytes, ${opts.mask} masks, ${opts.seconds} s measured after ${opts.warmup} s warm-up. ` +
    `CPU ms/round: each shard process's own process_cpu_seconds_total (user + system) per round it closed, from its /metrics at both ends of the window; MB = 1e6 bytes of its WebSocket payloads both ways. ` +
    `On this ${cores}-core machine the synthetic clients and all K shard processes share the cores: the round time includes their competition for CPU.`
  );
}
