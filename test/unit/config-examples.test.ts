import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIG_NAME, builtinConfig } from '../../config/builtin.js';
import { ConfigError, loadRunConfig, parseRunConfig } from '../../config/load.js';

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist';

describe('example configs', () => {
  it('quick.json: a small MLP run on mnist-source tasks', () => {
    const cfg = loadRunConfig(example('quick.json'));
    expect(cfg.model).toEqual({ arch: 'mlp', hidden: [128] });
    expect(cfg.tasks.length).toBeGreaterThanOrEqual(2);
    expect(cfg.tasks.length).toBeLessThanOrEqual(3);
    for (const t of cfg.tasks) expect(t.dataset.source).toBe('mnist');
    expect(cfg.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(['digits', 'digits-rot90']));
    expect(cfg.train.batch_size).toBe(64);
    expect(cfg.train.steps).toBeLessThanOrEqual(500);
  });

  it('mnist-family.json: digits, rotated digits and Fashion-MNIST on LeNet-5', () => {
    const load = () => loadRunConfig(example('mnist-family.json'));
    if (!existsSync(FASHION)) {
      // Without Debian's data set the config must fail, and say how to get it.
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/apt-get install dataset-fashion-mnist/);
      return;
    }
    const cfg = load();
    expect(cfg.model).toEqual({ arch: 'lenet5' });
    expect(cfg.tasks.map((t) => [t.name, t.dataset.source])).toEqual([
      ['digits', 'mnist'],
      ['digits-rot90', 'mnist'],
      ['fashion', 'idx'],
    ]);
    expect(cfg.tasks[1].transforms).toEqual([{ type: 'rotate', degrees: 90 }]);
    expect(cfg.tasks[2].dataset).toEqual({ source: 'idx', path: FASHION });
    expect(cfg.sparsity.rho).toBe(0.02);
    expect(cfg.train.optimizer).toMatchObject({ type: 'adam', lr: 1e-3 });
    expect(cfg.seed).toBe(0);
  });
  it('mnist-ten.json: ten distinct tasks from digits and Fashion-MNIST on LeNet-5, rho 0.02 (bench:mtl)', () => {
    const text = readFileSync(example('mnist-ten.json'), 'utf8');
    const parse = () => parseRunConfig(JSON.parse(text), 'mnist-ten.json');
    if (!existsSync(FASHION)) {
      expect(parse).toThrow(/apt-get install dataset-fashion-mnist/);
      return;
    }
    const cfg = parse();
    expect(cfg.model).toEqual({ arch: 'lenet5' });
    expect(cfg.sparsity.rho).toBe(0.02);
    expect(cfg.tasks).toHaveLength(10);
    expect(new Set(cfg.tasks.map((t) => t.name)).size).toBe(10);
    // Distinct as tasks, not only by name: no two share a data set and transforms.
    expect(new Set(cfg.tasks.map((t) => JSON.stringify([t.dataset, t.transforms]))).size).toBe(10);
    expect(cfg.tasks.filter((t) => t.dataset.source === 'mnist')).toHaveLength(7);
    expect(cfg.tasks.filter((t) => t.dataset.source === 'idx')).toHaveLength(3);
    expect(cfg.aggregation).toEqual({ method: 'weighted_sum' });
  });

  it('mnist-family-int4.json: mnist-family ending in an int4 bundle, its last fifth of steps against int4 W', () => {
    const raw = (name: string) => JSON.parse(readFileSync(example(name), 'utf8')) as { train: Record<string, unknown> } & Record<string, unknown>;
    const family = raw('mnist-family.json');
    const int4 = raw('mnist-family-int4.json');
    // The same run as mnist-family.json but for what the quantised bundle needs (and no separate models).
    expect({ ...int4, train: { ...int4.train, baseline: undefined, quantize_aware_steps: undefined }, export: undefined }).toEqual({
      ...family,
      train: { ...family.train, baseline: undefined, quantize_aware_steps: undefined },
      export: undefined,
    });
    if (!existsSync(FASHION)) return;
    const cfg = loadRunConfig(example('mnist-family-int4.json'));
    expect(cfg.export).toEqual({ quantize: 'int4' });
    expect(cfg.train).toMatchObject({ steps: 6000, baseline: false, quantize_aware_steps: 1200 });
  });
});

describe('builtin config', () => {
  it('is the mnist trio with defaults filled in', () => {
    expect(BUILTIN_CONFIG_NAME).toBe('builtin:mnist-trio');
    const cfg = builtinConfig();
    expect(cfg.model).toEqual({ arch: 'mlp', hidden: [256, 256] });
    expect(cfg.tasks.map((t) => t.name)).toEqual(['digits', 'digits-rot90', 'parity']);
    for (const t of cfg.tasks) expect(t.dataset).toEqual({ source: 'mnist', test: 2000 });
    expect(cfg.tasks[1].transforms).toEqual([{ type: 'rotate', degrees: 90 }]);
    expect(cfg.tasks[2].transforms).toEqual([{ type: 'label_map', map: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] }]);
    expect(cfg.train).toMatchObject({ steps: 1500, batch_size: 64, lr_schedule: 'cosine', baseline: true });
    expect(cfg.train.optimizer).toEqual({ type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    expect(cfg.sparsity).toMatchObject({ rho: 0.02, warmup: 0.1, prune_end: 0.5 });
  });

  it('returns an independent copy each call', () => {
    const a = builtinConfig();
    a.tasks[0].name = 'changed';
    expect(builtinConfig().tasks[0].name).toBe('digits');
  });
});
