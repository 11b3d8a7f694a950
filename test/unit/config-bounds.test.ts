// Config values that pass a plain type check but cannot run: timer delays past Node's limit, arrays past
// what V8 allocates, a quorum no round can reach. Each is refused at load, naming the field and the limit;
// the limit itself is accepted.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadRunConfig, parseRunConfig } from '../../config/load.js';
import { MAX_ARRAY_ENTRIES, MAX_HEARTBEAT_SECONDS, MAX_ROUND_TIMEOUT_SECONDS, MAX_TIMER_MS } from '../../config/schema.js';
import { heartbeatMs, lapseMs, roundTimeoutMs } from '../../config/settings.js';
import { checkAllocatable, ModelLimitError } from '../../model/limits.js';
import { buildModelSpec } from '../../model/spec.js';
import { taskInputShape } from '../../data/shapes.js';

const minimal = () => ({
  model: { arch: 'mlp' },
  tasks: [
    { name: 'a', dataset: { source: 'mnist' } },
    { name: 'b', dataset: { source: 'mnist' } },
  ],
});

function problems(value: unknown): string[] {
  try {
    parseRunConfig(value, 'run.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function limitError(fn: () => unknown): ModelLimitError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLimitError);
    return err as ModelLimitError;
  }
  throw new Error('expected a ModelLimitError, nothing was thrown');
}

describe('timer bounds', () => {
  it('the limits are the largest whole seconds whose delays Node takes', () => {
    expect(MAX_ROUND_TIMEOUT_SECONDS).toBe(2147483);
    expect(MAX_HEARTBEAT_SECONDS).toBe(715827);
  });

  it('refuses a round timeout past 2^31-1 ms, naming the field and the limit', () => {
    expect(problems({ ...minimal(), distributed: { round_timeout_seconds: 1e7 } })).toEqual([
      "distributed.round_timeout_seconds: 10000000 is too large: at most 2147483 s; the deadline is a timer, and Node's timers take at most 2^31-1 ms (a longer delay fires after 1 ms)",
    ]);
  });

  it('refuses a heartbeat whose lapse is past 2^31-1 ms, or shorter than 1 ms', () => {
    const [big] = problems({ ...minimal(), distributed: { heartbeat_seconds: 1e7 } });
    expect(big).toMatch(/^distributed\.heartbeat_seconds: 10000000 is too large: at most 715827 s; a worker lapses after 3 heartbeats.*2\^31-1 ms/);
    expect(problems({ ...minimal(), distributed: { heartbeat_seconds: MAX_HEARTBEAT_SECONDS + 1 } })).toHaveLength(1);
    const [small] = problems({ ...minimal(), distributed: { heartbeat_seconds: 0.0001 } });
    expect(small).toMatch(/^distributed\.heartbeat_seconds: 0\.0001 is too small: at least 0\.001 s/);
  });

  it('accepts the boundary values, and every delay derived from them is a valid timer delay', () => {
    const cfg = parseRunConfig({ ...minimal(), distributed: { heartbeat_seconds: MAX_HEARTBEAT_SECONDS, round_timeout_seconds: MAX_ROUND_TIMEOUT_SECONDS } }, 'run.json');
    expect(heartbeatMs(cfg.distributed)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(lapseMs(cfg.distributed)).toBeLessThanOrEqual(MAX_TIMER_MS);
    // The round driver arms its timer 5 ms after the deadline.
    expect(roundTimeoutMs(cfg.distributed) + 5).toBeLessThanOrEqual(MAX_TIMER_MS);
    const fast = parseRunConfig({ ...minimal(), distributed: { heartbeat_seconds: 0.001 } }, 'run.json');
    expect(heartbeatMs(fast.distributed)).toBe(1);
  });
});

describe('size bounds at load', () => {
  it('refuses a batch_size or hidden layer past one array, naming the field and the limit', () => {
    expect(problems({ ...minimal(), train: { batch_size: 2 ** 31 } })).toEqual([
      'train.batch_size: 2147483648 is too large: at most 2^30 = 1073741824 entries (4 GiB as float32); a batch is one array of batch_size x (input entries) values, and one array holds at most that',
    ]);
    const [hidden] = problems({ ...minimal(), model: { arch: 'mlp', hidden: [64, 2 ** 31] } });
    expect(hidden).toMatch(/^model\.hidden\[1\]: 2147483648 is too large: at most 2\^30 = 1073741824 entries/);
  });

  it('accepts batch_size and hidden units of exactly 2^30 at load (the products are checked against the spec)', () => {
    const cfg = parseRunConfig({ ...minimal(), model: { arch: 'mlp', hidden: [MAX_ARRAY_ENTRIES] }, train: { batch_size: MAX_ARRAY_ENTRIES } }, 'run.json');
    expect(cfg.train.batch_size).toBe(MAX_ARRAY_ENTRIES);
  });

  it('refuses non-finite numbers (1e309 parses as Infinity)', () => {
    const [lr] = problems(JSON.parse('{"model":{"arch":"mlp"},"tasks":[{"name":"a","dataset":{"source":"mnist"}}],"train":{"optimizer":{"type":"sgd","lr":1e309}}}'));
    expect(lr).toMatch(/^train\.optimizer\.lr: /);
  });

  it('refuses a chunk_bytes below 1 KiB or above 64 MiB, and accepts both ends', () => {
    expect(problems({ ...minimal(), distributed: { chunk_bytes: 1 } })).toEqual([
      'distributed.chunk_bytes: 1 is too small: at least 1024 (1 KiB); the tensor streams cut tensors into pieces of at least 1 KiB',
    ]);
    expect(problems({ ...minimal(), distributed: { chunk_bytes: 64 * 1024 * 1024 + 1 } })[0]).toMatch(/^distributed\.chunk_bytes: 67108865 is too large: at most 67108864 \(64 MiB\)/);
    for (const chunk_bytes of [1024, 64 * 1024 * 1024]) expect(parseRunConfig({ ...minimal(), distributed: { chunk_bytes } }, 'run.json').distributed.chunk_bytes).toBe(chunk_bytes);
  });

  it("refuses a synthetic data set whose arrays (examples x features, the teacher's layers) pass one array", () => {
    const synthetic = (dataset: object) => ({ model: { arch: 'mlp' }, tasks: [{ name: 's', dataset: { source: 'synthetic', ...dataset } }] });
    expect(problems(synthetic({ train: 1e9 }))).toEqual([
      'tasks[0].dataset.train: train x features = 1000000000 x 64 = 6.40e+10 entries for the training inputs, more than one array holds (2^30 = 1073741824 entries (4 GiB as float32)); make train or features smaller',
    ]);
    expect(problems(synthetic({ features: 2 ** 15, hidden: 2 ** 15 + 1, train: 16, test: 16 }))).toEqual([
      "tasks[0].dataset.features: features x hidden = 32768 x 32769 = 1.07e+9 entries for the teacher's hidden layer, more than one array holds (2^30 = 1073741824 entries (4 GiB as float32)); make features or hidden smaller",
    ]);
    expect(parseRunConfig(synthetic({ features: 2 ** 15, hidden: 2 ** 15, train: 16, test: 16 }), 'run.json').tasks[0].dataset).toMatchObject({ features: 2 ** 15 });
  });

  it('refuses a label_map whose head would pass one array', () => {
    const [map] = problems({ model: { arch: 'mlp' }, tasks: [{ name: 'a', dataset: { source: 'mnist' }, transforms: [{ type: 'label_map', map: [0, 2 ** 30] }] }] });
    expect(map).toMatch(/^tasks\[0\]\.transforms\[0\]\.map\[1\]: 1073741824 is too large: at most 1073741823/);
  });
});

describe('quorum', () => {
  it('refuses a quorum above the number of tasks, naming both', () => {
    expect(problems({ ...minimal(), distributed: { quorum: 99 } })).toEqual([
      'distributed.quorum: 99 is more than the 2 tasks of this run, so no round could close at its deadline; use at most 2, or leave it out for all tasks',
    ]);
  });

  it('accepts a quorum of every task', () => {
    expect(parseRunConfig({ ...minimal(), distributed: { quorum: 2 } }, 'run.json').distributed.quorum).toBe(2);
  });
});

describe('model limits (model/limits.ts)', () => {
  const config = (batch_size: number, hidden: number[] = [256]) => parseRunConfig({ ...minimal(), model: { arch: 'mlp', hidden }, train: { batch_size } }, 'run.json');
  const GiB = 2 ** 30;

  it('buildModelSpec refuses a hidden layer whose kernel passes one tensor, showing the arithmetic', () => {
    const err = limitError(() => buildModelSpec({ arch: 'mlp', hidden: [1e9] }, [28, 28, 1]));
    expect(err.problems).toEqual([
      'model.hidden[0] = 1000000000: hidden layer 1 takes the 784 input entries of [28, 28, 1], so its kernel is 784 x 1000000000 = 7.84e+11 parameters, 2.9 TiB as float32; one tensor holds at most 2^30 = 1073741824 entries (4 GiB as float32); use at most 1369568 units',
    ]);
    expect(limitError(() => buildModelSpec({ arch: 'mlp', hidden: [64, 2 ** 25] }, [8])).problems[0]).toMatch(
      /^model\.hidden\[1\] = 33554432: hidden layer 2 takes the 64 units of model\.hidden\[0\], so its kernel is 64 x 33554432/,
    );
  });

  it('accepts a hidden layer at exactly the limit', () => {
    const units = Math.floor(MAX_ARRAY_ENTRIES / 784);
    expect(buildModelSpec({ arch: 'mlp', hidden: [units] }, [28, 28, 1]).shared[0].size).toBeLessThanOrEqual(MAX_ARRAY_ENTRIES);
    expect(() => buildModelSpec({ arch: 'mlp', hidden: [units + 1] }, [28, 28, 1])).toThrow(ModelLimitError);
  });

  it('lenet5 on images too large for its dense layer names the inputs', () => {
    expect(limitError(() => buildModelSpec({ arch: 'lenet5' }, [20000, 20000, 1])).problems[0]).toMatch(
      /^model \(lenet5\) on inputs \[20000, 20000, 1\]: tensor dense1\/kernel is 399680064 x 120 = 4\.80e\+10 parameters.*use smaller inputs or a smaller model$/,
    );
  });

  it('refuses a batch whose input passes one tensor, with the largest batch that fits', () => {
    const cfg = config(1e9);
    const spec = buildModelSpec(cfg.model, [28, 28, 1]);
    expect(limitError(() => checkAllocatable(spec, cfg, { memoryBytes: 64 * GiB })).problems).toEqual([
      "train.batch_size = 1000000000: a batch's input [28, 28, 1] is 1000000000 x 784 = 7.84e+11 entries, 2.9 TiB as float32; one tensor holds at most 2^30 = 1073741824 entries (4 GiB as float32); use a batch_size of at most 1369568",
    ]);
    expect(() => checkAllocatable(spec, config(1369568), { memoryBytes: 64 * GiB })).not.toThrow();
  });

  it("counts lenet5's widest activation (conv1's output, 6 channels per pixel), not just the input", () => {
    const cfg = parseRunConfig({ ...minimal(), model: { arch: 'lenet5' }, train: { batch_size: 300_000 } }, 'run.json');
    const spec = buildModelSpec(cfg.model, [28, 28, 1]);
    expect(limitError(() => checkAllocatable(spec, cfg, { memoryBytes: 64 * GiB })).problems[0]).toMatch(
      /^train\.batch_size = 300000: a batch's widest activation in the lenet5 model is 300000 x 4704 = 1\.41e\+9 entries.*use a batch_size of at most 228261$/,
    );
  });

  it('refuses shared parameters (W and a gradient) beyond the memory, showing the arithmetic', () => {
    const cfg = config(64, [16384, 16384]);
    const spec = buildModelSpec(cfg.model, [28, 28, 1]);
    const [problem] = limitError(() => checkAllocatable(spec, cfg, { memoryBytes: 2 * GiB })).problems;
    expect(problem).toBe(
      'model (mlp) on inputs [28, 28, 1]: its 2.81e+8 shared parameters need at least 2.81e+8 x 4 bytes x 2 (W and a gradient) = 2.1 GiB, more than the 2.0 GiB of memory here; use a smaller model',
    );
    expect(() => checkAllocatable(spec, cfg, { memoryBytes: 3 * GiB })).not.toThrow();
  });

  it('refuses a task head whose classes (from a label_map) pass one tensor', () => {
    const cfg = parseRunConfig(
      { model: { arch: 'mlp', hidden: [256] }, tasks: [{ name: 'wide', dataset: { source: 'mnist' }, transforms: [{ type: 'label_map', map: [0, 2 ** 23] }] }] },
      'run.json',
    );
    const spec = buildModelSpec(cfg.model, [28, 28, 1]);
    expect(limitError(() => checkAllocatable(spec, cfg, { memoryBytes: 64 * GiB })).problems).toEqual([
      "tasks[0] (wide): its head's kernel is 256 features x 8388609 classes = 2.15e+9 parameters, 8.0 GiB as float32; one tensor holds at most 2^30 = 1073741824 entries (4 GiB as float32); use fewer classes",
    ]);
  });

  it('passes the default config and every example and fixture config', () => {
    const cfg = config(64);
    expect(() => checkAllocatable(buildModelSpec(cfg.model, [28, 28, 1]), cfg)).not.toThrow();
    const dirs = ['../../examples/', '../fixtures/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => dir + f),
    );
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const loaded = loadRunConfig(file, { checkDatasets: false });
      expect(() => checkAllocatable(buildModelSpec(loaded.model, taskInputShape(loaded.tasks[0])), loaded)).not.toThrow();
    }
  });
});
