import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/comm.js';
import { benchConfig, specOf, taskName, type GridOptions } from '../../bench/comm-grid.js';
import { encodedPieces, helloFrame, pushTemplates, shardPieces, syntheticGradient } from '../../bench/push-frames.js';
import { ClientPool } from '../../bench/round-clients.js';
import { formatShardTable, runShardGrid, shardTableHeading } from '../../bench/shard-grid.js';
import { shardCounters, sumByName } from '../../bench/shard-metrics.js';
import { cliUrl, startShardProcesses } from '../../bench/shard-processes.js';
import { decodeValues } from '../../compression/encodings/index.js';
import { planShards, sliceLayout } from '../../model/shard-plan.js';
import { modelFingerprint } from '../../model/spec.js';

describe('bench:comm --shards options and parts', () => {
  it('reads --shards and refuses what is not a list of shard counts', () => {
    expect(parseArgs([]).shards).toBeUndefined();
    expect(parseArgs(['--shards', '1,2']).shards).toEqual([1, 2]);
    expect(() => parseArgs(['--shards', '0'])).toThrow(/bench:comm: --shards takes positive numbers; got '0'/);
    expect(() => parseArgs(['--shards', '1.5'])).toThrow(/--shards takes whole numbers from 1 to 64/);
    expect(() => parseArgs(['--shards', '65'])).toThrow(/--shards takes whole numbers from 1 to 64/);
  });

  it("reads a shard's counters from its /metrics text, whatever its labels", () => {
    const text = [
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
      '# TYPE process_cpu_seconds_total counter',
      'process_cpu_seconds_total{shard="1"} 2.5',
      'hybrid_rounds_total{shard="1"} 7',
      'hybrid_bytes_received_total{shard="1"} 1000',
      'hybrid_bytes_sent_total{shard="1"} 2000',
      'hybrid_task_loss{task="a",shard="1"} 0.5',
      'hybrid_task_loss{task="b",shard="1"} 0.25',
      '',
    ].join('\n');
    expect(sumByName(text).get('hybrid_task_loss')).toBe(0.75);
    expect(shardCounters(text)).toEqual({ cpuSeconds: 2.5, rounds: 7, received: 1000, sent: 2000 });
    expect(() => shardCounters('hybrid_rounds_total 1\n')).toThrow(/no process_cpu_seconds_total/);
  });

  it("cuts each shard's push into its slices, named as sliceLayout names them; one shard's is the whole push", () => {
    const spec = specOf(benchConfig(2, 20_000));
    const gradient = syntheticGradient(spec);
    const sizes = spec.shared.map((t) => t.size);
    expect(shardPieces(spec, planShards(sizes, 1), gradient, 'f32', 16384)).toEqual([encodedPieces(spec, gradient, 'f32', 16384)]);
    const plan = planShards(sizes, 2);
    const pieces = shardPieces(spec, plan, gradient, 'f32', 16384);
    expect(pieces).toHaveLength(2);
    // Shard by shard, piece by piece, the F32 values laid end to end are W's gradient in the model's order.
    const flat = new Float32Array(sizes.reduce((a, n) => a + n, 0));
    let at = 0;
    gradient.forEach((g) => {
      flat.set(g, at);
      at += g.length;
    });
    pieces.forEach((shard, i) => {
      const names = new Set(sliceLayout(spec.shared, plan.slices[i]).map((t) => t.name));
      let entry = plan.bounds[i];
      for (const p of shard) {
        expect(names.has(p.name!)).toBe(true);
        const count = p.count || (p.shape ?? []).reduce((a, b) => a * b, 1);
        expect(decodeValues(p.data!, 'f32', count)).toEqual(flat.subarray(entry, entry + count));
        entry += count;
      }
      expect(entry).toBe(plan.bounds[i + 1]);
    });
  });
});

