// The grid of bench:comm (and of bench:round, its F32-only alias): for each number of workers T, shared
// size P and value encoding, sync rounds of the real Coordinator behind its WebSocket server with T
// synthetic clients (bench/round-clients.ts) pushing gradients as a real worker sends them; and, once per
// (T, P), raw loopback TCP moving that point's F32 bytes in the same pattern (T uploads, then T
// downloads), as the yardstick. Clients run in worker_threads, off the coordinator's event loop but on
// the same cores: on 2 cores they compete with it for CPU, as they do with the TCP server.
// Numbers, never pass/fail.
import { InvalidArgumentError } from 'commander';
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../coordinator/metrics.js';
import { startServer } from '../coordinator/server.js';
import { taskInputShape } from '../data/shapes.js';
import { buildModelSpec, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import { DEFAULT_CHUNK_BYTES } from '../config/schema.js';
import type { EncodingName } from '../compression/encodings/index.js';
import { benchCommand, namesOf, parseOver } from './args.js';
import { encodedPieces, ENCODINGS, helloFrame, messageBytes, pushTemplates, syntheticGradient, TOPK_FRACTION } from './push-frames.js';
import { ClientPool, type MaskMode, type Negotiated, type PushTemplates } from './round-clients.js';
import { RoundClock, type RoundWindow, type Traffic } from './round-clock.js';
import { startTcpRounds } from './tcp.js';
import { startWsRounds } from './ws-rounds.js';

export interface GridOptions {
  json: boolean;
  workers: number[];
  /** Nominal shared-parameter counts; the model's actual count is the nearest an MLP reaches. */
  params: number[];
  encodings: EncodingName[];
  /** Measured seconds per point (each encoding over ws, then tcp), after the warm-up. */
  seconds: number;
  warmup: number;
  /** Rounds at least in a measurement, however long they take. */
  minRounds: number;
  mask: MaskMode;
  /** distributed.chunk_bytes: the largest tensor payload of a frame. */
  chunkBytes: number;
  /** With --shards: W over each of these numbers K of coordinator processes (bench/shard-grid.ts)
   *  instead of the in-process grid. */
  shards?: number[];
}

/** One line of the result, as `--json` prints it. */
export interface GridRow {
  workers: number;
  /** The nominal size asked for (1M, 4M, ...). */
  params: number;
  /** The model's actual shared-parameter count. */
  shared_params: number;
  /** Uplink and downlink alike (TOPK keeps `topk_fraction` of each piece). */
  encoding: EncodingName;
  topk_fraction: number;
  /** Lossy downlinks send deltas; a full W only every dense_every versions, never within a measurement. */
  dense_every: number;
  mask: MaskMode;
  chunk_bytes: number;
  /** Frames a push takes. */
  push_parts: number;
  /** Rounds measured. */
  rounds: number;
  /** WebSocket payload bytes both ways (T pushes in, T updates out), averaged over the measured rounds,
   *  as the coordinator counts them. */
  bytes_per_round: number;
  up_bytes_per_round: number;
  down_bytes_per_round: number;
  round_ms: number;
  rounds_per_second: number;
  bytes_per_second: number;
  /** Raw loopback TCP moving this point's F32 bytes (per round) in the same pattern. */
  tcp_round_ms: number;
  tcp_bytes_per_second: number;
  /** bytes_per_second / tcp_bytes_per_second. */
  tcp_ratio: number;
  /** Plain ws messages of this point's F32 frame sizes in the same pattern, no protocol or arithmetic
   *  (bench/ws-rounds.ts): what the WebSocket layer alone reaches, as a fraction of TCP. */
  ws_round_ms: number;
  ws_bytes_per_second: number;
  ws_tcp_ratio: number;
}

export interface GridResult {
  /** The best raw-TCP rate measured in the run: what loopback moves on this machine. */
  tcp_bytes_per_second: number;
  rows: GridRow[];
}

/** Lossy downlinks: a full W this rarely, i.e. never within a benchmark (steady-state bytes only). */
export const BENCH_DENSE_EVERY = 1_000_000;

/** "a,b,...": a non-empty list of positive numbers, each read by `read`. */
function positiveNumbers(read: (s: string) => number): (value: string) => number[] {
  return (value) => {
    const items = value.split(',').filter((s) => s !== '');
    const out = items.map((item) => {
      const n = read(item);
      if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`takes positive numbers; got '${item}'`);
      return n;
    });
    if (out.length === 0) throw new InvalidArgumentError('needs at least one value');
    return out;
  };
}

