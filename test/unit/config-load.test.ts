import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, jsonErrorOffset, loadRunConfig, parseRunConfig } from '../../config/load.js';

const minimal = () => ({ model: { arch: 'mlp' }, tasks: [{ name: 'digits', dataset: { source: 'mnist' } }] });

/** The ConfigError `fn` throws (fails the test if it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseRunConfig', () => {
  it.each([
    [{ arch: 'mlp', hiden: [32] }, 'model.hiden: unknown key (did you mean "hidden"?)'],
    [{ layers: [{ type: 'Dense', units: 3 }], haed: 'x' }, 'model.haed: unknown key (did you mean "head"?)'],
    [{ from: 'a.json', merge: 'avg' }, 'model.merge: Invalid option: expected one of "mean"|"median"'],
    [{}, 'model: give one of "arch", "layers", "from"'],
  ])('names what is wrong with a model section in the form it is closest to: %j', (model, problem) => {
    expect(configError(() => parseRunConfig({ ...minimal(), model }, 'run.json')).problems).toEqual([problem]);
  });

  it('fills in every default', () => {
    const cfg = parseRunConfig(minimal(), 'test');
    expect(cfg.seed).toBe(0);
    expect(cfg.model).toEqual({ arch: 'mlp', hidden: [256, 256] });
    expect(cfg.tasks[0]).toEqual({ name: 'digits', dataset: { source: 'mnist', test: 2000 }, transforms: [], weight: 1, replicas: 1 });
    expect(cfg.train).toEqual({
      steps: 1000,
      batch_size: 64,
      local_batches: 1,
      optimizer: { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      lr_schedule: 'cosine',
      baseline: true,
      eval_every: 0,
      quantize_aware_steps: 0,
    });
    expect(cfg.sparsity).toEqual({ rho: 0.02, warmup: 0.1, prune_end: 0.5, prune_every: 10, l1: 0, reselect_every: 0, allocation: 'global', floor: 16 });
    expect(cfg.export).toEqual({ quantize: 'none' });
  });

  it('fills defaults inside a partly given section and keeps what was given', () => {
    const cfg = parseRunConfig({ ...minimal(), train: { steps: 7, optimizer: { type: 'sgd', lr: 0.1 } } }, 'test');
    expect(cfg.train.steps).toBe(7);
    expect(cfg.train.batch_size).toBe(64);
    expect(cfg.train.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9 });
  });

  it('rejects unknown keys at any depth, naming the key and suggesting the likely one', () => {
    const err = configError(() => parseRunConfig({ ...minimal(), modle: 1, train: { batchsize: 32 }, tasks: [{ name: 'a', dataset: { source: 'mnist', tset: 5 } }] }, 'run.json'));
    expect(err.problems).toContain('modle: unknown key (did you mean "model"?)');
    expect(err.problems).toContain('train.batchsize: unknown key (did you mean "batch_size"?)');
    expect(err.problems).toContain('tasks[0].dataset.tset: unknown key (did you mean "test"?)');
    expect(err.problems).toHaveLength(3);
  });

  it('lists the allowed keys when no known key is close', () => {
    const err = configError(() => parseRunConfig({ ...minimal(), sparsity: { zzzzzz: 1 } }, 'run.json'));
    expect(err.problems).toEqual(['sparsity.zzzzzz: unknown key (allowed: rho, warmup, prune_end, prune_every, l1, reselect_every, allocation, floor)']);
  });

  it('rejects wrong types with the path of the value', () => {
    const err = configError(() => parseRunConfig({ ...minimal(), seed: 'zero', train: { baseline: 'yes' } }, 'run.json'));
    expect(err.problems).toEqual(['seed: Invalid input: expected number, received string', 'train.baseline: Invalid input: expected boolean, received string']);
  });

  it('rejects a non-object config', () => {
    const err = configError(() => parseRunConfig([1, 2], 'run.json'));
    expect(err.problems).toEqual(['(root): Invalid input: expected object, received array']);
  });

  it('names the allowed values of an unknown or missing tag', () => {
    const err = configError(() =>
      parseRunConfig(
        {
          model: { arch: 'resnet' },
          tasks: [
            { name: 'a', dataset: {} },
            { name: 'b', dataset: { source: 'mnist' }, transforms: [{ type: 'rotate', degrees: 45 }] },
          ],
        },
        'run.json',
      ),
    );
    expect(err.problems).toEqual([
      'model.arch: unknown value "resnet"; expected one of "mlp", "lenet5"',
      'tasks[0].dataset.source: missing; expected one of "mnist", "idx", "synthetic", "csv", "images", "npy", "module"',
      'tasks[1].transforms[0].degrees: got 45; expected one of 90, 180, 270',
    ]);
  });

  it.each([0, 1.5, -0.1])('rejects density rho = %s', (rho) => {
    const err = configError(() => parseRunConfig({ ...minimal(), sparsity: { rho } }, 'run.json'));
    expect(err.problems).toEqual(['sparsity.rho: density must be in (0, 1]']);
  });

  it('accepts density rho = 1', () => {
    expect(parseRunConfig({ ...minimal(), sparsity: { rho: 1 } }, 'run.json').sparsity.rho).toBe(1);
  });

  it('rejects batch size 0 and a fractional batch size', () => {
    expect(configError(() => parseRunConfig({ ...minimal(), train: { batch_size: 0 } }, 'run.json')).problems).toEqual(['train.batch_size: Too small: expected number to be >0']);
    expect(configError(() => parseRunConfig({ ...minimal(), train: { batch_size: 2.5 } }, 'run.json')).problems).toEqual(['train.batch_size: Invalid input: expected int, received number']);
  });

  it('reports duplicate task names together with an unrelated type error, in one error', () => {
    const value = {
      model: { arch: 'mlp' },
      tasks: [
        { name: 'a', dataset: { source: 'mnist' } },
        { name: 'a', dataset: { source: 'mnist' } },
      ],
      train: { steps: 'many' },
    };
    const err = configError(() => parseRunConfig(value, 'run.json'));
    expect(err.problems).toEqual(['train.steps: Invalid input: expected number, received string', 'tasks[1].name: duplicate task name "a"']);
    expect(err.message).toBe('run.json: invalid run config:\n' + '  - train.steps: Invalid input: expected number, received string\n' + '  - tasks[1].name: duplicate task name "a"');
    expect(err.source).toBe('run.json');
  });

  it('reports a duplicate name once when it is the only problem', () => {
    const value = { ...minimal(), tasks: [...minimal().tasks, ...minimal().tasks, ...minimal().tasks] };
    expect(configError(() => parseRunConfig(value, 'run.json')).problems).toEqual(['tasks[1].name: duplicate task name "digits"', 'tasks[2].name: duplicate task name "digits"']);
  });

  it('reports a pruning window that ends before the warm-up even when other fields fail', () => {
    const err = configError(() => parseRunConfig({ ...minimal(), seed: -1, sparsity: { warmup: 0.6 } }, 'run.json'));
    expect(err.problems).toEqual(['seed: Too small: expected number to be >=0', 'sparsity.prune_end: must not be before sparsity.warmup']);
  });

  it('does not let a caller-held input be changed through the result', () => {
    const input = minimal();
    const cfg = parseRunConfig(input, 'test');
    cfg.tasks[0].name = 'changed';
    expect(input.tasks[0].name).toBe('digits');
  });
});

describe('loadRunConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hybrid-config-'));

  it('loads a valid file', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(minimal()));
    expect(loadRunConfig(file).tasks.map((t) => t.name)).toEqual(['digits']);
  });

  it('names the file and the position of a JSON syntax error', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "seed": 0,\n  "model" {}\n}');
    const err = configError(() => loadRunConfig(file));
    expect(err.source).toBe(file);
    expect(err.message.startsWith(`${file}: run config is not valid JSON:\n  - line 3, column 11`)).toBe(true);
  });

  it('names the file when it ends too early', () => {
    const file = join(dir, 'short.json');
    writeFileSync(file, '{\n  "seed": ');
    const err = configError(() => loadRunConfig(file));
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run config is not valid JSON:\n  - line 2, column 11`));
  });

  it('names a file that cannot be read', () => {
    const file = join(dir, 'absent.json');
    const err = configError(() => loadRunConfig(file));
    expect(err.message).toContain(`${file}: cannot read run config`);
    expect(err.problems[0]).toContain('ENOENT');
  });

  it('names the file in validation errors', () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ ...minimal(), sparsity: { rho: 0 } }));
    expect(configError(() => loadRunConfig(file)).message).toBe(`${file}: invalid run config:\n  - sparsity.rho: density must be in (0, 1]`);
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": [1, 2.5e3, -0, true, null, "x\\u00e9\\n"]}', undefined],
    ['{"a": 01}', 7],
    ['{"a": tru}', 9],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a": 1} x', 9],
    ['', 0],
  ])('finds where %j stops being JSON', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
    if (offset === undefined) expect(() => JSON.parse(text)).not.toThrow();
    else expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });
});
