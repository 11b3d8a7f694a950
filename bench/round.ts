// Sync rounds per second and bytes per second of the real Coordinator behind its WebSocket server, with
// synthetic gradients (no training, no tfjs), for T workers x P shared parameters; and, in the same run,
// raw loopback TCP moving the same bytes in the same pattern (T uploads, then T downloads), as the
// yardstick. Clients run in worker_threads (bench/round-clients.ts), off the coordinator's event loop,
// but on the same cores: on a 2-core machine they compete with it for CPU, as they do with the TCP server.
// Numbers, never pass/fail.
//
//   npm run bench:round                        table on stdout
//   npm run bench:round -- --json              {"tcp_bytes_per_second", "rows": [{"workers", "params", ...}]}
//   options: --workers 1,3,8  --params 1M,4M (25M: add it; minutes)  --seconds N (measured per phase, default 3)
//            --warmup N (seconds, default 1)  --min-rounds N (default 3)  --mask random|zero
//   --mask zero: clients send an all-zero masking key, so ws neither masks nor unmasks (what that costs).
import { runConfigSchema, type RunConfig } from '../config/schema.js';
import { CoordinatorMetrics } from '../coordinator/metrics.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { startServer } from '../coordinator/server.js';
import { taskInputShape } from '../data/shapes.js';
import { buildModelSpec, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import { encode, f32Tensor, PROTOCOL_VERSION } from '../proto/codec.js';
import { ClientPool, type ClientReport, type MaskMode, type PushTemplates } from './round-clients.js';
import { startTcpRounds } from './tcp.js';

export interface RoundBenchOptions {
  json: boolean;
  workers: number[];
  /** Nominal shared-parameter counts; the model's actual count is the nearest an MLP reaches. */
  params: number[];
  /** Measured seconds per phase (ws, then tcp), after the warm-up. */
  seconds: number;
  warmup: number;
  /** Rounds at least in a measurement, however long they take. */
  minRounds: number;
  mask: MaskMode;
}

export const DEFAULT_OPTIONS: RoundBenchOptions = {
  json: false,
  workers: [1, 3, 8],
  // 25M (1.6 GB a round at 8 workers) takes minutes on 2 cores: ask for it with --params 25M.
  params: [1_000_000, 4_000_000],
  seconds: 3,
  warmup: 1,
  minRounds: 3,
  mask: 'random',
};

/** One line of the result, as `--json` prints it. */
export interface RoundRow {
  workers: number;
  /** The nominal size asked for (1M, 4M, ...). */
  params: number;
  /** The model's actual shared-parameter count. */
  shared_params: number;
  encoding: 'f32';
  mask: MaskMode;
  /** Up (T pushes) plus down (T updates), WebSocket payload bytes. */
  bytes_per_round: number;
  round_ms: number;
  rounds_per_second: number;
  bytes_per_second: number;
  /** Raw loopback TCP moving the same bytes in the same pattern. */
  tcp_round_ms: number;
  tcp_bytes_per_second: number;
  tcp_ratio: number;
}

export interface RoundBenchResult {
  /** The best raw-TCP rate of any row's pattern: what loopback moves on this machine. */
  tcp_bytes_per_second: number;
  rows: RoundRow[];
}

function positiveNumbers(flag: string, value: string | undefined, parse: (s: string) => number): number[] {
  if (value === undefined) throw new Error(`bench:round: ${flag} needs a value`);
  const items = value.split(',').filter((s) => s !== '');
  const out = items.map(parse);
  out.forEach((n, i) => {
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bench:round: ${flag} takes positive numbers; got '${items[i]}'`);
  });
  if (out.length === 0) throw new Error(`bench:round: ${flag} needs at least one value`);
  return out;
}

/** "4M", "250k", "1000000" -> a count. */
export function parseCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) return NaN;
  const scale = m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  return Math.round(Number(m[1]) * scale);
}

export function parseArgs(argv: readonly string[]): RoundBenchOptions {
  const opts: RoundBenchOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    if (flag === '--json') opts.json = true;
    else if (flag === '--workers') {
      opts.workers = positiveNumbers(flag, value(), Number).map(Math.floor);
      if (opts.workers.some((w) => w > 100)) throw new Error('bench:round: --workers takes at most 100');
    }
    else if (flag === '--params') opts.params = positiveNumbers(flag, value(), parseCount);
    else if (flag === '--seconds') opts.seconds = positiveNumbers(flag, value(), Number)[0];
    else if (flag === '--warmup') opts.warmup = positiveNumbers(flag, value(), Number)[0];
    else if (flag === '--min-rounds') opts.minRounds = Math.floor(positiveNumbers(flag, value(), Number)[0]);
    else if (flag === '--mask') {
      const m = value();
      if (m !== 'random' && m !== 'zero') throw new Error(`bench:round: --mask takes random or zero; got '${m}'`);
      opts.mask = m;
    } else throw new Error(`bench:round: unknown option '${flag}' (options: --json --workers --params --seconds --warmup --min-rounds --mask)`);
  }
  return opts;
}

/** A run config whose MLP backbone (input = hidden = h, two hidden layers) has about `params` shared
 *  parameters: 2h^2 + 2h. The input size comes from the synthetic data set's `features`. */
export function benchConfig(workers: number, params: number): RunConfig {
  const h = Math.max(1, Math.round((-2 + Math.sqrt(4 + 8 * params)) / 4));
  return runConfigSchema.parse({
    seed: 0,
    model: { arch: 'mlp', hidden: [h, h] },
    tasks: Array.from({ length: workers }, (_, i) => ({ name: taskName(i), dataset: { source: 'synthetic', features: h, train: 64, test: 64 } })),
    // Never finishes within a benchmark; no deadline closes a round early; no worker lapses.
    train: { steps: 1_000_000_000, optimizer: { type: 'adam', lr: 1e-3 } },
    distributed: { mode: 'sync', round_timeout_seconds: 3600, heartbeat_seconds: 3600, checkpoint_every: 1_000_000_000 },
  });
}

/** task00, task01, ...: names of one length, so one push template serves every client. */
export function taskName(i: number): string {
  if (i < 0 || i > 99) throw new Error(`bench:round: at most 100 workers (asked for worker ${i})`);
  return `task${String(i).padStart(2, '0')}`;
}

export function specOf(config: RunConfig): ModelSpec {
  return buildModelSpec(config.model, taskInputShape(config.tasks[0]));
}

/** Small seeded random gradients, finite by construction. */
export function syntheticGradient(spec: ModelSpec, seed = 1): Float32Array[] {
  let s = seed >>> 0 || 1;
  return spec.shared.map((t) => {
    const v = new Float32Array(t.size);
    for (let i = 0; i < v.length; i++) {
      // xorshift32: cheap and seeded.
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      v[i] = ((s >>> 0) / 4294967296 - 0.5) * 1e-3;
    }
    return v;
  });
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  let b: number;
  do {
    b = buf[pos++];
    v += (b & 127) * mul;
    mul *= 128;
  } while (b & 128);
  return [v, pos];
}

/**
 * Push frames as proto/codec encodes them, for base versions of 1, 2 and 3 varint bytes, with where
 * their task name and version lie (Envelope { push = GradientPush { task (1), base_version (2), ... } }).
 */
export function pushTemplates(spec: ModelSpec, task: string, gradient: readonly Float32Array[]): PushTemplates {
  const out: PushTemplates = { frames: [], versionAt: [], taskAt: [] };
  for (const sentinel of [1, 128, 16384]) {
    const frame = encode('push', { task, baseVersion: sentinel, gradient: spec.shared.map((t, i) => f32Tensor(t.name, t.shape, gradient[i])), loss: 0.5, samples: 64 });
    let pos = readVarint(frame, 1)[1];
    const layout = `bench:round: the push frame's layout is not Envelope { push { task, base_version, ... } }`;
    if (frame[0] !== 0x1a || frame[pos] !== 0x0a) throw new Error(layout);
    const [nameLength, taskAt] = readVarint(frame, pos + 1);
    pos = taskAt + nameLength;
    if (nameLength !== Buffer.byteLength(task) || frame[pos] !== 0x10 || readVarint(frame, pos + 1)[0] !== sentinel) throw new Error(layout);
    const shared = new SharedArrayBuffer(frame.byteLength);
    new Uint8Array(shared).set(frame);
    out.frames.push(shared);
    out.versionAt.push(pos + 1);
    out.taskAt.push(taskAt);
  }
  return out;
}

/** Round completion times, and a measurement window over them. */
class RoundClock {
  private readonly times: number[] = [];
  private notify: (() => void) | null = null;

  tick(): void {
    this.times.push(performance.now());
    this.notify?.();
  }

  /** After `warmupS` seconds and the first round (which includes the joins and welcomes), counts
   *  rounds until `seconds` have passed and `minRounds` are in. Rejects when no round completes for `stallS` seconds or `failure` fires. */
  measure(warmupS: number, seconds: number, minRounds: number, stallS: number, onFailure: (cb: (err: Error) => void) => () => void): Promise<{ rounds: number; ms: number }> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      let i0 = -1;
      let last = start;
      const finish = (err: Error | null, value?: { rounds: number; ms: number }): void => {
        clearInterval(stall);
        unsubscribe();
        this.notify = null;
        if (err) reject(err);
        else resolve(value!);
      };
      const stall = setInterval(() => {
        if (performance.now() - last > stallS * 1000) finish(new Error(`bench:round: no round completed for ${stallS} s (${this.times.length} rounds so far)`));
      }, 200);
      const unsubscribe = onFailure((err) => finish(err));
      this.notify = () => {
        const n = this.times.length;
        const t = this.times[n - 1];
        last = t;
        if (i0 < 0) {
          if (t - start >= warmupS * 1000) i0 = n - 1;
          return;
        }
        if (n - 1 - i0 >= minRounds && t - this.times[i0] >= seconds * 1000) finish(null, { rounds: n - 1 - i0, ms: t - this.times[i0] });
      };
    });
  }
}

