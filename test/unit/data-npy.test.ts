import { join } from 'node:path';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../../config/load.js';
import { taskSchema, type TaskConfig } from '../../config/schema.js';
import { readExamples } from '../../data/batches.js';
import { isStreamed, type TaskData } from '../../data/dataset.js';
import { parseNpyHeader, readNpyHeader } from '../../data/npy.js';
import { parsePyLiteral } from '../../data/py-literal.js';
import { taskInputShape } from '../../data/shapes.js';
import { holdOut } from '../../data/split.js';
import { loadTaskData } from '../../data/tasks.js';
import { bytesOf, errorOf, npyBytes, someDigits, tempDir, write, type Images } from '../support/user-data.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const dir = tempDir('npy');
const N = 120;
let digits: Images;
/** The digits as bytes 0..255, as an uint8 array of images would hold them. */
let pixels: Uint8Array;
let xFile: string;
let yFile: string;

beforeAll(async () => {
  digits = await someDigits(N);
  pixels = Uint8Array.from(digits.x, (v) => Math.round(v * 255));
  xFile = write(join(dir, 'x.npy'), npyBytes('|u1', [N, 28, 28], pixels));
  yFile = write(join(dir, 'y.npy'), npyBytes('<i8', [N], new Uint8Array(BigInt64Array.from(digits.y, (v) => BigInt(v)).buffer)));
});

function load(dataset: Record<string, unknown>, seed = 0): Promise<TaskData> {
  return loadTaskData(task({ name: 'n', dataset: { source: 'npy', ...dataset } }), seed);
}

/** Example k of the source's data (by source index) as the loader should produce it. */
const expected = (i: number, scale = 1) => Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v / scale));

