// bench:scale on a tiny point (4 workers x 50k x 20 rounds): the real Coordinator over loopback ws with
// client threads from dist/ (the suite builds first), so it lives with bench:comm's tests in integration.
// Real properties only (windows, bytes as the encoding implies, no refusals, memory read); no wall clock.
import { describe, expect, it } from 'vitest';
import { benchConfig, specOf, taskName } from '../../bench/comm-grid.js';
import { encodedPieces, messageBytes, syntheticGradient } from '../../bench/push-frames.js';
import { DEFAULT_OPTIONS, formatTable, parseArgs, tableHeading } from '../../bench/scale.js';
import { percentile, runScale, type ScaleResult } from '../../bench/scale-run.js';
import type { EncodingName } from '../../compression/encodings/index.js';

/** What a round of `encoding` moves at this point, by the helpers bench:comm's grid uses. */
function implied(workers: number, params: number, encoding: EncodingName, chunkBytes: number): { up: number; down: number; parts: number } {
  const spec = specOf(benchConfig(workers, params, encoding, chunkBytes));
  const bytes = messageBytes(taskName(0), encodedPieces(spec, syntheticGradient(spec), encoding, chunkBytes), chunkBytes);
  return { up: workers * bytes.push, down: workers * bytes.update, parts: bytes.pushParts.length };
}

async function tiny(argv: string[]): Promise<{ result: ScaleResult; lines: string[] }> {
  const lines: string[] = [];
  const result = await runScale(parseArgs(argv), (l) => lines.push(l));
  return { result: JSON.parse(JSON.stringify(result)) as ScaleResult, lines };
}

describe('bench:scale options', () => {
  it('defaults to the issue’s point and reads every flag', () => {
    expect(parseArgs([])).toMatchObject({ json: false, workers: 64, tasks: 64, params: 1_000_000, rounds: 300, encoding: 'f32', sampleEvery: 10, rssBase: 50 });
    expect(parseArgs(['--json', '--workers', '8', '--params', '50k', '--rounds', '40', '--encoding', 'topk', '--sample-every', '4', '--rss-base', '8', '--tcp-rounds', '3'])).toMatchObject({
      json: true,
      workers: 8,
      tasks: 8,
      params: 50_000,
      rounds: 40,
      encoding: 'topk',
      sampleEvery: 4,
      rssBase: 8,
      tcpRounds: 3,
    });
    expect(parseArgs(['--workers', '3', '--tasks', '3']).tasks).toBe(3);
    // Without --rss-base: round 50, or the last sample at or before it in a shorter run.
    expect(parseArgs(['--rounds', '20', '--sample-every', '5']).rssBase).toBe(20);
    expect(parseArgs(['--rounds', '300', '--sample-every', '15']).rssBase).toBe(45);
    expect(DEFAULT_OPTIONS.chunkBytes).toBe(4 * 1024 * 1024);
  });

  it('refuses bad input, naming the flag', () => {
    expect(() => parseArgs(['--workers', '0'])).toThrow(/^bench:scale: --workers needs an integer >= 1, got '0'/);
    expect(() => parseArgs(['--workers', '101'])).toThrow(/--workers takes at most 100/);
    expect(() => parseArgs(['--rounds', '10', '--sample-every', '50'])).toThrow(/--sample-every 50 is more than --rounds 10/);
    expect(() => parseArgs(['--rounds', '1'])).toThrow(/--rounds needs an integer >= 2/);
    expect(() => parseArgs(['--workers', '64', '--tasks', '8'])).toThrow(/--tasks 8 with --workers 64 needs replicas, which the synthetic clients do not speak/);
    expect(() => parseArgs(['--rss-base', '55'])).toThrow(/--rss-base 55 must be a multiple of --sample-every 10/);
    expect(() => parseArgs(['--rounds', '40', '--rss-base', '50'])).toThrow(/at most --rounds 40/);
    expect(() => parseArgs(['--encoding', 'gzip'])).toThrow(/--encoding takes one of f32, f16, bf16, topk, int8; got 'gzip'/);
    expect(() => parseArgs(['--params', 'lots'])).toThrow(/--params takes a positive count/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
  });

  it('takes percentiles by nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([3], 0.9)).toBe(3);
  });
});

