// bench:aggregation (bench/aggregation.ts): its options, and one small run that times every method on
// the coordinator's own path. Numbers are not asserted (the bench reports them); what is: every method
// ran its rounds and the ratios are against weighted_sum of the same run.
import { describe, expect, it } from 'vitest';
import { METHODS, parseArgs, runBench } from '../../bench/aggregation.js';

describe('bench:aggregation', () => {
  it('reads its options over the defaults and refuses bad ones, naming the flag', () => {
    expect(parseArgs(['--tasks', '4', '--params', '250k', '--rounds', '3'])).toMatchObject({ tasks: 4, params: 250_000, rounds: 3, warmup: 2, json: false });
    expect(() => parseArgs(['--tasks', '1'])).toThrow(/--tasks needs an integer >= 2/);
    expect(() => parseArgs(['--tasks', '101'])).toThrow(/--tasks takes at most 100/);
    expect(() => parseArgs(['--params', 'lots'])).toThrow(/--params/);
  });

  it('times every method on the same W and gradients, each against weighted_sum', () => {
    const rows = runBench({ json: false, tasks: 3, params: 65536, rounds: 2, warmup: 1 });
    expect(rows.map((r) => r.method)).toEqual([...METHODS]);
    expect(rows[0]).toMatchObject({ method: 'weighted_sum', ratio: 1 });
    for (const r of rows) {
      expect(r.ms, r.method).toBeGreaterThan(0);
      expect(r.ratio, r.method).toBe(r.ms / rows[0].ms);
    }
  });
});