describe('npy source', () => {
  it('uint8 images (n, 28, 28) and int64 labels: values as stored, or divided by scale', async () => {
    const raw = await load({ x: xFile, y: yFile, test: 20 }, 1);
    expect(raw.inputShape).toEqual([28, 28, 1]);
    expect([raw.train.count, raw.test.count, raw.classes]).toEqual([100, 20, 10]);
    expect(raw.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const { train, test } = holdOut(N, 20, undefined, 1, 'npy');
    expect(Array.from(raw.train.x.subarray(0, 784))).toEqual(expected(train[0]));
    expect(raw.test.y[3]).toBe(digits.y[test[3]]);
    const scaled = await load({ x: xFile, y: yFile, test: 20, scale: 255 }, 1);
    expect(Array.from(scaled.test.x.subarray(784, 2 * 784))).toEqual(expected(test[1], 255));
    expect(taskInputShape(task({ name: 'n', dataset: { source: 'npy', x: xFile, y: yFile } }))).toEqual([28, 28, 1]);
  });

  it('every format version and the common dtypes, little- and big-endian', async () => {
    const n = 6;
    const values = Array.from({ length: n * 3 }, (_, i) => (i % 5) - 1.5 + i / 8);
    const cases: [string, Uint8Array, 1 | 2 | 3][] = [
      ['<f4', new Uint8Array(Float32Array.from(values).buffer), 1],
      ['<f8', new Uint8Array(Float64Array.from(values).buffer), 2],
      ['<f2', new Uint8Array(Uint16Array.from(values, toHalf).buffer), 3],
    ];
    const be = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => be.writeFloatBE(v, i * 4));
    cases.push(['>f4', be, 1]);
    const y = write(join(dir, 'y6.npy'), npyBytes('<i4', [n], new Uint8Array(Int32Array.from([0, 1, 2, 0, 1, 2]).buffer), { version: 2 }));
    for (const [descr, data, version] of cases) {
      const file = write(join(dir, `x-${descr.replace(/[<>|]/, '')}-${descr[0] === '>' ? 'be' : 'le'}.npy`), npyBytes(descr, [n, 3], data, { version }));
      expect(readNpyHeader(file)).toMatchObject({ version: [version, 0], shape: [n, 3], fortranOrder: false });
      const data6 = await load({ x: file, y, test: 2 });
      expect(data6.inputShape).toEqual([3]);
      const { train } = holdOut(n, 2, undefined, 0, 'npy');
      expect(Array.from(data6.train.x.subarray(0, 3))).toEqual(values.slice(train[0] * 3, train[0] * 3 + 3).map(Math.fround));
    }
    const ints: [string, ArrayBufferView][] = [
      ['|i1', Int8Array.from(values, Math.round)],
      ['<i2', Int16Array.from(values, Math.round)],
      ['<u2', Uint16Array.from(values, (v) => Math.abs(Math.round(v)))],
      ['<u4', Uint32Array.from(values, (v) => Math.abs(Math.round(v)))],
    ];
    for (const [descr, view] of ints) {
      const file = write(join(dir, `x-${descr.slice(1)}.npy`), npyBytes(descr, [n, 3], new Uint8Array(view.buffer)));
      const data6 = await load({ x: file, y, test: 1 });
      expect(data6.train.x.length).toBe(15);
    }
  });

  it('streamed by offset gives the values of a whole read', async () => {
    const whole = await load({ x: xFile, y: yFile, test: 0.25, train: 50, scale: 255 }, 3);
    const streamed = await load({ x: xFile, y: yFile, test: 0.25, train: 50, scale: 255, stream: true }, 3);
    expect(isStreamed(whole.train)).toBe(false);
    expect(isStreamed(streamed.train)).toBe(true);
    expect([streamed.train.count, streamed.test.count]).toEqual([50, 30]);
    for (const split of ['train', 'test'] as const) {
      expect(Array.from(streamed[split].y)).toEqual(Array.from(whole[split].y));
      expect(bytesOf(readExamples(streamed[split], 784, 0, whole[split].count)).equals(bytesOf(whole[split].x))).toBe(true);
    }
  });

  it('an .npz archive (compressed or stored), with test arrays under their own keys', async () => {
    const member = (descr: string, shape: number[], data: Uint8Array) => npyBytes(descr, shape, data);
    const y8 = Uint8Array.from(digits.y);
    const archive = {
      'x_train.npy': member('|u1', [100, 784], pixels.subarray(0, 100 * 784)),
      'y_train.npy': member('|u1', [100], y8.subarray(0, 100)),
      'x_test.npy': member('|u1', [20, 784], pixels.subarray(100 * 784)),
      'y_test.npy': member('|u1', [20], y8.subarray(100)),
    };
    for (const level of [0, 6] as const) {
      const file = write(join(dir, `mnist-${level}.npz`), zipSync(archive, { level }));
      const data = await load({ npz: file, x_key: 'x_train', y_key: 'y_train', test_x_key: 'x_test', test_y_key: 'y_test', train: 60 });
      expect(data.inputShape).toEqual([784]);
      expect([data.train.count, data.test.count]).toEqual([60, 20]);
      expect(Array.from(data.test.x.subarray(0, 784))).toEqual(expected(100));
      expect(data.test.y[19]).toBe(digits.y[119]);
    }
    const file = join(dir, 'mnist-0.npz');
    expect(taskInputShape(task({ name: 'n', dataset: { source: 'npy', npz: file, x_key: 'x_test' } }))).toEqual([784]);
    const e = await errorOf(load({ npz: file }));
    expect(e.message).toContain(`${file}: no array "x" in the archive (it holds x_train, y_train, x_test, y_test)`);
  });

  it('unsupported or damaged files are errors naming the file and the entry', async () => {
    const y = write(join(dir, 'y4.npy'), npyBytes('|u1', [4], Uint8Array.from([0, 1, 1, 0])));
    const complex = write(join(dir, 'complex.npy'), npyBytes('<c8', [4, 2], new Uint8Array(64)));
    const c = await errorOf(load({ x: complex, y }));
    expect(c.message).toContain(`${complex}: dtype "<c8" (complex) is not supported`);
    expect(c.file).toBe(complex);
    const text = write(join(dir, 'text.npy'), npyBytes('<U5', [4], new Uint8Array(80)));
    expect((await errorOf(load({ x: text, y }))).message).toContain('dtype "<U5" (unicode string) is not supported');

    const fortran = write(join(dir, 'fortran.npy'), npyBytes('<f4', [4, 2], new Uint8Array(32), { fortran: true }));
    expect((await errorOf(load({ x: fortran, y }))).message).toContain(`${fortran}: fortran_order is True (column-major data) and that is not supported`);
    const short = npyBytes('<f4', [4, 2], new Uint8Array(32));
    const cut = write(join(dir, 'cut.npy'), short.subarray(0, short.length - 4));
    expect((await errorOf(load({ x: cut, y }))).message).toContain(`${cut}: truncated: shape (4, 2) of <f4 needs ${short.length} bytes, the file has ${short.length - 4}`);
    const long = write(join(dir, 'long.npy'), Buffer.concat([short, Buffer.alloc(8)]));
    expect((await errorOf(load({ x: long, y }))).message).toContain(`${long}: 8 bytes after the data`);
    const notNpy = write(join(dir, 'not.npy'), 'x,y\n1,2\n');
    expect((await errorOf(load({ x: notNpy, y }))).message).toContain(`${notNpy}: not a .npy file`);
    const badHeader = write(join(dir, 'bad-header.npy'), npyBytes('<f4', [4, 2], new Uint8Array(32), { header: "{'descr': '<f4', 'shape': (4, 2)}" }));
    expect((await errorOf(load({ x: badHeader, y }))).message).toContain('the .npy header has keys descr, shape; expected descr, fortran_order, shape');

    const x = write(join(dir, 'x4.npy'), short);
    const floatY = write(join(dir, 'float-y.npy'), npyBytes('<f8', [4], new Uint8Array(Float64Array.from([0, 1, 1.5, 0]).buffer)));
    const f = await errorOf(load({ x, y: floatY }));
    expect(f.message).toContain(`${floatY} entry 2: label 1.5 is not a non-negative integer class`);
    expect(f.file).toBe(floatY);
    const y3 = write(join(dir, 'y3.npy'), npyBytes('|u1', [3], Uint8Array.from([0, 1, 1])));
    expect((await errorOf(load({ x, y: y3 }))).message).toContain(`${x}: 4 examples, but ${y3} holds 3 labels`);
    const y5 = write(join(dir, 'y-big.npy'), npyBytes('|u1', [4], Uint8Array.from([0, 1, 5, 0])));
    const k = await errorOf(load({ x, y: y5, classes: ['no', 'yes'] }));
    expect(k.message).toContain(`${y5} entry 2: label 5 is not a class: classes lists 2 (labels 0..1)`);
    const named = await load({ x, y: write(join(dir, 'y-named.npy'), npyBytes('|u1', [4], Uint8Array.from([0, 1, 1, 0]))), classes: ['no', 'yes'], test: 1 });
    expect(named.classNames).toEqual(['no', 'yes']);
  });

  it('the header is a Python literal, parsed without evaluating it', () => {
    expect(parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 28L), }")).toEqual(
      new Map<unknown, unknown>([
        ['descr', '<f4'],
        ['fortran_order', false],
        ['shape', [3, 28]],
      ]),
    );
    expect(parsePyLiteral('(7,)')).toEqual([7]);
    expect(() => parsePyLiteral("{'descr': __import__('os')}")).toThrow(/unexpected character/);
    const bytes = npyBytes('<f4', [2, 2], new Uint8Array(16), { version: 3, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'ñ': 1}" });
    expect(() => parseNpyHeader(bytes, 'h.npy')).toThrow(/keys descr, fortran_order, shape, ñ/);
  });

  it('the config takes x and y, or npz, and streams only .npy files', () => {
    const problems = (dataset: Record<string, unknown>) => {
      try {
        parseRunConfig({ model: { arch: 'mlp' }, tasks: [{ name: 't', dataset: { source: 'npy', ...dataset } }] }, 'test', { baseDir: dir });
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ x: 'a.npy' })).toEqual(['tasks[0].dataset.x: needs y as well']);
    expect(problems({ x: 'a.npy', y: 'b.npy', npz: 'c.npz' })).toContain('tasks[0].dataset.npz: give either x and y (.npy files) or npz (an archive of them)');
    expect(problems({ npz: 'c.npz', stream: true })[0]).toMatch(/^tasks\[0\]\.dataset\.stream: reads \.npy files by offset/);
    expect(problems({ x: 'a.npy', y: 'b.npy', test_x: 'c.npy', test_y: 'd.npy', test: 5 })).toEqual(['tasks[0].dataset.test: not with test_x: the test arrays are the held-out split']);
    expect(problems({ x: 'a.npy', y: 'b.npy', x_key: 'x' })).toEqual(['tasks[0].dataset.x_key: names an array in npz; there is no npz']);
    const cfg = parseRunConfig({ model: { arch: 'mlp' }, tasks: [{ name: 't', dataset: { source: 'npy', x: 'a.npy', y: '/abs/b.npy' } }] }, 'test', { baseDir: dir });
    expect(cfg.tasks[0].dataset).toMatchObject({ x: join(dir, 'a.npy'), y: '/abs/b.npy' });
  });
});

/** A number as IEEE half-precision bits (round to nearest; the test values are exact in half). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const frac = (bits >>> 13) & 0x3ff;
  if (v === 0) return sign;
  return sign | (exp << 10) | frac;
}