/** One positive number, read by `read`, at least `min`. */
function positiveNumber(read: (s: string) => number, min = 0): (value: string) => number {
  const list = positiveNumbers(read);
  return (value) => {
    const [n, ...more] = list(value);
    if (more.length > 0) throw new InvalidArgumentError(`takes one number; got '${value}'`);
    if (n < min) throw new InvalidArgumentError(`takes at least ${min}`);
    return n;
  };
}

/** "4M", "250k", "4MiB", "1000000" -> a count (k/M decimal, KiB/MiB binary). */
export function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|K|m|M|KiB|MiB)?$/.exec(s.trim());
  if (!m) return NaN;
  const scales: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, KiB: 1024, MiB: 1024 * 1024 };
  const scale = scales[m[2] ?? ''];
  return Math.round(Number(m[1]) * scale);
}

/** Counts as --params reads them, for the help text: 1M, 250k, 4MiB, else the number. */
function countText(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MiB`;
  if (n % 1e6 === 0) return `${n / 1e6}M`;
  if (n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/**
 * Command-line options over `defaults`: --json --workers --params --seconds --warmup --min-rounds --mask
 * --chunk-bytes --shards, and --encodings where `encodings` allows it. `bench` names the benchmark in errors and
 * in the usage --help prints.
 */
export function parseGridArgs(argv: readonly string[], bench: string, defaults: GridOptions, encodings: boolean): GridOptions {
  const d = defaults;
  const program = benchCommand(bench, 'Sync rounds of the Coordinator over ws against raw loopback TCP, per workers x shared size x encoding.')
    .option('--json', 'one JSON object {"tcp_bytes_per_second", "rows": [...]} on stdout instead of the table')
    .option('--workers <list>', `numbers of workers T, at most 100 (default: ${d.workers.join(',')})`, (value: string) => {
      const workers = positiveNumbers(Number)(value).map(Math.floor);
      if (workers.some((w) => w > 100)) throw new InvalidArgumentError('takes at most 100');
      return workers;
    })
    .option('--params <list>', `shared-parameter counts such as 250k, 4M (default: ${d.params.map(countText).join(',')})`, positiveNumbers(parseCount));
  if (encodings) {
    program.option('--encodings <list>', `value encodings, uplink = downlink, of ${ENCODINGS.join(',')} (default: ${d.encodings.join(',')})`, namesOf(ENCODINGS));
  }
  program
    .option('--seconds <n>', `measured seconds per point and encoding (default: ${d.seconds})`, positiveNumber(Number))
    .option('--warmup <n>', `warm-up seconds before each measurement (default: ${d.warmup})`, positiveNumber(Number))
    .option('--min-rounds <n>', `rounds at least in a measurement (default: ${d.minRounds})`, (value: string) => Math.floor(positiveNumber(Number, 1)(value)))
    .option('--mask <mode>', `the clients' ws masking keys, random or zero (default: ${d.mask})`, (value: string): MaskMode => {
      if (value !== 'random' && value !== 'zero') throw new InvalidArgumentError(`takes random or zero; got '${value}'`);
      return value;
    })
    .option('--chunk-bytes <n>', `distributed.chunk_bytes, at least 1024, e.g. 16KiB (default: ${countText(d.chunkBytes)})`, positiveNumber(parseCount, 1024))
    .option('--shards <list>', 'W over K coordinator processes for each K, e.g. 1,2: CPU per round per shard (docs/shards.md) instead of the in-process grid', (value: string) => {
      const shards = positiveNumbers(Number)(value);
      if (shards.some((k) => !Number.isInteger(k) || k > 64)) throw new InvalidArgumentError(`takes whole numbers from 1 to 64; got '${value}'`);
      return shards;
    });
  return parseOver(program, argv, defaults);
}

