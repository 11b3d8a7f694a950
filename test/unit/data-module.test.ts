import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { taskSchema, type TaskConfig } from '../../config/schema.js';
import { taskInputShape } from '../../data/shapes.js';
import { loadTaskData } from '../../data/tasks.js';
import { errorOf, tempDir, write } from '../support/user-data.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const dir = tempDir('module');
let serial = 0;

/** A module file with this body. Each gets its own name: Node caches modules by URL. */
function module(body: string): string {
  return write(join(dir, `m${serial++}.mjs`), body);
}

function load(path: string, extra: Record<string, unknown> = {}, seed = 0) {
  return loadTaskData(task({ name: 'mod', dataset: { source: 'module', path, ...extra } }), seed);
}

describe('module source', () => {
  it('a default export returning typed arrays; options and the seed reach it', async () => {
    const path = module(`
      export default async function (options, { seed, task }) {
        const n = options.n;
        const x = new Float32Array(n * 2);
        for (let i = 0; i < x.length; i++) x[i] = i + seed;
        const y = Int32Array.from({ length: n }, (_, i) => i % 3);
        return { inputShape: [2], classes: 3, train: { x, y }, test: { x: x.slice(0, 4), y: y.slice(0, 2) }, extra: task };
      }`);
    const data = await load(path, { options: { n: 5 } }, 7);
    expect(data.inputShape).toEqual([2]);
    expect([data.train.count, data.test.count, data.classes]).toEqual([5, 2, 3]);
    expect(data.classNames).toEqual(['0', '1', '2']);
    expect(Array.from(data.train.x)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(data.train.y)).toEqual([0, 1, 2, 0, 1]);
  });

  it('a named load returning rows, nested image arrays and class names', async () => {
    const path = module(`
      export async function load() {
        const img = (v) => [[[v], [v + 1]], [[v + 2], [v + 3]]];
        return {
          inputShape: [2, 2, 1],
          train: { x: [img(0), img(10), [1, 2, 3, 4]], y: ['dog', 'cat', 'dog'] },
          test: { x: [img(5)], y: ['cat'] },
        };
      }`);
    const data = await load(path, { input_shape: [2, 2, 1] });
    expect(data.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(data.train.y)).toEqual([1, 0, 1]);
    expect(Array.from(data.train.x)).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 1, 2, 3, 4]);
    expect(taskInputShape(task({ name: 'mod', dataset: { source: 'module', path, input_shape: [2, 2, 1] } }))).toEqual([2, 2, 1]);
    expect(() => taskInputShape(task({ name: 'mod', dataset: { source: 'module', path } }))).toThrow(/a module data set needs input_shape in its config/);
    const mismatch = await errorOf(load(path, { input_shape: [4] }));
    expect(mismatch.message).toContain(`${path}: returned inputs of shape [2, 2, 1], the config's input_shape is [4]`);
  });

  it('anything wrong with what the module returns is an error naming the module and the entry', async () => {
    const cases: [string, string][] = [
      ['export const data = 1;', 'the module exports no function'],
      ['export default () => { throw new Error("no database"); };', 'its load function failed: no database'],
      ['export default () => 42;', 'its load function must return { inputShape'],
      ['export default () => ({ inputShape: [0], train: {}, test: {} });', 'inputShape must be a non-empty array of positive integers, got [0]'],
      [
        'export default () => ({ inputShape: [3], classes: 2, train: { x: new Float32Array(7), y: [0, 1] }, test: { x: [[1, 2, 3]], y: [0] } });',
        'train.x holds 7 numbers, not a whole number of inputs of shape [3]',
      ],
      ['export default () => ({ inputShape: [2], classes: 2, train: { x: [[1, 2], [3]], y: [0, 1] }, test: { x: [[1, 2]], y: [0] } });', 'train.x[1] must be an array of 2'],
      ['export default () => ({ inputShape: [2], classes: 2, train: { x: [[1, 2], [3, 4]], y: [0, 1, 1] }, test: { x: [[1, 2]], y: [0] } });', 'train has 2 inputs but 3 labels'],
      ['export default () => ({ inputShape: [2], classes: 2, train: { x: [[1, 2], [3, 4]], y: [0, 1] }, test: { x: [[1, 2]], y: [2] } });', 'test.y[0]: label 2 is not a class index 0..1'],
      [
        'export default () => ({ inputShape: [2], classes: 2, train: { x: [[1, NaN], [3, 4]], y: [0, 1] }, test: { x: [[1, 2]], y: [0] } });',
        'train.x: example 0, value 1 is NaN, not a finite number',
      ],
      [
        "export default () => ({ inputShape: [1], classNames: ['a', 'b'], train: { x: [[1], [2]], y: ['a', 'c'] }, test: { x: [[1]], y: ['a'] } });",
        'train.y[1]: label "c" is not one of the classes ("a", "b")',
      ],
      ["export default () => ({ inputShape: [1], train: { x: [[1], [2]], y: [0, 'b'] }, test: { x: [[1]], y: [0] } });", 'train.y[1] is "b": labels are all integers or all class names'],
      ['export default () => ({ inputShape: [1], train: { x: [[1]], y: [0] }, test: { x: [[1]], y: [0] } ', 'cannot import the module'],
    ];
    for (const [body, message] of cases) {
      const path = module(body);
      const e = await errorOf(load(path));
      expect(e.message).toContain(`task "mod": ${path}: ${message}`);
      expect(e.file).toBe(path);
    }
    const gone = await errorOf(load(join(dir, 'absent.mjs')));
    expect(gone.message).toContain('cannot import the module');
  });

  it('the config resolves the module path against the config file and passes options through', () => {
    const cfg = parseRunConfig({ model: { arch: 'mlp' }, tasks: [{ name: 't', dataset: { source: 'module', path: 'make-data.mjs', options: { rows: 10, kind: 'a' } } }] }, 'test', {
      baseDir: dir,
    });
    expect(cfg.tasks[0].dataset).toEqual({ source: 'module', path: join(dir, 'make-data.mjs'), options: { rows: 10, kind: 'a' } });
  });
});