function helloFrame(task: string, fingerprint: string): Uint8Array {
  return encode('hello', { protocolVersion: PROTOCOL_VERSION, task, modelFingerprint: fingerprint, workerId: `bench-${task}` });
}

const STALL_SECONDS = 120;

async function measureWs(config: RunConfig, pool: ClientPool, opts: RoundBenchOptions): Promise<{ rounds: number; ms: number; reports: ClientReport[] }> {
  const log = (): void => undefined;
  const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
  const coordinator = new Coordinator(config, { log, metrics });
  const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log, metrics });
  const clock = new RoundClock();
  coordinator.on('round', () => clock.tick());
  try {
    pool.startWs(`ws://127.0.0.1:${server.port}`, opts.mask);
    const { rounds, ms } = await clock.measure(opts.warmup, opts.seconds, opts.minRounds, STALL_SECONDS, (cb) => pool.onFailure(cb));
    return { rounds, ms, reports: await pool.stopSessions() };
  } finally {
    coordinator.stop(false);
    await server.close();
  }
}

async function measureTcp(workers: number, up: number, down: number, pool: ClientPool, opts: RoundBenchOptions): Promise<{ rounds: number; ms: number }> {
  const clock = new RoundClock();
  const tcp = await startTcpRounds(workers, up, down, () => clock.tick());
  try {
    pool.startTcp(tcp.port, up, down);
    const measured = await clock.measure(opts.warmup, opts.seconds, opts.minRounds, STALL_SECONDS, (cb) => pool.onFailure(cb));
    await pool.stopSessions();
    return measured;
  } finally {
    await tcp.close();
  }
}

