// The run of bench:scale (bench/scale.ts): one long stretch of sync rounds of the real Coordinator behind
// its WebSocket server, in this process, with T synthetic clients in worker_threads (bench/round-clients.ts,
// as bench:comm's grid runs them), sampled every N rounds: round times, bytes, CPU and memory; then raw
// loopback TCP moving the same bytes per round in the same pattern (bench/tcp.ts), as the yardstick.
//
// What the CPU and memory numbers include: the clients run in this process, so process.cpuUsage() and
// the RSS count them too. The coordinator's own share is the main thread's: its CPU time and its wait
// for a CPU from /proc/thread-self/schedstat (Linux; null elsewhere), its event-loop utilisation, and its
// isolate's heap, external and ArrayBuffer bytes (process.memoryUsage() reports those per isolate). V8's
// GC helper threads serve every isolate and count in the process CPU only.
import { readFileSync } from 'node:fs';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { EncodingName } from '../compression/encodings/index.js';
import { Coordinator } from '../coordinator/coordinator.js';
import { CoordinatorMetrics } from '../coordinator/metrics.js';
import { startServer } from '../coordinator/server.js';
import { modelFingerprint, totalSize } from '../model/spec.js';
import { benchConfig, coordinatorTraffic, specOf, taskName } from './comm-grid.js';
import { median } from './median.js';
import { encodedPieces, helloFrame, messageBytes, pushTemplates, syntheticGradient } from './push-frames.js';
import { ClientPool, type MaskMode } from './round-clients.js';
import { RoundClock, type Traffic } from './round-clock.js';
import { startTcpRounds } from './tcp.js';

export interface ScaleOptions {
  json: boolean;
  workers: number;
  /** Always `workers`: one worker per task (the synthetic clients do not speak as replicas). */
  tasks: number;
  /** Nominal shared-parameter count; the model's actual count is the nearest an MLP reaches. */
  params: number;
  rounds: number;
  /** Uplink and downlink alike. */
  encoding: EncodingName;
  /** Rounds per sample window. */
  sampleEvery: number;
  /** The round whose RSS the last round's is compared with (a multiple of sampleEvery). */
  rssBase: number;
  /** Raw-TCP rounds measured after the ws rounds (after one more that connects). */
  tcpRounds: number;
  mask: MaskMode;
  chunkBytes: number;
}

/** One sample window, rounds (from_round, to_round]. */
export interface ScaleRow {
  from_round: number;
  to_round: number;
  /** Over the window's rounds, leaving out round 1 (joins, welcomes, the full W); null if none is left. */
  round_ms_median: number | null;
  round_ms_p90: number | null;
  /** WebSocket payloads, as the coordinator counts them (the first window includes the hellos and welcomes). */
  bytes_per_round: number;
  up_bytes_per_round: number;
  down_bytes_per_round: number;
  /** process.cpuUsage(), user + system: the coordinator, the client threads, GC helpers, everything. */
  process_cpu_s_per_round: number;
  /** The main thread (the coordinator and its ws server) on a CPU, and waiting for one; null off Linux. */
  main_cpu_s_per_round: number | null;
  main_wait_s_per_round: number | null;
  /** The main thread's event-loop utilisation over the window (0..1). */
  main_elu: number;
  /** After the window's last round: the process's RSS; the main isolate's heap, external, ArrayBuffers. */
  rss_bytes: number;
  heap_used_bytes: number;
  external_bytes: number;
  array_buffers_bytes: number;
  /** hybrid_pushes_rejected_total (all reasons) so far. */
  refused_pushes: number;
}

export interface ScaleResult {
  workers: number;
  tasks: number;
  params: number;
  shared_params: number;
  encoding: EncodingName;
  chunk_bytes: number;
  push_parts: number;
  rounds: number;
  sample_every: number;
  /** What the encoding implies a round moves (bench/push-frames.ts messageBytes): T pushes up, T updates down. */
  expected_up_bytes_per_round: number;
  expected_down_bytes_per_round: number;
  rows: ScaleRow[];
  /** Over rounds 2..rounds. */
  round_ms_median: number;
  round_ms_p90: number;
  tcp_rounds: number;
  tcp_round_ms_median: number;
  tcp_round_ms_p90: number;
  /** round_ms_median / tcp_round_ms_median. */
  ws_over_tcp: number;
  /** ws_over_tcp where the encoding is F32, else null. */
  f32_over_tcp: number | null;
  rss_base_round: number;
  /** RSS after the last round / after rss_base_round (rounds 300 and 50 by default). */
  rss_ratio_300_50: number;
  refused_pushes: number;
  refused_connections: number;
  /** What the CPU and memory columns include, in words. */
  measures: string;
}

