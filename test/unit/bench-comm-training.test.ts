// bench:comm-training's own logic: its options, the run config per encoding, and the comparison
// against dense F32 of the same seed (the runs themselves take minutes and belong to the benchmark).
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { compare, configFor, meanChanges, parseArgs } from '../../bench/comm-training.js';
import type { RunResult } from '../../model/run-output.js';

function result(accuracy: number[], perRound: number): RunResult {
  return {
    tasks: accuracy.map((a, i) => ({ name: `t${i}`, separate_accuracy: null, hybrid_accuracy: a, nnz: 1, density: 0.02 })),
    compression: { params_ratio: 2, bytes_ratio: 2 },
    wall_seconds: 1,
    communication: { uplink_encoding: 'x', downlink_encoding: 'x', rounds: 10, round_bytes: perRound * 10, round_bytes_per_round: perRound, bytes_received: {}, bytes_sent: {} },
  };
}

describe('bench:comm-training', () => {
  it('parses its options and names what is wrong', () => {
    expect(parseArgs(['--seeds', '3,4', '--encodings', 'f32,TOPK', '--json'])).toMatchObject({ seeds: [3, 4], encodings: ['f32', 'topk'], json: true });
    expect(() => parseArgs(['--encodings', 'zip'])).toThrow(/unknown encoding 'zip'/);
    expect(() => parseArgs(['--seeds', '-1'])).toThrow(/--seeds takes integers/);
    expect(() => parseArgs(['--topk-fraction', '2'])).toThrow(/\(0, 1\]/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option '--bogus'/);
  });

  it('writes a valid run config per encoding, both ways, keeping the rest of the base', () => {
    const base = { model: { arch: 'mlp', hidden: [8] }, tasks: [{ name: 'a', dataset: { source: 'synthetic', features: 4 } }], distributed: { report_every: 7 } };
    const topk = parseRunConfig(configFor(base, 'topk', 2, 0.01), 'topk');
    expect(topk.seed).toBe(2);
    expect(topk.distributed.report_every).toBe(7);
    expect(topk.distributed.uplink).toMatchObject({ encoding: 'topk', topk_fraction: 0.01, error_feedback: true });
    expect(topk.distributed.downlink).toMatchObject({ encoding: 'topk', topk_fraction: 0.01, dense_every: 1000 });
    const int8 = parseRunConfig(configFor(base, 'int8', 0, 0.01), 'int8');
    expect([int8.distributed.uplink.encoding, int8.distributed.downlink.encoding]).toEqual(['int8', 'int8']);
  });

  it('compares each run with dense F32 of its seed and averages over seeds', () => {
    const runs = [
      { encoding: 'f32' as const, seed: 0, result: result([0.9, 0.8], 1000) },
      { encoding: 'topk' as const, seed: 0, result: result([0.89, 0.81], 20) },
      { encoding: 'f32' as const, seed: 1, result: result([0.92, 0.8], 1000) },
      { encoding: 'topk' as const, seed: 1, result: result([0.9, 0.8], 25) },
      { encoding: 'int8' as const, seed: 5, result: result([0.5, 0.5], 250) },
    ];
    const rows = compare(runs);
    expect(rows[1].accuracy_change.map((c) => Math.round(c! * 1000))).toEqual([-10, 10]);
    expect(rows[1].bytes_reduction).toBe(50);
    // No dense run of seed 5: nothing to compare with.
    expect(rows[4].accuracy_change).toEqual([null, null]);
    expect(rows[4].bytes_reduction).toBeNull();
    const [topk] = meanChanges(rows);
    expect(topk.encoding).toBe('topk');
    expect(topk.seeds).toBe(2);
    expect(topk.change.map((c) => Math.round(c * 1000))).toEqual([-15, 5]);
    expect(topk.bytes_reduction).toBe(45);
    expect(meanChanges(rows).map((m) => m.encoding)).toEqual(['topk']);
  });
});