/** One grid point: the coordinator over ws, then raw TCP with the byte counts the ws clients saw. */
export async function benchRound(workers: number, params: number, opts: RoundBenchOptions): Promise<RoundRow> {
  const config = benchConfig(workers, params);
  const spec = specOf(config);
  const fingerprint = modelFingerprint(spec);
  const push = pushTemplates(spec, taskName(0), syntheticGradient(spec));
  const pool = new ClientPool(config.tasks.map((t) => ({ task: t.name, hello: helloFrame(t.name, fingerprint), push })));
  try {
    const ws = await measureWs(config, pool, opts);
    const up = Math.max(...ws.reports.map((r) => r.upBytes));
    const down = Math.max(...ws.reports.map((r) => r.downBytes));
    if (up === 0 || down === 0) throw new Error(`bench:round: ${workers} x ${params}: the clients saw no push or no update`);
    const bytesPerRound = workers * (up + down);
    const tcp = await measureTcp(workers, up, down, pool, opts);
    const roundMs = ws.ms / ws.rounds;
    const tcpRoundMs = tcp.ms / tcp.rounds;
    const bytesPerSecond = (bytesPerRound * 1000) / roundMs;
    const tcpBytesPerSecond = (bytesPerRound * 1000) / tcpRoundMs;
    return {
      workers,
      params,
      shared_params: totalSize(spec.shared),
      encoding: 'f32',
      mask: opts.mask,
      bytes_per_round: bytesPerRound,
      round_ms: round3(roundMs),
      rounds_per_second: round3(1000 / roundMs),
      bytes_per_second: Math.round(bytesPerSecond),
      tcp_round_ms: round3(tcpRoundMs),
      tcp_bytes_per_second: Math.round(tcpBytesPerSecond),
      tcp_ratio: round3(bytesPerSecond / tcpBytesPerSecond),
    };
  } finally {
    await pool.close();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export async function benchRounds(opts: RoundBenchOptions, log: (line: string) => void): Promise<RoundBenchResult> {
  const rows: RoundRow[] = [];
  for (const params of opts.params) {
    for (const workers of opts.workers) {
      log(`bench:round: ${workers} workers x ${params} params`);
      const row = await benchRound(workers, params, opts);
      log(`bench:round:   ${row.round_ms} ms/round, ${(row.bytes_per_second / 1e6).toFixed(1)} MB/s, ${(row.tcp_ratio * 100).toFixed(0)}% of TCP`);
      rows.push(row);
    }
  }
  return { tcp_bytes_per_second: Math.max(...rows.map((r) => r.tcp_bytes_per_second)), rows };
}

export function formatTable(result: RoundBenchResult): string {
  const header = ['workers', 'params', 'shared', 'MB/round', 'round ms', 'rounds/s', 'MB/s', 'tcp ms', 'tcp MB/s', 'of tcp'];
  const lines = [header.join('\t')];
  for (const r of result.rows) {
    lines.push(
      [
        r.workers,
        r.params >= 1e6 ? `${r.params / 1e6}M` : r.params,
        r.shared_params,
        (r.bytes_per_round / 1e6).toFixed(1),
        r.round_ms.toFixed(1),
        r.rounds_per_second.toFixed(2),
        (r.bytes_per_second / 1e6).toFixed(0),
        r.tcp_round_ms.toFixed(1),
        (r.tcp_bytes_per_second / 1e6).toFixed(0),
        `${(r.tcp_ratio * 100).toFixed(0)}%`,
      ].join('\t'),
    );
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const result = await benchRounds(opts, log);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`sync rounds, Coordinator over ws on 127.0.0.1 vs raw TCP with the same bytes; f32, ${opts.mask} masks, ${opts.seconds} s measured after ${opts.warmup} s warm-up\n`);
    process.stdout.write(`${formatTable(result)}\n`);
  }
}

// vite-node takes the script's path out of process.argv, so "am I the entry point" cannot be asked of
// argv; the tests import this module for its parts, under vitest, which sets VITEST.
if (process.env.VITEST === undefined) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
