// bench/step.ts: its options, its output (the table and the --json object), a real short run of the
// training step on the wasm backend; and the step it times, TaskTrainer.round, leaves no tensor and no
// wasm buffer behind, through every phase of the sparsity schedule.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchConfig, benchSteps, DEFAULT_OPTIONS, formatTable, makeTrainer, median, parseArgs, profileRound, toJson, type BenchOptions } from '../../bench/step.js';
import { runConfigSchema } from '../../config/schema.js';
import { initBackend } from '../../model/backend.js';
import { isWasmTrainingKernelRegistered, WASM_TRAINING_KERNELS } from '../../model/kernels/index.js';
import { buildModelSpec } from '../../model/spec.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await initBackend('wasm', { log: () => {} });
});

describe('bench:step options', () => {
  it('defaults to both models, batches 64 and 128, every backend', () => {
    expect(parseArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.steps).toBeGreaterThanOrEqual(20);
  });

  it('reads --json and the lists and counts', () => {
    const opts = parseArgs(['--json', '--steps', '30', '--models', 'lenet5', '--batches', '32,64', '--backends', 'wasm', '--cpu-steps', '2']);
    expect(opts).toMatchObject({ json: true, steps: 30, models: ['lenet5'], batches: [32, 64], backends: ['wasm'], cpuSteps: 2 });
  });

  it('refuses unknown options and bad values, naming them', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['--models', 'resnet'])).toThrow(/--models takes mlp, lenet5; got 'resnet'/);
    expect(() => parseArgs(['--steps', '0'])).toThrow(/--steps needs an integer >= 1, got '0'/);
    expect(() => parseArgs(['--batches'])).toThrow(/--batches needs a value/);
  });
});

describe('bench:step output', () => {
  const rows = [
    { model: 'mlp' as const, batch: 128, backend: 'wasm' as const, kernels: true, median_ms: 9.8, min_ms: 9.1, cpu_ms: 9.5, samples_per_second: 13061, steps: 25, forward_backward_ms: 7.5 },
    {
      model: 'lenet5' as const,
      batch: 64,
      backend: 'wasm' as const,
      kernels: false,
      median_ms: null,
      min_ms: null,
      cpu_ms: null,
      samples_per_second: null,
      steps: 25,
      forward_backward_ms: null,
      note: "Kernel 'Conv2DBackpropFilter' not registered",
    },
  ];

  it('--json: one object {rows: [...]} with exactly the documented fields', () => {
    const json = JSON.parse(JSON.stringify(toJson(rows)));
    expect(json).toEqual({
      rows: [
        { model: 'mlp', batch: 128, backend: 'wasm', kernels: true, median_ms: 9.8, samples_per_second: 13061 },
        { model: 'lenet5', batch: 64, backend: 'wasm', kernels: false, median_ms: null, samples_per_second: null },
      ],
    });
  });

  it('the table has a header and one line per row, failures named', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^model\s+batch\s+backend\s+kernels\s+steps\s+median ms/);
    expect(lines[1]).toMatch(/^mlp\s+128\s+wasm\s+on\s+25\s+9\.80\s+9\.10\s+9\.50\s+13061\s+7\.50$/);
    expect(lines[2]).toMatch(/fails: Kernel 'Conv2DBackpropFilter' not registered/);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('bench:step run', () => {
  it('times the real step on wasm, with and without the kernels, and reads back the backend it ran on', async () => {
    const opts: BenchOptions = { ...DEFAULT_OPTIONS, steps: 3, warmup: 1, models: ['mlp'], batches: [16], backends: ['wasm'] };
    const rows = await benchSteps(opts, () => {});
    expect(rows.map((r) => [r.backend, r.kernels])).toEqual([
      ['wasm', true],
      ['wasm', false],
    ]);
    for (const r of rows) {
      expect(r.median_ms).toBeGreaterThan(0);
      expect(r.samples_per_second).toBeCloseTo((16 * 1000) / r.median_ms!, -1);
      expect(r.forward_backward_ms).toBeGreaterThan(0);
      expect(r.cpu_ms).toBeGreaterThan(0);
    }
    expect(tf.getBackend()).toBe('wasm');
  }, 60_000);
});

describe('bench:step profile', () => {
  it('attributes a round’s CPU time to its kernels and restores the kernel registry', async () => {
    const trainer = await makeTrainer(benchConfig('mlp', 8, 'profiled'));
    try {
      const profile = profileRound(trainer, 2);
      const names = profile.kernels.map((k) => k.kernel);
      expect(names).toContain('BatchMatMul');
      expect(profile.kernels.find((k) => k.kernel === 'BatchMatMul')!.calls).toBe(8); // 3 forward, 3 dW, 2 dx
      expect(profile.kernelMs).toBeGreaterThan(0);
      expect(profile.kernelMs).toBeLessThanOrEqual(profile.roundMs * 1.05);
      for (const [name] of WASM_TRAINING_KERNELS) expect(isWasmTrainingKernelRegistered(name), name).toBe(true);
    } finally {
      trainer.dispose();
    }
  });
});

describe('TaskTrainer.round leaves nothing behind', () => {
  it.each(['mlp', 'lenet5'] as const)(
    '%s: no tensor and no wasm buffer per round, through warm-up, pruning and fine-tuning',
    async (arch) => {
      // 12 steps of 2 mini-batches: dense warm-up until step 2, pruning every 2 steps until 6, then
      // fine-tuning on the support, re-selected every 2 steps.
      const base = benchConfig(arch, 8);
      const config = runConfigSchema.parse({
        ...base,
        train: { ...base.train, steps: 12, local_batches: 2 },
        sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.5, prune_every: 2, reselect_every: 2 },
      });
      const trainer = await makeTrainer(config);
      try {
        const counts: [number, number][] = [];
        const phases = new Set<string>();
        for (let step = 0; step < 12; step++) {
          phases.add(trainer.phase);
          trainer.round(step);
          counts.push([tf.memory().numTensors, tf.backend().numDataIds()]);
        }
        expect([...phases].sort()).toEqual(['finetune', 'pruning', 'warmup']);
        // Only the first pruning may add tensors: the support's masks, one per shared tensor, kept after.
        const masks = buildModelSpec(config.model, [28, 28, 1]).shared.length;
        const growth = counts.slice(1).map(([t, b], i) => [t - counts[i][0], b - counts[i][1]]);
        expect(growth.filter(([t, b]) => t !== 0 || b !== 0)).toEqual([[masks, masks]]);
      } finally {
        trainer.dispose();
      }
    },
    60_000,
  );
});
