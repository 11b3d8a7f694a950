import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../../config/load.js';
import { taskSchema, type TaskConfig } from '../../config/schema.js';
import { inputSizeOf, isStreamed, type TaskData } from '../../data/dataset.js';
import { readExamples } from '../../data/batches.js';
import { readIdxDirectory } from '../../data/idx.js';
import { FASHION_MNIST_DIR } from '../../config/idx-files.js';
import { checkImageFile } from '../../data/image-decode.js';
import { resizeBilinear } from '../../data/resize.js';
import { taskInputShape } from '../../data/shapes.js';
import { loadTaskData } from '../../data/tasks.js';
import { errorOf, FASHION_PRESENT, jpegBytes, pngBytes, someDigits, tempDir, write, writePngFolder, type Images } from '../support/user-data.js';

const task = (t: unknown): TaskConfig => taskSchema.parse(t);
const dir = tempDir('images');
let digits: Images;
let folder: string;

beforeAll(async () => {
  digits = await someDigits(60);
  folder = join(dir, 'digits');
  writePngFolder(folder, digits);
});

async function load(dataset: Record<string, unknown>, seed = 0): Promise<TaskData> {
  return loadTaskData(task({ name: 't', dataset: { source: 'images', size: [28, 28], channels: 1, ...dataset } }), seed);
}

/** The stored byte value of a pixel, as the loader scales it. */
const stored = (v: number) => Math.fround(Math.round(v * 255) / 255);

/** Example k of a split (in memory or streamed) as an array. */
const example = (data: TaskData, split: 'train' | 'test', k: number) => Array.from(readExamples(data[split], inputSizeOf(data.inputShape), k, 1));

describe('resizeBilinear', () => {
  it('keeps an image of the same size, and a constant image constant', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i / 12);
    const out = new Float32Array(12);
    resizeBilinear(src, 2, 2, 3, 2, 2, out);
    expect(Array.from(out)).toEqual(Array.from(src));
    const flat = new Float32Array(5 * 7).fill(0.25);
    const big = new Float32Array(13 * 3);
    resizeBilinear(flat, 5, 7, 1, 13, 3, big);
    for (const v of big) expect(v).toBeCloseTo(0.25, 6);
  });

  it('halving averages 2 x 2 blocks; doubling interpolates between pixel centres', () => {
    const src = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const half = new Float32Array(4);
    resizeBilinear(src, 4, 4, 1, 2, 2, half);
    expect(Array.from(half)).toEqual([2.5, 4.5, 10.5, 12.5]);
    const two = Float32Array.from([0, 1]);
    const four = new Float32Array(4);
    resizeBilinear(two, 1, 2, 1, 1, 4, four);
    expect(Array.from(four)).toEqual([0, 0.25, 0.75, 1]);
    // An offset in the output, per channel.
    const out = new Float32Array(2 + 4 * 2);
    resizeBilinear(Float32Array.from([0, 10, 1, 11]), 1, 2, 2, 1, 4, out, 2);
    expect(Array.from(out)).toEqual([0, 0, 0, 10, 0.25, 10.25, 0.75, 10.75, 1, 11]);
  });
});