export const MEASURES =
  'clients run as worker_threads in this process: RSS and process CPU include them; main-thread CPU/wait (schedstat), ELU, heap/external/arrayBuffers are the coordinator thread only';

const STALL_SECONDS = 120;

/** The main thread's time on a CPU and waiting for one, in ns (Linux schedstat), or null. */
function mainThreadTimes(): { runNs: number; waitNs: number } | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { runNs: run, waitNs: wait } : null;
  } catch {
    return null;
  }
}

/** The sum of a counter's series, read from `registry` by name. */
async function counterTotal(metrics: CoordinatorMetrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`bench:scale: the coordinator's registry has no ${name}`);
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** The value at fraction q of the sorted values (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** What the process looks like after a round (or at the start, round 0). */
interface Probe {
  round: number;
  traffic: Traffic;
  cpu: NodeJS.CpuUsage;
  main: { runNs: number; waitNs: number } | null;
  elu: EventLoopUtilization;
  memory: NodeJS.MemoryUsage;
  refused: Promise<number>;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Seconds to the microsecond. */
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

async function rowOf(a: Probe, b: Probe, ticks: readonly number[]): Promise<ScaleRow> {
  const n = b.round - a.round;
  const times: number[] = [];
  for (let k = Math.max(2, a.round + 1); k <= b.round; k++) times.push(ticks[k] - ticks[k - 1]);
  const up = (b.traffic.received - a.traffic.received) / n;
  const down = (b.traffic.sent - a.traffic.sent) / n;
  const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system);
  return {
    from_round: a.round,
    to_round: b.round,
    round_ms_median: times.length > 0 ? round3(median(times)) : null,
    round_ms_p90: times.length > 0 ? round3(percentile(times, 0.9)) : null,
    bytes_per_round: Math.round(up + down),
    up_bytes_per_round: Math.round(up),
    down_bytes_per_round: Math.round(down),
    process_cpu_s_per_round: round6(cpuUs / 1e6 / n),
    main_cpu_s_per_round: a.main && b.main ? round6((b.main.runNs - a.main.runNs) / 1e9 / n) : null,
    main_wait_s_per_round: a.main && b.main ? round6((b.main.waitNs - a.main.waitNs) / 1e9 / n) : null,
    main_elu: round3(performance.eventLoopUtilization(b.elu, a.elu).utilization),
    rss_bytes: b.memory.rss,
    heap_used_bytes: b.memory.heapUsed,
    external_bytes: b.memory.external,
    array_buffers_bytes: b.memory.arrayBuffers,
    refused_pushes: await b.refused,
  };
}

/** Round completion times (ms, performance.now()) of `rounds` yardstick rounds after the first. */
async function tcpRoundTimes(pool: ClientPool, workers: number, up: number, down: number, rounds: number): Promise<number[]> {
  const clock = new RoundClock();
  const ticks: number[] = [];
  const server = await startTcpRounds(workers, up, down, () => {
    ticks.push(performance.now());
    clock.tick();
  });
  try {
    const measured = clock.measure(0, 0, rounds, STALL_SECONDS, (cb) => pool.onFailure(cb));
    pool.startTcp(server.port, up, down);
    await measured;
    await pool.stopSessions();
  } finally {
    await server.close();
  }
  return ticks.slice(1, rounds + 1).map((t, i) => t - ticks[i]);
}

export async function runScale(opts: ScaleOptions, log: (line: string) => void): Promise<ScaleResult> {
  const { workers, encoding, chunkBytes } = opts;
  const config = benchConfig(workers, opts.params, encoding, chunkBytes);
  const spec = specOf(config);
  const pieces = encodedPieces(spec, syntheticGradient(spec), encoding, chunkBytes);
  const push = pushTemplates(taskName(0), pieces, chunkBytes);
  const bytes = messageBytes(taskName(0), pieces, chunkBytes);
  const pool = new ClientPool(Array.from({ length: workers }, (_, i) => ({ task: taskName(i), hello: helloFrame(taskName(i), modelFingerprint(spec)) })));
  try {
    const silent = (): void => undefined;
    const metrics = new CoordinatorMetrics(config.tasks.map((t) => t.name));
    const coordinator = new Coordinator(config, { log: silent, metrics });
    const server = await startServer(coordinator, { host: '127.0.0.1', port: 0, log: silent, metrics });
    const probes: Probe[] = [];
    const ticks: number[] = [];
    const probe = (round: number): void => {
      probes.push({
        round,
        traffic: coordinatorTraffic(coordinator),
        cpu: process.cpuUsage(),
        main: mainThreadTimes(),
        elu: performance.eventLoopUtilization(),
        memory: process.memoryUsage(),
        refused: counterTotal(metrics, 'hybrid_pushes_rejected_total'),
      });
    };
    const clock = new RoundClock(() => coordinatorTraffic(coordinator));
    coordinator.on('round', () => {
      const round = ticks.length;
      if (round > opts.rounds) return;
      ticks.push(performance.now());
      if (round % opts.sampleEvery === 0 || round === opts.rounds) {
        probe(round);
        const p = probes[probes.length - 1];
        log(
          `bench:scale: round ${round}/${opts.rounds}: rss ${(p.memory.rss / 1e6).toFixed(0)} MB, heap ${(p.memory.heapUsed / 1e6).toFixed(0)} MB` +
            (round >= 2 ? `, last round ${(ticks[round] - ticks[round - 1]).toFixed(0)} ms` : ''),
        );
      }
      clock.tick();
    });
    let refusedConnections = 0;
    try {
      const dist = config.distributed;
      const measured = clock.measure(0, 0, opts.rounds - 1, STALL_SECONDS, (cb) => pool.onFailure(cb));
      ticks.push(performance.now());
      probe(0);
      pool.startWs(`ws://127.0.0.1:${server.port}`, opts.mask, push, { uplink: dist.uplink.encoding, downlink: dist.downlink.encoding, chunkBytes: dist.chunk_bytes });
      await measured;
      await pool.stopSessions();
      refusedConnections = await counterTotal(metrics, 'hybrid_connections_rejected_total');
    } finally {
      coordinator.stop(false);
      await server.close();
    }
    const rows: ScaleRow[] = [];
    for (let i = 1; i < probes.length; i++) rows.push(await rowOf(probes[i - 1], probes[i], ticks));
    const roundTimes = ticks.slice(2).map((t, i) => t - ticks[i + 1]);

    log(`bench:scale: raw TCP, ${opts.tcpRounds} rounds of the same bytes (${workers} x ${bytes.push} up, ${workers} x ${bytes.update} down)`);
    const tcpTimes = await tcpRoundTimes(pool, workers, bytes.push, bytes.update, opts.tcpRounds);
    const wsMedian = median(roundTimes);
    const tcpMedian = median(tcpTimes);
    const rssAt = (round: number): number => probes.find((p) => p.round === round)!.memory.rss;
    const last = probes[probes.length - 1];
    return {
      workers,
      tasks: opts.tasks,
      params: opts.params,
      shared_params: totalSize(spec.shared),
      encoding,
      chunk_bytes: chunkBytes,
      push_parts: push.frames[0].length,
      rounds: opts.rounds,
      sample_every: opts.sampleEvery,
      expected_up_bytes_per_round: workers * bytes.push,
      expected_down_bytes_per_round: workers * bytes.update,
      rows,
      round_ms_median: round3(wsMedian),
      round_ms_p90: round3(percentile(roundTimes, 0.9)),
      tcp_rounds: tcpTimes.length,
      tcp_round_ms_median: round3(tcpMedian),
      tcp_round_ms_p90: round3(percentile(tcpTimes, 0.9)),
      ws_over_tcp: round3(wsMedian / tcpMedian),
      f32_over_tcp: encoding === 'f32' ? round3(wsMedian / tcpMedian) : null,
      rss_base_round: opts.rssBase,
      rss_ratio_300_50: round3(last.memory.rss / rssAt(opts.rssBase)),
      refused_pushes: await last.refused,
      refused_connections: refusedConnections,
      measures: MEASURES,
    };
  } finally {
    await pool.close();
  }
}
