// bench:mtl's own logic on a tiny synthetic config (three tasks, an MLP, 10 steps, one seed, two
// methods), trained in process by the bench's function: a row per method, Delta_m as its formula gives
// it from the kept runs' accuracies, kept runs reused, and its argument errors. The real comparison
// (examples/mnist-ten.json) takes minutes a run and belongs to the benchmark. No wall-clock assertions.
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { DEFAULT_OPTIONS, formatTable, parseArgs, runMtl } from '../../bench/mtl.js';
import { configFor, deltaM, METHODS, type KeptRun } from '../../bench/mtl-runs.js';
import type { MtlReport } from '../../bench/mtl-runs.js';

const quiet = () => {};

const BASE = {
  seed: 0,
  model: { arch: 'mlp', hidden: [16] },
  tasks: [
    { name: 'a', dataset: { source: 'synthetic', features: 8, classes: 4, hidden: 8, train: 256, test: 128, task_seed: 1 } },
    { name: 'b', dataset: { source: 'synthetic', features: 8, classes: 3, hidden: 8, train: 256, test: 128, task_seed: 2 } },
    { name: 'c', dataset: { source: 'synthetic', features: 8, classes: 5, hidden: 8, train: 256, test: 128, task_seed: 3 } },
  ],
  train: { steps: 500, batch_size: 16, optimizer: { type: 'adam', lr: 0.01 } },
  sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 2 },
};