describe('bench:scale on a tiny point', () => {
  it('F32: a row per window, the bytes the encoding implies, no refusals, memory and CPU read', async () => {
    const { result: r, lines } = await tiny(['--workers', '4', '--params', '50k', '--rounds', '20', '--sample-every', '5', '--rss-base', '10', '--tcp-rounds', '5', '--json']);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['rows', 'rss_ratio_300_50', 'f32_over_tcp', 'refused_pushes']));
    expect(r).toMatchObject({ workers: 4, tasks: 4, params: 50_000, encoding: 'f32', rounds: 20, sample_every: 5, rss_base_round: 10, tcp_rounds: 5, refused_pushes: 0, refused_connections: 0 });
    expect(r.rows.map((w) => [w.from_round, w.to_round])).toEqual([
      [0, 5],
      [5, 10],
      [10, 15],
      [15, 20],
    ]);
    const want = implied(4, 50_000, 'f32', r.chunk_bytes);
    expect([r.expected_up_bytes_per_round, r.expected_down_bytes_per_round, r.push_parts]).toEqual([want.up, want.down, want.parts]);
    for (const w of r.rows) {
      expect(w.refused_pushes).toBe(0);
      for (const bytes of [w.rss_bytes, w.heap_used_bytes, w.external_bytes, w.array_buffers_bytes]) expect(bytes).toBeGreaterThan(0);
      expect(w.process_cpu_s_per_round).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(w.main_cpu_s_per_round).toBeGreaterThan(0);
      expect(w.main_elu).toBeGreaterThanOrEqual(0);
      expect(w.main_elu).toBeLessThanOrEqual(1);
      expect(w.round_ms_median).toBeGreaterThan(0);
      expect(w.round_ms_p90).toBeGreaterThanOrEqual(w.round_ms_median!);
      expect(Math.abs(w.up_bytes_per_round + w.down_bytes_per_round - w.bytes_per_round)).toBeLessThanOrEqual(1);
    }
    // After the joins: T pushes up and T full updates down a round, as encode() frames them (the base
    // versions here take one varint byte, as messageBytes assumes; the coordinator's version field may
    // differ by a byte a part).
    for (const w of r.rows.slice(1)) {
      expect(w.up_bytes_per_round).toBe(want.up);
      expect(Math.abs(w.down_bytes_per_round - want.down)).toBeLessThanOrEqual(4 * want.parts * 2);
    }
    // The first window also holds the hellos, welcomes and the full W each worker is sent on joining.
    expect(r.rows[0].up_bytes_per_round).toBeGreaterThan(want.up);
    expect(r.rss_ratio_300_50).toBeCloseTo(r.rows[3].rss_bytes / r.rows[1].rss_bytes, 2);
    expect(r.tcp_round_ms_median).toBeGreaterThan(0);
    expect(r.round_ms_p90).toBeGreaterThanOrEqual(r.round_ms_median);
    expect(r.ws_over_tcp).toBeCloseTo(r.round_ms_median / r.tcp_round_ms_median, 2);
    expect(r.f32_over_tcp).toBe(r.ws_over_tcp);
    expect(r.measures).toMatch(/RSS and process CPU include them/);
    expect(lines.join('\n')).toMatch(/round 20\/20: rss \d+ MB/);
    expect(lines.join('\n')).toMatch(/raw TCP, 5 rounds of the same bytes/);
    const table = formatTable(r).split('\n');
    expect(table).toHaveLength(1 + 4 + 3);
    expect(table[1]).toMatch(/^1-5\t/);
    expect(table.slice(-3).join('\n')).toMatch(/f32\/tcp .*\n.*after round 10 .*after round 20 .*ratio .*\n.*refused pushes 0/);
    expect(tableHeading(r)).toMatch(/^4 workers \(one per task\) x 50244 shared params, 20 sync rounds/);
  });

  it('TOPK: the pushes of the encoding go up, far fewer bytes than F32, no F32-over-TCP ratio', async () => {
    const { result: r } = await tiny(['--workers', '3', '--params', '50k', '--rounds', '10', '--sample-every', '5', '--encoding', 'topk', '--tcp-rounds', '3']);
    const want = implied(3, 50_000, 'topk', r.chunk_bytes);
    const f32 = implied(3, 50_000, 'f32', r.chunk_bytes);
    expect(r).toMatchObject({ encoding: 'topk', refused_pushes: 0, f32_over_tcp: null, expected_up_bytes_per_round: want.up });
    expect(r.rows).toHaveLength(2);
    const w = r.rows[1];
    expect(w.up_bytes_per_round).toBe(want.up);
    // Deltas of W at 1 %: their positions' gaps vary in size, so only the order of magnitude is known.
    expect(w.down_bytes_per_round).toBeGreaterThan(0);
    expect(w.bytes_per_round).toBeLessThan((f32.up + f32.down) / 20);
    expect(r.ws_over_tcp).toBeGreaterThan(0);
  });
});