/** A run config whose MLP backbone (input = hidden = h, two hidden layers) has about `params` shared
 *  parameters (2h^2 + 2h), sending `encoding` both ways. The input size is the synthetic data's `features`. */
export function benchConfig(workers: number, params: number, encoding: EncodingName = 'f32', chunkBytes = DEFAULT_CHUNK_BYTES): RunConfig {
  const h = Math.max(1, Math.round((-2 + Math.sqrt(4 + 8 * params)) / 4));
  return runConfigSchema.parse({
    seed: 0,
    model: { arch: 'mlp', hidden: [h, h] },
    tasks: Array.from({ length: workers }, (_, i) => ({ name: taskName(i), dataset: { source: 'synthetic', features: h, train: 64, test: 64 } })),
    // Never finishes within a benchmark; no deadline closes a round early; no worker lapses.
    train: { steps: 1_000_000_000, optimizer: { type: 'adam', lr: 1e-3 } },
    distributed: {
      mode: 'sync',
      round_timeout_seconds: 3600,
      heartbeat_seconds: 3600,
      checkpoint_every: 1_000_000_000,
      uplink: { encoding, topk_fraction: TOPK_FRACTION, topk_values: 'f32' },
      downlink: { encoding, topk_fraction: TOPK_FRACTION, topk_values: 'f32', dense_every: BENCH_DENSE_EVERY },
      chunk_bytes: chunkBytes,
    },
  });
}

/** task00, task01, ...: names of one length, so one push template serves every client. */
export function taskName(i: number): string {
  if (i < 0 || i > 99) throw new Error(`bench: at most 100 workers (asked for worker ${i})`);
  return `task${String(i).padStart(2, '0')}`;
}

export function specOf(config: RunConfig): ModelSpec {
  return buildModelSpec(config.model, taskInputShape(config.tasks[0]));
}

const STALL_SECONDS = 120;

/** Every payload byte the coordinator has received and sent, by its own count (a synchronous read, so
 *  a round's tick sees exactly the frames before it; prom-client's counters are read asynchronously). */
export function coordinatorTraffic(coordinator: Coordinator): Traffic {
  const { bytes_received, bytes_sent } = coordinator.communication();
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  return { received: sum(bytes_received), sent: sum(bytes_sent) };
}

async function measureWs(config: RunConfig, pool: ClientPool, push: PushTemplates, opts: GridOptions): Promise<RoundWindow> {
  const log = (): void => undefined;
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const coordinator = new Coordinator(config, { log, metrics });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log, metrics });
  const clock = new RoundClock(() => coordinatorTraffic(coordinator));
  coordinator.on('round', () => clock.tick());
  const dist = config.distributed;
  const expect: Negotiated = { uplink: dist.uplink.encoding, downlink: dist.downlink.encoding, chunkBytes: dist.chunk_bytes };
  try {
    pool.startWs(`ws://127.0.0.1:${server.port}`, opts.mask, push, expect);
    const window = await clock.measure(opts.warmup, opts.seconds, opts.minRounds, STALL_SECONDS, (cb) => pool.onFailure(cb));
    await pool.stopSessions();
    return window;
  } finally {
    coordinator.stop(false);
    await server.close();
  }
}

