// bench/step.ts: its options, its output (the table and the --json object), a real short run of the
// training step on the wasm backend; and the step it times, TaskTrainer.round, leaves no tensor and no
// wasm buffer behind, through every phase of the sparsity schedule.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  benchConfig,
  benchSteps,
  DEFAULT_OPTIONS,
  formatForwardTable,
  formatTable,
  makeTrainer,
  median,
  parseArgs,
  profileRound,
  referenceLogits,
  toJson,
  type BenchOptions,
  type Measured,
} from '../../bench/step.js';
import { runConfigSchema } from '../../config/schema.js';
import { initBackend } from '../../model/backend.js';
import { logits } from '../../model/forward.js';
import { isWasmTrainingKernelRegistered, WASM_TRAINING_KERNELS } from '../../model/kernels/index.js';
import { buildModelSpec, headSpec, initTensors } from '../../model/spec.js';
import type { TaskTrainer } from '../../worker/trainer.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await initBackend('wasm', { log: () => {} });
});

describe('bench:step options', () => {
  it('defaults to every model, batches 64 and 128, every backend', () => {
    expect(parseArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.steps).toBeGreaterThanOrEqual(20);
  });

  it('reads --json and the lists and counts', () => {
    const opts = parseArgs(['--json', '--steps', '30', '--models', 'lenet5,resnet', '--batches', '32,64', '--backends', 'wasm', '--cpu-steps', '2']);
    expect(opts).toMatchObject({ json: true, steps: 30, models: ['lenet5', 'resnet'], batches: [32, 64], backends: ['wasm'], cpuSteps: 2 });
    expect(DEFAULT_OPTIONS.models).toEqual(['mlp', 'lenet5', 'resnet']);
    expect(DEFAULT_OPTIONS.cpuModels).toEqual(['mlp', 'lenet5']);
    expect(parseArgs(['--cpu-models', 'resnet']).cpuModels).toEqual(['resnet']);
  });

  it('refuses unknown options and bad values, naming them', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['--models', 'vgg'])).toThrow(/--models takes mlp, lenet5, resnet; got 'vgg'/);
    expect(() => parseArgs(['--steps', '0'])).toThrow(/--steps needs an integer >= 1, got '0'/);
    expect(() => parseArgs(['--batches'])).toThrow(/--batches needs a value/);
  });
});