describe('bench:mtl options', () => {
  it('defaults to all nine methods over three seeds of examples/mnist-ten.json', () => {
    expect(parseArgs([])).toEqual({ ...DEFAULT_OPTIONS, methods: [...METHODS] });
    expect(DEFAULT_OPTIONS).toMatchObject({ config: 'examples/mnist-ten.json', seeds: [0, 1, 2], steps: null, out: 'bench/out/mtl', json: false });
    expect(METHODS).toEqual(['weighted_sum', 'pcgrad', 'cagrad', 'mgda', 'imtl_g', 'nash_mtl', 'uncertainty', 'dwa', 'famo']);
  });

  it('reads every flag, and puts weighted_sum first (it trains the separate models)', () => {
    expect(parseArgs(['--json', '--config', 'x.json', '--methods', 'mgda,pcgrad', '--seeds', '4,2', '--steps', '60', '--out', 'o'])).toEqual({
      json: true,
      config: 'x.json',
      methods: ['weighted_sum', 'mgda', 'pcgrad'],
      seeds: [4, 2],
      steps: 60,
      out: 'o',
    });
  });

  it('names what is wrong', () => {
    expect(() => parseArgs(['--methods', 'pcgrad,gradnorm'])).toThrow(/^bench:mtl: --methods takes weighted_sum, pcgrad, cagrad, mgda, imtl_g, nash_mtl, uncertainty, dwa, famo; got 'gradnorm'/);
    expect(() => parseArgs(['--methods', ''])).toThrow(/--methods needs at least one of/);
    expect(() => parseArgs(['--seeds', '-1'])).toThrow(/^bench:mtl: --seeds takes distinct integers >= 0; got '-1'/);
    expect(() => parseArgs(['--seeds', '0,x'])).toThrow(/--seeds takes distinct integers >= 0; got 'x'/);
    expect(() => parseArgs(['--seeds', '0,,1'])).toThrow(/--seeds takes distinct integers/);
    expect(() => parseArgs(['--seeds', '1,1'])).toThrow(/--seeds takes distinct integers >= 0; got '1,1'/);
    expect(() => parseArgs(['--steps', '0'])).toThrow(/--steps needs an integer >= 1, got '0'/);
    expect(() => parseArgs(['--seeds'])).toThrow(/--seeds needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
  });

  it('writes a valid run config per method: seed, aggregation, steps, and the baseline on weighted_sum alone', () => {
    const ws = parseRunConfig(configFor(BASE, 'weighted_sum', 3, 10), 'ws');
    expect([ws.seed, ws.aggregation.method, ws.train.steps, ws.train.baseline, ws.train.batch_size]).toEqual([3, 'weighted_sum', 10, true, 16]);
    const nash = parseRunConfig(configFor(BASE, 'nash_mtl', 0, null), 'nash');
    expect([nash.aggregation.method, nash.train.steps, nash.train.baseline]).toEqual(['nash_mtl', 500, false]);
  });

  it('computes Delta_m as LibMTL does for accuracies', () => {
    expect(deltaM([0.9, 0.5], [1, 0.5])).toBeCloseTo(-5, 10);
    expect(() => deltaM([0.9], [0.9, 0.8])).toThrow(/1 hybrid against 2 separate/);
  });
});

describe('bench:mtl on a tiny synthetic config', () => {
  let dir: string;
  let configPath: string;
  let report: MtlReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-mtl-'));
    configPath = join(dir, 'tiny.json');
    writeFileSync(configPath, JSON.stringify(BASE));
    report = await runMtl(parseArgs(['--config', configPath, '--methods', 'weighted_sum,pcgrad', '--seeds', '1', '--steps', '10', '--out', join(dir, 'out')]), quiet);
  });

  it('gives one row per method, Delta_m recomputed from the kept runs', () => {
    expect(report.rows.map((r) => r.method)).toEqual(['weighted_sum', 'pcgrad']);
    expect(report.tasks).toEqual(['a', 'b', 'c']);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['pcgrad-seed1.json', 'weighted_sum-seed1.json']);
    const kept = (name: string) => JSON.parse(readFileSync(join(dir, 'out', `${name}-seed1.json`), 'utf8')) as KeptRun;
    const ws = kept('weighted_sum');
    const pc = kept('pcgrad');
    const separate = ws.result.tasks.map((t) => t.separate_accuracy!);
    for (const s of separate) expect(s).toBeGreaterThan(0);
    // The separate models come from the weighted_sum run alone.
    expect(pc.result.tasks.map((t) => t.separate_accuracy)).toEqual([null, null, null]);
    expect(report.separate).toEqual(separate);
    for (const [row, run] of [
      [report.rows[0], ws],
      [report.rows[1], pc],
    ] as const) {
      const hybrid = run.result.tasks.map((t) => t.hybrid_accuracy);
      const want = (100 / 3) * hybrid.reduce((a, h, t) => a + (h - separate[t]) / separate[t], 0);
      expect(row.delta_m).toHaveLength(1);
      expect(row.delta_m[0]).toBeCloseTo(want, 10);
      expect([row.delta_m_mean, row.delta_m_min, row.delta_m_max]).toEqual([row.delta_m[0], row.delta_m[0], row.delta_m[0]]);
      expect(row.delta_m_std).toBe(0);
      expect(row.accuracy).toEqual(hybrid);
      const drops = hybrid.map((h, t) => 100 * (separate[t] - h));
      expect(row.worst.drop_pt).toBeCloseTo(Math.max(...drops), 10);
      expect(row.worst.task).toBe(report.tasks[drops.indexOf(Math.max(...drops))]);
      // A time per round from each of the 10 rounds (its value is the machine's).
      expect(run.aggregation_ms.rounds).toBe(10);
      expect(row.aggregation_ms).toBe(run.aggregation_ms.median);
      expect(run.config).toEqual(configFor(BASE, run.method, 1, 10));
    }
    const table = formatTable(report).split('\n');
    expect(table).toHaveLength(4);
    expect(table[0].split('\t')).toEqual(['method', 'Delta_m %', 'std', 'min..max', 'worst task', 'worst drop pt', 'agg ms/round', 'a %', 'b %', 'c %']);
    expect(table.slice(1).map((l) => l.split('\t')[0])).toEqual(['separate', 'weighted_sum', 'pcgrad']);
  });

  it('goes on from the kept runs, and refuses kept runs of another config', async () => {
    const lines: string[] = [];
    const again = await runMtl(parseArgs(['--config', configPath, '--methods', 'pcgrad', '--seeds', '1', '--steps', '10', '--out', join(dir, 'out')]), (l) => lines.push(l));
    expect(lines.filter((l) => l.includes('kept from'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('training'))).toBe(false);
    expect(again.rows).toEqual(report.rows);
    const other = runMtl(parseArgs(['--config', configPath, '--methods', 'pcgrad', '--seeds', '1', '--steps', '12', '--out', join(dir, 'out')]), quiet);
    await expect(other).rejects.toThrow(/weighted_sum-seed1\.json was trained with another run config/);
  });

  it('checks every run config before training', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...BASE, sparsity: { rho: 2 } }));
    await expect(runMtl(parseArgs(['--config', bad, '--seeds', '0', '--steps', '10', '--out', join(dir, 'bad-out')]), quiet)).rejects.toThrow(/sparsity\.rho/);
  });
});
