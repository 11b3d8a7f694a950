import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadRunConfig, parseRunConfig } from '../../config/load.js';
import { taskSchema, type TaskConfig } from '../../config/schema.js';
import { DataError, type TaskData } from '../../data/dataset.js';
import { applyStandardize } from '../../data/preprocess.js';
import { taskInputShape } from '../../data/shapes.js';
import { holdOut } from '../../data/split.js';
import { loadTaskData } from '../../data/tasks.js';
import { errorOf, someDigits, tempDir, write, type Images } from '../support/user-data.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const dir = tempDir('csv');
const N = 300;
let digits: Images;
let digitsCsv: string;
/** Raw feature values of row r (before standardisation): the 28 x 28 pixels' middle row, 28 columns. */
const raw = (r: number) => Array.from(digits.x.subarray(r * 784 + 14 * 28, r * 784 + 15 * 28));
const featureNames = Array.from({ length: 28 }, (_, j) => `p${j}`);

function csvText(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

beforeAll(async () => {
  digits = await someDigits(N);
  // The label column sits between features, and an id column is left out by `features`.
  const rows = Array.from({ length: N }, (_, r) => [`id${r}`, ...raw(r).slice(0, 10), digits.y[r], ...raw(r).slice(10)]);
  digitsCsv = write(join(dir, 'digits.csv'), csvText(['id', ...featureNames.slice(0, 10), 'digit', ...featureNames.slice(10)], rows));
});

async function load(dataset: Record<string, unknown>, seed = 0): Promise<TaskData> {
  return loadTaskData(task({ name: 't', dataset: { source: 'csv', ...dataset } }), seed);
}

describe('csv source', () => {
  it('loads real digit rows, holds out a seeded fraction, standardises with training statistics only', async () => {
    // Relative paths resolve against the config file's directory.
    write(
      join(dir, 'run.json'),
      JSON.stringify({ model: { arch: 'mlp' }, tasks: [{ name: 'rows', dataset: { source: 'csv', path: 'digits.csv', label: 'digit', features: featureNames, test: 0.2 } }] }),
    );
    const cfg = loadRunConfig(join(dir, 'run.json'));
    expect(cfg.tasks[0].dataset).toMatchObject({ path: digitsCsv });
    const data = await loadTaskData(cfg.tasks[0], 3);
    expect(data.inputShape).toEqual([28]);
    expect(taskInputShape(cfg.tasks[0])).toEqual([28]);
    expect([data.train.count, data.test.count, data.classes]).toEqual([240, 60, 10]);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(data.skipped).toBe(0);

    const { train, test } = holdOut(N, 0.2, undefined, 3, 'csv');
    const pre = data.preprocess!;
    expect(pre.kind).toBe('standardize');
    expect(pre.columns).toEqual(featureNames);
    // Mean and std over the training rows alone.
    for (const j of [5, 14, 20]) {
      const values = Array.from(train, (r) => raw(r)[j]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(pre.mean[j]).toBeCloseTo(mean, 5);
      expect(pre.std[j]).toBeCloseTo(std, 5);
      const all = Array.from({ length: N }, (_, r) => raw(r)[j]);
      expect(Math.abs(pre.mean[j] - all.reduce((a, b) => a + b, 0) / N)).toBeGreaterThan(1e-6);
    }
    // A constant column (the leftmost pixels are always 0) keeps std 1 rather than dividing by zero.
    expect(pre.std[0]).toBe(1);
    // Train and test examples are the split's rows, standardised with the training statistics.
    for (const [split, rows] of [
      [data.train, train],
      [data.test, test],
    ] as const) {
      for (const k of [0, 7, rows.length - 1]) {
        expect(split.y[k]).toBe(digits.y[rows[k]]);
        const expected = applyStandardize(pre, Float32Array.from(raw(rows[k])));
        expect(Array.from(split.x.subarray(k * 28, (k + 1) * 28))).toEqual(Array.from(expected));
      }
    }
    // Same seed, same split; another seed, another one.
    const again = await loadTaskData(cfg.tasks[0], 3);
    expect(Array.from(again.test.y)).toEqual(Array.from(data.test.y));
    const other = await loadTaskData(cfg.tasks[0], 4);
    expect(Array.from(other.test.x.subarray(0, 28 * 5))).not.toEqual(Array.from(data.test.x.subarray(0, 28 * 5)));
  });

  it('default features: every column but the label; a test count and a train limit', async () => {
    const file = write(
      join(dir, 'small.csv'),
      csvText(
        ['a', 'b', 'label'],
        Array.from({ length: 40 }, (_, r) => [r, r % 3, r % 2]),
      ),
    );
    const data = await load({ path: file, label: 'label', test: 10, train: 12 });
    expect(data.inputShape).toEqual([2]);
    expect([data.train.count, data.test.count]).toEqual([12, 10]);
    expect(taskInputShape(task({ name: 't', dataset: { source: 'csv', path: file, label: 'label' } }))).toEqual([2]);
  });

  it('class names: sorted, or as configured; a separate test file with its columns in another order', async () => {
    const names = ['tulip', 'rose', 'daisy'];
    const rows = (n: number, off: number) => Array.from({ length: n }, (_, r) => [(r + off) * 0.5, names[(r + off) % 3], (r + off) % 7]);
    const trainFile = write(join(dir, 'flowers.csv'), csvText(['petal', 'kind', 'stem'], rows(30, 0)));
    const testFile = write(
      join(dir, 'flowers-test.csv'),
      csvText(
        ['kind', 'stem', 'petal'],
        rows(9, 100).map(([p, k, s]) => [k, s, p]),
      ),
    );
    const data = await load({ path: trainFile, test_path: testFile, label: 'kind' });
    expect(data.classNames).toEqual(['daisy', 'rose', 'tulip']);
    expect([data.train.count, data.test.count, data.classes]).toEqual([30, 9, 3]);
    // Test rows keep their own order and are read by column name.
    const pre = data.preprocess!;
    expect(pre.columns).toEqual(['petal', 'stem']);
    expect(data.test.x[0] * pre.std[0] + pre.mean[0]).toBeCloseTo(50, 4);
    expect(data.test.x[1] * pre.std[1] + pre.mean[1]).toBeCloseTo(100 % 7, 4);
    expect(data.test.y[0]).toBe(data.classNames!.indexOf(names[100 % 3]));

    const configured = await load({ path: trainFile, test_path: testFile, label: 'kind', classes: ['tulip', 'rose', 'daisy', 'lily'] });
    expect(configured.classNames).toEqual(['tulip', 'rose', 'daisy', 'lily']);
    expect(configured.classes).toBe(4);
    expect(configured.train.y[0]).toBe(0);
  });

  it('a bad row is an error naming the file and its line, before anything is returned', async () => {
    const lines = ['x1,x2,y', '1,2,a', '3,4,b', '5,6', '7,8,a'];
    const file = write(join(dir, 'short-row.csv'), lines.join('\n'));
    const e = await errorOf(load({ path: file, label: 'y' }));
    expect(e.message).toContain(`${file} line 4: 2 columns, the header has 3`);
    expect(e.file).toBe(file);

    const nan = write(join(dir, 'nan.csv'), 'x1,x2,y\n1,2,a\n3,oops,b\n4,5,a\n');
    expect((await errorOf(load({ path: nan, label: 'y' }))).message).toContain(`${nan} line 3, column "x2": "oops" is not a number`);

    const unknown = write(join(dir, 'unknown-label.csv'), 'x,y\n1,cat\n2,dog\n3,cow\n4,cat\n');
    const u = await errorOf(load({ path: unknown, label: 'y', classes: ['cat', 'dog'] }));
    expect(u.message).toContain(`${unknown} line 4: label "cow" is not one of the configured classes ("cat", "dog")`);
    expect(u.file).toBe(unknown);

    const noLabel = await errorOf(load({ path: unknown, label: 'kind' }));
    expect(noLabel.message).toContain(`${unknown}: no label column "kind" in the header (its columns: x, y)`);
    const noFeature = await errorOf(load({ path: unknown, label: 'y', features: ['x', 'z'] }));
    expect(noFeature.message).toContain('no feature column "z"');
    const missing = await errorOf(load({ path: join(dir, 'nope.csv'), label: 'y' }));
    expect(missing.message).toContain(`${join(dir, 'nope.csv')}: file not found`);
    const quote = write(join(dir, 'quote.csv'), 'x,y\n1,"a\n');
    expect((await errorOf(load({ path: quote, label: 'y' }))).message).toMatch(/quote\.csv: not valid CSV/);
    await expect(load({ path: quote, label: 'y' })).rejects.toBeInstanceOf(DataError);
  });

  it("on_bad 'skip' leaves bad rows out and counts them", async () => {
    const rows = ['x1,x2,y', '1,2,a', '3,4', '5,x,b', '7,8,zebra', '9,10,b', '11,12,a', '13,14,b', '15,16,a,extra', '17,18,a', '19,20,b'];
    const file = write(join(dir, 'some-bad.csv'), rows.join('\n'));
    const data = await load({ path: file, label: 'y', classes: ['a', 'b'], on_bad: 'skip', test: 2 });
    expect(data.skipped).toBe(4);
    expect(data.train.count + data.test.count).toBe(6);
  });

  it('the config refuses contradicting settings', () => {
    const config = (dataset: Record<string, unknown>) => ({ model: { arch: 'mlp' }, tasks: [{ name: 't', dataset: { source: 'csv', path: 'a.csv', label: 'y', ...dataset } }] });
    const problems = (dataset: Record<string, unknown>) => {
      try {
        parseRunConfig(config(dataset), 'test');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ test: 0.1, test_path: 'b.csv' })).toContain('tasks[0].dataset.test: not with test_path: the test file is the held-out split');
    expect(problems({ features: ['x', 'y'] })).toContain('tasks[0].dataset.features: lists the label column "y"');
    expect(problems({ test: 2.5 })).toEqual(['tasks[0].dataset.test: must be a fraction below 1 (of the examples) or a whole number of examples']);
    expect(problems({ classes: ['a', 'a'] })).toEqual(['tasks[0].dataset.classes: class names must be distinct']);
    expect(problems({ on_bad: 'ignore' })[0]).toMatch(/^tasks\[0\]\.dataset\.on_bad: /);
    expect(problems({ lable: 'y' })).toEqual(['tasks[0].dataset.lable: unknown key (did you mean "label"?)']);
    expect(problems({ test: 0.1 })).toEqual([]);
  });
});