describe('images source', () => {
  it('a PNG folder of real digits: class per sub-folder, pixels scaled to [0, 1], NHWC', async () => {
    const data = await load({ path: folder, test: 12 });
    expect(data.inputShape).toEqual([28, 28, 1]);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([data.train.count, data.test.count, data.classes, data.skipped]).toEqual([48, 12, 10, 0]);
    expect(isStreamed(data.train)).toBe(false);
    // Examples are listed class by class, file by file: the same order as digits (sorted by class).
    const all = [...Array.from(data.train.y), ...Array.from(data.test.y)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from(digits.y).sort((a, b) => a - b));
    // Every training image is one of the digits, as stored (bytes / 255).
    const want = new Map<string, number>();
    for (let k = 0; k < digits.count; k++) want.set(Array.from(digits.x.subarray(k * 784, (k + 1) * 784), stored).join(), digits.y[k]);
    for (let k = 0; k < data.train.count; k++) expect(want.get(example(data, 'train', k).join())).toBe(data.train.y[k]);
    expect(taskInputShape(task({ name: 't', dataset: { source: 'images', path: folder, size: [14, 20], channels: 3 } }))).toEqual([14, 20, 3]);
  });

  it('channels and size: grey to RGB by repeat, RGB to grey by luma, alpha dropped, resized bilinearly', async () => {
    const rgb: Images = { x: new Float32Array(2 * 4 * 6 * 3), y: Int32Array.from([0, 1]), count: 2, h: 4, w: 6, c: 3 };
    for (let i = 0; i < rgb.x.length; i++) rgb.x[i] = ((i * 37) % 256) / 255;
    write(join(dir, 'rgb', 'a', 'one.png'), pngBytes(rgb, 0));
    write(join(dir, 'rgb', 'b', 'two.png'), pngBytes(rgb, 1, 10)); // nearly transparent: the colour still counts
    const grey = await load({ path: join(dir, 'rgb'), size: [4, 6], channels: 1, test: 1 }, 1);
    const colour = await load({ path: join(dir, 'rgb'), size: [4, 6], channels: 3, test: 1 }, 1);
    const k = colour.train.y[0];
    for (let p = 0; p < 24; p++) {
      const [r, g, b] = [0, 1, 2].map((ch) => rgb.x[k * 72 + p * 3 + ch]);
      expect(colour.train.x[p * 3]).toBeCloseTo(r, 6);
      expect(colour.train.x[p * 3 + 2]).toBeCloseTo(b, 6);
      expect(grey.train.x[p]).toBeCloseTo(0.299 * r + 0.587 * g + 0.114 * b, 5);
    }
    const asRgb = await load({ path: folder, channels: 3, test: 12 });
    const asGrey = await load({ path: folder, channels: 1, test: 12 });
    expect(asRgb.inputShape).toEqual([28, 28, 3]);
    for (let p = 300; p < 310; p++) for (let ch = 0; ch < 3; ch++) expect(asRgb.train.x[p * 3 + ch]).toBeCloseTo(asGrey.train.x[p], 6);
    const small = await load({ path: folder, size: [14, 10], test: 12 });
    expect(small.inputShape).toEqual([14, 10, 1]);
    const want = new Float32Array(140);
    resizeBilinear(asGrey.train.x.subarray(0, 784), 28, 28, 1, 14, 10, want);
    expect(Array.from(small.train.x.subarray(0, 140))).toEqual(Array.from(want));
  });

  it('JPEG beside PNG, and an index CSV of (path, label) with its own test index', async () => {
    write(join(dir, 'mixed', 'a', 'x.jpg'), jpegBytes(digits, 0, 100));
    write(join(dir, 'mixed', 'a', 'y.png'), pngBytes(digits, 1));
    write(join(dir, 'mixed', 'b', 'z.JPEG'), jpegBytes(digits, 2, 100));
    write(join(dir, 'mixed', 'b', 'w.png'), pngBytes(digits, 3));
    write(join(dir, 'mixed', 'b', 'notes.txt'), 'not an example');
    const data = await load({ path: join(dir, 'mixed'), test: 1, stream: false }, 2);
    expect(data.train.count + data.test.count).toBe(4);
    expect(data.classNames).toEqual(['a', 'b']);
    const jpg = await load({ index: write(join(dir, 'mixed', 'one.csv'), 'path,label\na/x.jpg,a\nb/w.png,b\n'), test_index: write(join(dir, 'mixed', 'two.csv'), 'label,path\nb,b/z.JPEG\n') });
    expect([jpg.train.count, jpg.test.count]).toEqual([2, 1]);
    // Lossy, but close to the digit it encodes.
    let err = 0;
    for (let p = 0; p < 784; p++) err = Math.max(err, Math.abs(jpg.train.x[p] - digits.x[p]));
    expect(err).toBeLessThan(0.1);
    expect(checkImageFile(join(dir, 'mixed', 'a', 'x.jpg'))).toEqual({ format: 'jpeg', width: 28, height: 28 });
  });

  it.skipIf(!FASHION_PRESENT)('Fashion-MNIST images under their class names', async () => {
    const fashion = await readIdxDirectory(FASHION_MNIST_DIR);
    const names = ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const n = 50;
    const img: Images = { x: Float32Array.from(fashion.train.pixels.subarray(0, n * 784), (v) => v / 255), y: Int32Array.from(fashion.train.labels.subarray(0, n)), count: n, h: 28, w: 28, c: 1 };
    writePngFolder(join(dir, 'fashion'), img, names);
    const data = await load({ path: join(dir, 'fashion'), test: 10 });
    expect(data.classNames).toEqual([...new Set(Array.from(img.y, (y) => names[y]))].sort());
    for (let k = 0; k < 5; k++) {
      const hit = Array.from({ length: n }, (_, i) => i).find((i) => Array.from(img.x.subarray(i * 784, (i + 1) * 784), stored).join() === example(data, 'train', k).join());
      expect(hit).toBeDefined();
      expect(data.classNames![data.train.y[k]]).toBe(names[img.y[hit!]]);
    }
  });

  it('a truncated or corrupt image is an error naming the file, before training', async () => {
    const bad = join(dir, 'bad');
    writePngFolder(bad, { ...digits, count: 12 });
    const whole = pngBytes(digits, 5);
    const cut = write(join(bad, '3', 'cut.png'), whole.subarray(0, whole.length - 40));
    const e = await errorOf(load({ path: bad, test: 2 }));
    expect(e.message).toContain(`${cut}: truncated or corrupt: the PNG does not end with an IEND chunk`);
    expect(e.file).toBe(cut);
    await expect(load({ path: bad, test: 2, stream: true })).rejects.toThrow(cut);

    const jpg = jpegBytes(digits, 5);
    const cutJpeg = write(join(dir, 'bad-jpeg', '1', 'cut.jpg'), jpg.subarray(0, 200));
    write(join(dir, 'bad-jpeg', '2', 'fine.jpg'), jpg);
    expect((await errorOf(load({ path: join(dir, 'bad-jpeg'), test: 1 }))).message).toContain(`${cutJpeg}: truncated or corrupt: the JPEG has no end-of-image marker`);
    const text = write(join(dir, 'bad-text', 'a', 'readme.png'), 'hello');
    write(join(dir, 'bad-text', 'b', 'fine.png'), pngBytes(digits, 1));
    expect((await errorOf(load({ path: join(dir, 'bad-text'), test: 1 }))).message).toContain(`${text}: not a PNG or JPEG file`);

    // With on_bad 'skip' the bad file is left out and counted.
    const skipped = await load({ path: bad, test: 2, on_bad: 'skip' });
    expect([skipped.skipped, skipped.train.count + skipped.test.count]).toEqual([1, 12]);
  });

  it('a file whose header is fine but whose data is not fails at decode, naming the file', async () => {
    const png = Buffer.from(pngBytes(digits, 7));
    // Damage the compressed pixel data (after the IHDR chunk), keeping the signature, IHDR and IEND.
    for (let i = 40; i < png.length - 20; i += 3) png[i] ^= 0x5a;
    const broken = write(join(dir, 'late', 'c', 'broken.png'), png);
    write(join(dir, 'late', 'c', 'good.png'), pngBytes(digits, 8));
    write(join(dir, 'late', 'd', 'good.png'), pngBytes(digits, 9));
    expect(checkImageFile(broken).format).toBe('png');
    const eager = await errorOf(load({ path: join(dir, 'late'), test: 1 }));
    expect(eager.message).toContain(`${broken}: cannot decode the PNG`);
    expect(eager.file).toBe(broken);
    // Streamed: the header check passes; reading the example names the file.
    const streamed = await load({ path: join(dir, 'late'), test: 1, stream: true });
    const splits = [streamed.train, streamed.test];
    const read = () => splits.forEach((s) => readExamples(s, 784, 0, s.count));
    const e = await errorOf(read);
    expect(e.message).toContain(`${broken}: cannot decode the PNG`);
    expect(e.file).toBe(broken);
  });

  it('labels outside the configured classes, and index entries at fault, name the file and line', async () => {
    const e = await errorOf(load({ path: folder, classes: ['0', '1', '2'] }));
    expect(e.message).toMatch(/digits\/3\/\d+\.png: label "3" is not one of the configured classes \("0", "1", "2"\)/);
    const index = write(join(dir, 'idx-bad.csv'), `path,label\n${join(folder, '0', '00000.png')},0\n${join(folder, '1', 'missing.png')},1\n`);
    const m = await errorOf(load({ index }));
    expect(m.message).toContain(`${index} line 3: ${join(folder, '1', 'missing.png')}: file not found`);
    expect(m.file).toBe(join(folder, '1', 'missing.png'));
    const cols = write(join(dir, 'idx-cols.csv'), 'file,label\na.png,0\n');
    expect((await errorOf(load({ index: cols }))).message).toContain(`${cols}: no index column "path"`);
  });

  it('the config needs exactly one of path and index', () => {
    const problems = (dataset: Record<string, unknown>) => {
      try {
        parseRunConfig({ model: { arch: 'lenet5' }, tasks: [{ name: 't', dataset: { source: 'images', size: [28, 28], channels: 1, ...dataset } }] }, 'test', { baseDir: dir });
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
    };
    expect(problems({})).toEqual(['tasks[0].dataset.path: give exactly one of path (a folder with a sub-folder per class) and index (a CSV of path,label)']);
    expect(problems({ path: 'a', index: 'b.csv' })).toHaveLength(1);
    expect(problems({ path: 'a', test_index: 'b.csv' })).toContain('tasks[0].dataset.test_index: is a CSV of path,label, for a data set given by index; use test_path with path');
    expect(problems({ path: 'a', channels: 4 })[0]).toMatch(/^tasks\[0\]\.dataset\.channels/);
    expect(problems({ path: 'a' })).toEqual([]);
    const cfg = parseRunConfig({ model: { arch: 'lenet5' }, tasks: [{ name: 't', dataset: { source: 'images', index: 'sub/list.csv', size: [28, 28], channels: 1 } }] }, 'test', { baseDir: dir });
    expect(cfg.tasks[0].dataset).toMatchObject({ index: join(dir, 'sub', 'list.csv'), cache_mb: 1024 });
  });
});