/** Rounds of a yardstick server (raw TCP, plain ws), which `connect` points the clients at. */
async function measureYardstick(
  start: (onRound: () => void) => Promise<{ port: number; close(): Promise<void> }>,
  connect: (port: number) => void,
  pool: ClientPool,
  opts: GridOptions,
): Promise<RoundWindow> {
  const clock = new RoundClock();
  const server = await start(() => clock.tick());
  try {
    connect(server.port);
    const measured = await clock.measure(opts.warmup, opts.seconds, opts.minRounds, STALL_SECONDS, (cb) => pool.onFailure(cb));
    await pool.stopSessions();
    return measured;
  } finally {
    await server.close();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One (T, P) point: each encoding over ws, then raw TCP with the point's F32 bytes. */
export async function benchPoint(workers: number, params: number, opts: GridOptions, log: (line: string) => void): Promise<GridRow[]> {
  const spec = specOf(benchConfig(workers, params));
  const sharedParams = totalSize(spec.shared);
  const fingerprint = modelFingerprint(spec);
  const gradient = syntheticGradient(spec);
  const pool = new ClientPool(Array.from({ length: workers }, (_, i) => ({ task: taskName(i), hello: helloFrame(taskName(i), fingerprint) })));
  try {
    const measured: { encoding: EncodingName; parts: number; window: RoundWindow }[] = [];
    for (const encoding of opts.encodings) {
      const push = pushTemplates(taskName(0), encodedPieces(spec, gradient, encoding, opts.chunkBytes), opts.chunkBytes);
      const ws = await measureWs(benchConfig(workers, params, encoding, opts.chunkBytes), pool, push, opts);
      if (ws.received === 0 || ws.sent === 0) throw new Error(`bench: ${workers} x ${params} ${encoding}: the coordinator counted no push or no update`);
      measured.push({ encoding, parts: push.frames[0].length, window: ws });
      log(`bench:   ${encoding}: ${(ws.ms / ws.rounds).toFixed(1)} ms/round, ${((ws.received + ws.sent) / ws.rounds / 1e6).toFixed(3)} MB/round`);
    }
    const f32 = messageBytes(taskName(0), encodedPieces(spec, gradient, 'f32', opts.chunkBytes), opts.chunkBytes);
    const tcp = await measureYardstick(
      (onRound) => startTcpRounds(workers, f32.push, f32.update, onRound),
      (port) => pool.startTcp(port, f32.push, f32.update),
      pool,
      opts,
    );
    const tcpRoundMs = tcp.ms / tcp.rounds;
    const tcpBytesPerSecond = (workers * (f32.push + f32.update) * 1000) / tcpRoundMs;
    log(`bench:   tcp (f32 bytes): ${tcpRoundMs.toFixed(1)} ms/round, ${(tcpBytesPerSecond / 1e6).toFixed(0)} MB/s`);
    const ws = await measureYardstick(
      (onRound) => startWsRounds(workers, f32.pushParts, f32.updateParts, onRound),
      (port) => pool.startWsRaw(`ws://127.0.0.1:${port}`, opts.mask, f32.pushParts, f32.updateParts),
      pool,
      opts,
    );
    const wsRoundMs = ws.ms / ws.rounds;
    const wsBytesPerSecond = (workers * (f32.push + f32.update) * 1000) / wsRoundMs;
    log(`bench:   plain ws (f32 frames): ${wsRoundMs.toFixed(1)} ms/round, ${(wsBytesPerSecond / 1e6).toFixed(0)} MB/s`);
    return measured.map(({ encoding, parts, window }) => {
      const roundMs = window.ms / window.rounds;
      const bytesPerRound = (window.received + window.sent) / window.rounds;
      const bytesPerSecond = (bytesPerRound * 1000) / roundMs;
      return {
        workers,
        params,
        shared_params: sharedParams,
        encoding,
        topk_fraction: TOPK_FRACTION,
        dense_every: BENCH_DENSE_EVERY,
        mask: opts.mask,
        chunk_bytes: opts.chunkBytes,
        push_parts: parts,
        rounds: window.rounds,
        bytes_per_round: Math.round(bytesPerRound),
        up_bytes_per_round: Math.round(window.received / window.rounds),
        down_bytes_per_round: Math.round(window.sent / window.rounds),
        round_ms: round3(roundMs),
        rounds_per_second: round3(1000 / roundMs),
        bytes_per_second: Math.round(bytesPerSecond),
        tcp_round_ms: round3(tcpRoundMs),
        tcp_bytes_per_second: Math.round(tcpBytesPerSecond),
        tcp_ratio: round3(bytesPerSecond / tcpBytesPerSecond),
        ws_round_ms: round3(wsRoundMs),
        ws_bytes_per_second: Math.round(wsBytesPerSecond),
        ws_tcp_ratio: round3(wsBytesPerSecond / tcpBytesPerSecond),
      };
    });
  } finally {
    await pool.close();
  }
}

export async function runGrid(opts: GridOptions, log: (line: string) => void): Promise<GridResult> {
  const rows: GridRow[] = [];
  for (const params of opts.params) {
    for (const workers of opts.workers) {
      log(`bench: ${workers} workers x ${params} params`);
      rows.push(...(await benchPoint(workers, params, opts, log)));
    }
  }
  return { tcp_bytes_per_second: Math.max(...rows.map((r) => r.tcp_bytes_per_second)), rows };
}

/** Megabytes with three significant digits or so. */
function mb(bytes: number): string {
  const x = bytes / 1e6;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

export function formatTable(result: GridResult): string {
  const header = ['workers', 'params', 'shared', 'enc', 'parts', 'MB/round', 'up MB', 'down MB', 'f32/enc', 'round ms', 'rounds/s', 'MB/s', 'tcp ms', 'tcp MB/s', 'of tcp', 'ws ms', 'ws of tcp'];
  const lines = [header.join('\t')];
  for (const r of result.rows) {
    const f32 = result.rows.find((o) => o.workers === r.workers && o.params === r.params && o.encoding === 'f32');
    lines.push(
      [
        r.workers,
        r.params >= 1e6 ? `${r.params / 1e6}M` : r.params,
        r.shared_params,
        r.encoding === 'topk' ? `topk ${r.topk_fraction * 100}%` : r.encoding,
        r.push_parts,
        mb(r.bytes_per_round),
        mb(r.up_bytes_per_round),
        mb(r.down_bytes_per_round),
        f32 ? (f32.bytes_per_round / r.bytes_per_round).toFixed(1) : '-',
        r.round_ms.toFixed(1),
        r.rounds_per_second.toFixed(2),
        mb(r.bytes_per_second),
        r.tcp_round_ms.toFixed(1),
        (r.tcp_bytes_per_second / 1e6).toFixed(0),
        `${(r.tcp_ratio * 100).toFixed(r.tcp_ratio < 0.1 ? 1 : 0)}%`,
        r.ws_round_ms.toFixed(1),
        `${(r.ws_tcp_ratio * 100).toFixed(0)}%`,
      ].join('\t'),
    );
  }
  return lines.join('\n');
}

/** The table's first line: what was measured, how. */
export function tableHeading(opts: GridOptions): string {
  const lossy = opts.encodings.some((e) => e !== 'f32')
    ? ` (topk keeps ${TOPK_FRACTION * 100}% of each piece; lossy downlinks send deltas, dense_every ${BENCH_DENSE_EVERY}: steady-state bytes, no full-W rounds)`
    : '';
  return (
    `sync rounds, Coordinator over ws on 127.0.0.1 vs raw TCP moving the F32 bytes and plain ws messages of the F32 frames (no protocol, no arithmetic); uplink = downlink = enc${lossy}; ` +
    `chunk ${opts.chunkBytes} bytes, ${opts.mask} masks, ${opts.seconds} s measured after ${opts.warmup} s warm-up; MB = 1e6 bytes, WebSocket payloads both ways`
  );
}