describe('bench:comm --shards on a tiny model', () => {
  it('finds the built CLI it starts the shards from', () => {
    expect(fileURLToPath(cliUrl('file:///repo/bench/shard-processes.ts'))).toBe('/repo/dist/cli.js');
    expect(fileURLToPath(cliUrl('file:///repo/dist/bench/shard-processes.js'))).toBe('/repo/dist/cli.js');
    expect(existsSync(cliUrl())).toBe(true);
  });

  it("fails the run when the lead's welcome names another cut than the pushes were made for", async () => {
    const chunkBytes = 16384;
    const config = benchConfig(1, 20_000, 'f32', chunkBytes);
    const spec = specOf(config);
    const task = taskName(0);
    const plan = planShards(
      spec.shared.map((t) => t.size),
      2,
    );
    const processes = await startShardProcesses(config, 2);
    const pool = new ClientPool([{ task, hello: helloFrame(task, modelFingerprint(spec)) }]);
    try {
      const failed = new Promise<Error>((resolve) => pool.onFailure(resolve));
      const pushes = shardPieces(spec, plan, syntheticGradient(spec), 'f32', chunkBytes).map((p) => pushTemplates(task, p, chunkBytes));
      const wrong = [0, 4096, plan.bounds[2]];
      pool.startShards(processes.leadUrl, 'zero', pushes, { uplink: 'f32', downlink: 'f32', chunkBytes }, wrong);
      expect((await failed).message).toBe(
        `bench: shards client ${task}: the lead's welcome names 2 shards cut at [${plan.bounds.join(', ')}]; the benchmark's pushes are for 2 cut at [${wrong.join(', ')}]`,
      );
    } finally {
      await pool.close();
      await processes.close();
    }
  });

  it('measures K = 1 and K = 2 alike: every shard closes rounds, spends CPU and moves about 1/K of the bytes', async () => {
    const opts: GridOptions = { json: true, workers: [2], params: [20_000], encodings: ['f32'], seconds: 1, warmup: 0.3, minRounds: 3, mask: 'zero', chunkBytes: 16384, shards: [1, 2] };
    const lines: string[] = [];
    const result = await runShardGrid(opts, (l) => lines.push(l));
    const json = JSON.parse(JSON.stringify(result)) as typeof result;
    expect(Object.keys(json).sort()).toEqual(['cores', 'ratios', 'rows']);
    expect(json.rows.map((r) => [r.shards, r.shard])).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
    const [one, ...two] = json.rows;
    for (const row of json.rows) {
      expect(row).toMatchObject({ workers: 2, params: 20_000, encoding: 'f32', chunk_bytes: 16384 });
      expect(row.rounds).toBeGreaterThan(0);
      expect(row.round_ms).toBeGreaterThan(0);
      expect(row.cpu_ms_per_round).toBeGreaterThan(0);
      expect(row.bytes_per_round).toBeGreaterThan(0);
      expect(Math.abs(row.up_bytes_per_round + row.down_bytes_per_round - row.bytes_per_round)).toBeLessThanOrEqual(1);
    }
    // The cut covers W once; each shard of K = 2 holds about half of it and moves about half the bytes.
    expect(one.shard_params).toBe(one.shared_params);
    expect(two[0].shard_params + two[1].shard_params).toBe(one.shared_params);
    for (const shard of two) {
      expect(shard.bytes_per_round / one.bytes_per_round).toBeGreaterThan(0.25);
      expect(shard.bytes_per_round / one.bytes_per_round).toBeLessThan(0.75);
    }
    // F32: each round moves each worker's slices up and down, 4 bytes an entry, plus framing (and a
    // round's worth of skew at the window's ends, whose scrapes fall mid-round).
    expect(one.up_bytes_per_round / (2 * 4 * one.shared_params)).toBeGreaterThan(0.5);
    expect(one.up_bytes_per_round / (2 * 4 * one.shared_params)).toBeLessThan(1.5);
    expect(json.ratios).toHaveLength(1);
    expect(json.ratios[0]).toMatchObject({ workers: 2, params: 20_000, encoding: 'f32', shards: 2 });
    expect(json.ratios[0].cpu_ratio).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/f32 K=2: [\d.]+ ms\/round over \d+ rounds; shard 0: [\d.]+ CPU ms\/round/);
    const table = formatShardTable(result).split('\n');
    expect(table).toHaveLength(5);
    expect(table[4]).toMatch(/^K = 2 vs K = 1 \(2 workers, 20000, f32\): busiest shard \([01]\) CPU per round [\d.]+x K = 1's; round time [\d.]+x$/);
    expect(shardTableHeading(opts, result.cores)).toMatch(new RegExp(`On this ${result.cores}-core machine the synthetic clients and all K shard processes share the cores`));
  });
});
