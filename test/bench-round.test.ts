import { describe, expect, it } from 'vitest';
import { benchConfig, benchRounds, formatTable, parseArgs, parseCount, specOf } from '../bench/round.js';
import { totalSize } from '../model/spec.js';

describe('bench:round options', () => {
  it('reads counts with k and M suffixes and refuses what is not a count', () => {
    expect(parseCount('4M')).toBe(4_000_000);
    expect(parseCount('250k')).toBe(250_000);
    expect(parseCount('1000')).toBe(1000);
    expect(parseCount('4G')).toBeNaN();
    const opts = parseArgs(['--json', '--workers', '2,5', '--params', '10k,1M', '--seconds', '2', '--mask', 'zero']);
    expect(opts).toMatchObject({ json: true, workers: [2, 5], params: [10_000, 1_000_000], seconds: 2, mask: 'zero' });
    expect(() => parseArgs(['--params', 'lots'])).toThrow(/--params takes positive numbers; got 'lots'/);
    expect(() => parseArgs(['--mask', 'none'])).toThrow(/--mask takes random or zero/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
  });

  it('sizes the model to the asked number of shared parameters, one task per worker', () => {
    for (const p of [10_000, 1_000_000, 4_000_000, 25_000_000]) {
      const config = benchConfig(3, p);
      expect(config.tasks.map((t) => t.name)).toEqual(['task00', 'task01', 'task02']);
      expect(Math.abs(totalSize(specOf(config).shared) - p) / p).toBeLessThan(0.01);
    }
  });
});

describe('bench:round on a tiny grid', () => {
  it('runs sync rounds over ws and over raw TCP and reports them in the --json shape', async () => {
    const lines: string[] = [];
    const result = await benchRounds({ json: true, workers: [2], params: [10_000], seconds: 1, warmup: 0.3, minRounds: 3, mask: 'random' }, (l) => lines.push(l));
    // The shape the checks read, through JSON.
    const json = JSON.parse(JSON.stringify(result)) as typeof result;
    expect(Object.keys(json).sort()).toEqual(['rows', 'tcp_bytes_per_second']);
    expect(json.rows).toHaveLength(1);
    const row = json.rows[0];
    expect(row).toMatchObject({ workers: 2, params: 10_000, encoding: 'f32', mask: 'random' });
    expect(Math.abs(row.shared_params - 10_000)).toBeLessThan(100);
    // Rounds happened: the coordinator closes a round only once both clients' pushes were accepted, so
    // this also shows the hand-framed pushes decode and validate.
    expect(row.round_ms).toBeGreaterThan(0);
    expect(row.rounds_per_second).toBeGreaterThan(1);
    expect(Math.abs((row.rounds_per_second * row.round_ms) / 1000 - 1)).toBeLessThan(1e-3);
    // Each round moves each worker's gradient up and W down: at least 2 x 4 bytes per parameter each.
    expect(row.bytes_per_round).toBeGreaterThan(2 * 2 * 4 * row.shared_params);
    expect(row.bytes_per_round).toBeLessThan(2 * 2 * 4 * row.shared_params + 2000);
    // round_ms is printed to the microsecond: the rates agree with it to that precision.
    expect(Math.abs((row.bytes_per_second * row.round_ms) / (row.bytes_per_round * 1000) - 1)).toBeLessThan(1e-3);
    expect(row.tcp_round_ms).toBeGreaterThan(0);
    expect(row.tcp_ratio).toBeGreaterThan(0);
    expect(Math.abs(row.tcp_ratio - row.bytes_per_second / row.tcp_bytes_per_second)).toBeLessThan(1e-3);
    expect(json.tcp_bytes_per_second).toBe(row.tcp_bytes_per_second);
    expect(lines.join('\n')).toMatch(/2 workers x 10000 params/);
    expect(formatTable(result).split('\n')).toHaveLength(2);
  });
});