describe('bench:step output', () => {
  const fb = (forward: 'graph' | 'functional', median_ms: number | null, ratio: number | null, cpuRatio: number | null) => ({
    model: 'mlp' as const,
    batch: 128,
    backend: 'wasm' as const,
    kernels: true,
    forward,
    median_ms,
    min_ms: median_ms === null ? null : median_ms - 0.5,
    cpu_ms: median_ms === null ? null : median_ms - 0.25,
    samples_per_second: median_ms === null ? null : Math.round(128_000 / median_ms),
    graph_over_functional: ratio,
    graph_over_functional_cpu: cpuRatio,
  });
  const rows: Measured[] = [
    {
      model: 'mlp',
      batch: 128,
      backend: 'wasm',
      kernels: true,
      forward: 'graph',
      median_ms: 9.8,
      min_ms: 9.1,
      cpu_ms: 9.5,
      samples_per_second: 13061,
      steps: 25,
      forward_backward_ms: 7.5,
      forward_backward: [fb('graph', 7.5, 0.987, 0.994), fb('functional', 7.6, null, null)],
    },
    {
      model: 'lenet5',
      batch: 64,
      backend: 'wasm',
      kernels: false,
      forward: 'graph',
      median_ms: null,
      min_ms: null,
      cpu_ms: null,
      samples_per_second: null,
      steps: 25,
      forward_backward_ms: null,
      forward_backward: [{ ...fb('graph', null, null, null), model: 'lenet5', batch: 64, kernels: false }],
      note: "Kernel 'Conv2DBackpropFilter' not registered",
    },
  ];

  it('--json: one object {rows: [...], forward_backward: [...]} with exactly the documented fields', () => {
    const json = JSON.parse(JSON.stringify(toJson(rows)));
    expect(json).toEqual({
      rows: [
        { model: 'mlp', batch: 128, backend: 'wasm', kernels: true, forward: 'graph', median_ms: 9.8, samples_per_second: 13061 },
        { model: 'lenet5', batch: 64, backend: 'wasm', kernels: false, forward: 'graph', median_ms: null, samples_per_second: null },
      ],
      forward_backward: [
        {
          model: 'mlp',
          batch: 128,
          backend: 'wasm',
          kernels: true,
          forward: 'graph',
          median_ms: 7.5,
          min_ms: 7,
          cpu_ms: 7.25,
          samples_per_second: 17067,
          graph_over_functional: 0.987,
          graph_over_functional_cpu: 0.994,
        },
        {
          model: 'mlp',
          batch: 128,
          backend: 'wasm',
          kernels: true,
          forward: 'functional',
          median_ms: 7.6,
          min_ms: 7.1,
          cpu_ms: 7.35,
          samples_per_second: 16842,
          graph_over_functional: null,
          graph_over_functional_cpu: null,
        },
        {
          model: 'lenet5',
          batch: 64,
          backend: 'wasm',
          kernels: false,
          forward: 'graph',
          median_ms: null,
          min_ms: null,
          cpu_ms: null,
          samples_per_second: null,
          graph_over_functional: null,
          graph_over_functional_cpu: null,
        },
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

  it('the forward table has one line per path, the ratio on the graph line', () => {
    const lines = formatForwardTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^model\s+batch\s+backend\s+kernels\s+forward\s+steps\s+median ms\s+min ms\s+cpu ms\s+samples\/s\s+graph\/functional\s+cpu$/);
    expect(lines[1]).toMatch(/^mlp\s+128\s+wasm\s+on\s+graph\s+25\s+7\.50\s+7\.00\s+7\.25\s+17067\s+0\.987\s+0\.994$/);
    expect(lines[2]).toMatch(/^mlp\s+128\s+wasm\s+on\s+functional\s+25\s+7\.60\s+7\.10\s+7\.35\s+16842\s+-\s+-$/);
    expect(lines[3]).toMatch(/^lenet5\s+64\s+wasm\s+off\s+graph\s+25\s+fails: Kernel 'Conv2DBackpropFilter' not registered/);
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
      // The bare forward + backward by the graph and by the functional reference, the ratio on the graph's.
      expect(r.forward_backward.map((f) => f.forward)).toEqual(['graph', 'functional']);
      expect(r.forward_backward[0].median_ms).toBe(r.forward_backward_ms);
      for (const f of r.forward_backward) expect(f.median_ms).toBeGreaterThan(0);
      expect(r.forward_backward[0].graph_over_functional).toBeGreaterThan(0);
      expect(r.forward_backward[0].graph_over_functional_cpu).toBeGreaterThan(0);
      expect(r.forward_backward[1].graph_over_functional).toBeNull();
    }
    expect(tf.getBackend()).toBe('wasm');
  }, 60_000);

  it('runs on the cpu backend only the models of --cpu-models', async () => {
    const lines: string[] = [];
    const rows = await benchSteps({ ...DEFAULT_OPTIONS, models: ['resnet'], batches: [2], backends: ['cpu'] }, (line) => lines.push(line));
    expect(rows).toEqual([]);
    expect(lines).toEqual(['bench:step: cpu runs none of the models (--cpu-models mlp,lenet5)']);
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('bench:step models', () => {
  it.each(['mlp', 'lenet5'] as const)('%s: the functional reference computes the graph’s logits from the same weights', async (arch) => {
    const config = benchConfig(arch, 4);
    const spec = buildModelSpec(config.model, [28, 28, 1]);
    const heads = headSpec(spec, 10);
    const shared = initTensors(spec.shared, 1, 'shared').map((v, i) => tf.tensor(v, spec.shared[i].shape));
    const head = initTensors(heads, 1, 'head').map((v, i) => tf.tensor(v, heads[i].shape));
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 7);
    try {
      const graph = tf.tidy(() => logits(spec, { shared, head, stats: [] }, x, { training: true }).arraySync());
      const functional = tf.tidy(() => referenceLogits(arch, spec, shared, head, x).arraySync());
      expect(functional.flat().length).toBe(40);
      functional.flat().forEach((v, i) => expect(v).toBeCloseTo(graph.flat()[i], 4));
    } finally {
      [...shared, ...head, x].forEach((t) => t.dispose());
    }
  });

  it('resnet: a residual layer list with BatchNormalization, a skip Add and global pooling', () => {
    const spec = buildModelSpec(benchConfig('resnet', 8).model, [28, 28, 1]);
    const classes = spec.layers.map((l) => l.className);
    expect(classes).toEqual(expect.arrayContaining(['Conv2D', 'BatchNormalization', 'Add', 'GlobalAveragePooling2D', 'Dense']));
    expect(spec.layers.find((l) => l.className === 'Add')!.inputs).toEqual(['block_conv2_bn', 'stem_relu']);
    expect(spec.stats.length).toBe(8); // moving mean and variance of 4 BatchNormalization layers
    expect(spec.featureSize).toBe(32);
  });
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

/**
 * 12 steps of `arch` (dense warm-up until step 2, pruning every 2 steps until 6, then fine-tuning on the
 * support, re-selected every 2 steps), each by `step`: no tensor and no wasm buffer may stay behind, but
 * for the support's masks, one per shared tensor, made by the first pruning and kept after.
 */
async function expectNothingLeft(arch: 'mlp' | 'lenet5' | 'resnet', localBatches: number, step: (trainer: TaskTrainer, s: number) => void): Promise<void> {
  const base = benchConfig(arch, 8);
  const config = runConfigSchema.parse({
    ...base,
    train: { ...base.train, steps: 12, local_batches: localBatches },
    sparsity: { rho: 0.05, warmup: 0.2, prune_end: 0.5, prune_every: 2, reselect_every: 2 },
  });
  const trainer = await makeTrainer(config);
  try {
    const counts: [number, number][] = [];
    const phases = new Set<string>();
    for (let s = 0; s < 12; s++) {
      phases.add(trainer.phase);
      step(trainer, s);
      counts.push([tf.memory().numTensors, tf.backend().numDataIds()]);
    }
    expect([...phases].sort()).toEqual(['finetune', 'pruning', 'warmup']);
    const masks = buildModelSpec(config.model, [28, 28, 1]).shared.length;
    const growth = counts.slice(1).map(([t, b], i) => [t - counts[i][0], b - counts[i][1]]);
    expect(growth.filter(([t, b]) => t !== 0 || b !== 0)).toEqual([[masks, masks]]);
  } finally {
    trainer.dispose();
  }
}

describe('TaskTrainer.round leaves nothing behind', () => {
  it.each(['mlp', 'lenet5', 'resnet'] as const)(
    '%s: no tensor and no wasm buffer per round (of 2 mini-batches), through warm-up, pruning and fine-tuning',
    (arch) => expectNothingLeft(arch, 2, (trainer, s) => trainer.round(s)),
    60_000,
  );

  it.each(['mlp', 'lenet5'] as const)(
    '%s as a replica: no tensor and no wasm buffer per round of replicaRound and applyReplicaRound',
    (arch) =>
      expectNothingLeft(arch, 1, (trainer, s) => {
        const r = trainer.replicaRound(s, 1, 2);
        trainer.applyReplicaRound(s, r.vector, 2);
      }),
    60_000,
  );
});
