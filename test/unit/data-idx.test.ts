import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../data/dataset.js';
import { FASHION_MNIST_DIR, idxToData, loadIdxDirectory, missingIdxDirectoryMessage, readIdxDirectory, readIdxImages, readIdxLabels } from '../../data/idx.js';

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const fm = (name: string) => join(FASHION_MNIST_DIR, name);

describe('IDX reader on the real Fashion-MNIST files', () => {
  it('reads the training images and labels with their known facts', () => {
    const started = Date.now();
    const images = readIdxImages(fm('train-images-idx3-ubyte.gz'));
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);
    expect([images.count, images.rows, images.cols]).toEqual([60000, 28, 28]);
    expect(images.pixels.length).toBe(60000 * 28 * 28);

    // Known facts: the first image is an ankle boot on a black background; the mean pixel of the training
    // set is 0.2860 (the normalisation constant everyone uses for Fashion-MNIST).
    const first = images.pixels.subarray(0, 784);
    expect([first[0], first[27], first[756], first[783]]).toEqual([0, 0, 0, 0]);
    expect(Math.max(...first)).toBe(255);
    let sum = 0;
    for (let i = 0; i < images.pixels.length; i++) sum += images.pixels[i];
    expect(sum / images.pixels.length / 255).toBeCloseTo(0.286, 3);

    const labels = readIdxLabels(fm('train-labels-idx1-ubyte.gz'));
    expect(labels.length).toBe(60000);
    expect(Array.from(labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const perClass = new Array(10).fill(0);
    for (const l of labels) perClass[l]++; // an out-of-range label would make a NaN entry or a longer array
    expect(perClass).toEqual(new Array(10).fill(6000));
  });

  it('loads the directory: files own split, floats in [0, 1], balanced test labels', async () => {
    const started = Date.now();
    const data = await loadIdxDirectory(FASHION_MNIST_DIR);
    expect((Date.now() - started) / 1000).toBeLessThan(10);
    expect(data.inputShape).toEqual([28, 28, 1]);
    expect(data.classes).toBe(10);
    expect(data.train.count).toBe(60000);
    expect(data.test.count).toBe(10000);
    expect(data.train.x.length).toBe(60000 * 784);
    expect(Array.from(data.test.y.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const perClass = new Array(10).fill(0);
    for (const l of data.test.y) perClass[l]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 784 * 100; i++) {
      min = Math.min(min, data.test.x[i]);
      max = Math.max(max, data.test.x[i]);
    }
    expect([min, max]).toEqual([0, 1]);
  });

  it('keeps seeded subsets: same seed same subset, different seed different', async () => {
    const raw = await readIdxDirectory(FASHION_MNIST_DIR);
    const a = idxToData(raw, { train: 500, test: 200, seed: 1 });
    const b = idxToData(raw, { train: 500, test: 200, seed: 1 });
    const c = idxToData(raw, { train: 500, test: 200, seed: 2 });
    expect([a.train.count, a.test.count]).toEqual([500, 200]);
    expect(bytesOf(a.train.x).equals(bytesOf(b.train.x))).toBe(true);
    expect(bytesOf(a.test.x).equals(bytesOf(b.test.x))).toBe(true);
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(bytesOf(a.train.x).equals(bytesOf(c.train.x))).toBe(false);
  });
});

// Small IDX files built by hand, so every corruption is exact.
function idxImages(count: number, rows: number, cols: number, magic = 0x803): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(magic, 0);
  head.writeUInt32BE(count, 4);
  head.writeUInt32BE(rows, 8);
  head.writeUInt32BE(cols, 12);
  const body = Buffer.alloc(count * rows * cols);
  for (let i = 0; i < body.length; i++) body[i] = (i * 37) % 256;
  return Buffer.concat([head, body]);
}

function idxLabels(labels: number[], magic = 0x801): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(magic, 0);
  head.writeUInt32BE(labels.length, 4);
  return Buffer.concat([head, Buffer.from(labels)]);
}

describe('IDX reader on bad files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hybrid-idx-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh valid directory (raw files unless gz) with 5 train and 3 test 4x3 images. */
  function goodDir(name: string, gz = false): string {
    const d = join(dir, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d);
    const put = (file: string, buf: Buffer) => writeFileSync(join(d, gz ? `${file}.gz` : file), gz ? gzipSync(buf) : buf);
    put('train-images-idx3-ubyte', idxImages(5, 4, 3));
    put('train-labels-idx1-ubyte', idxLabels([0, 1, 2, 1, 0]));
    put('t10k-images-idx3-ubyte', idxImages(3, 4, 3));
    put('t10k-labels-idx1-ubyte', idxLabels([2, 0, 1]));
    return d;
  }

  async function expectDataError(p: Promise<unknown> | (() => unknown), file: string): Promise<DataError> {
    let caught: unknown;
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DataError);
    const e = caught as DataError;
    expect(e.message).toContain(file);
    expect(e.file).toBe(file);
    return e;
  }

  it('reads good raw and gzip directories identically', async () => {
    const raw = await loadIdxDirectory(goodDir('good-raw'));
    const gz = await loadIdxDirectory(goodDir('good-gz', true));
    expect(raw.inputShape).toEqual([4, 3, 1]);
    expect(raw.classes).toBe(3);
    expect(Array.from(raw.train.y)).toEqual([0, 1, 2, 1, 0]);
    expect(raw.train.x[1]).toBeCloseTo(37 / 255, 6);
    expect(gz.train.x).toEqual(raw.train.x);
    expect(gz.test.y).toEqual(raw.test.y);
  });

  it('truncated gzip stream (a cut copy of the real file)', async () => {
    const file = join(dir, 'cut-labels.gz');
    const real = readFileSync(fm('t10k-labels-idx1-ubyte.gz'));
    writeFileSync(file, real.subarray(0, real.length - 1000));
    const e = await expectDataError(() => readIdxLabels(file), file);
    expect(e.message).toMatch(/gzip/);

    const d = goodDir('cut-gz', true);
    const images = join(d, 'train-images-idx3-ubyte.gz');
    const whole = readFileSync(images);
    writeFileSync(images, whole.subarray(0, whole.length - 10));
    await expectDataError(loadIdxDirectory(d), images);
  });

  it('truncated raw file: fewer bytes than the header promises', async () => {
    const d = goodDir('cut-raw');
    const images = join(d, 't10k-images-idx3-ubyte');
    writeFileSync(images, idxImages(3, 4, 3).subarray(0, 16 + 30));
    const e = await expectDataError(loadIdxDirectory(d), images);
    expect(e.message).toMatch(/truncated/);
    // A file cut inside its header.
    writeFileSync(images, idxImages(3, 4, 3).subarray(0, 10));
    await expectDataError(() => readIdxImages(images), images);
  });

  it('a gzip of a truncated payload is caught too', () => {
    const file = join(dir, 'short-payload.gz');
    writeFileSync(file, gzipSync(idxLabels([1, 2, 3, 4]).subarray(0, 10)));
    expect(gunzipSync(readFileSync(file)).length).toBe(10);
    return expectDataError(() => readIdxLabels(file), file);
  });

  it('wrong magic number', async () => {
    const d = goodDir('magic');
    const labels = join(d, 'train-labels-idx1-ubyte');
    writeFileSync(labels, idxLabels([0, 1, 2, 1, 0], 0x803));
    const e = await expectDataError(loadIdxDirectory(d), labels);
    expect(e.message).toContain('0x00000801');
    const images = join(d, 'train-images-idx3-ubyte');
    writeFileSync(images, idxImages(5, 4, 3, 0x801));
    await expectDataError(() => readIdxImages(images), images);
  });

  it('label and image counts that differ', async () => {
    const d = goodDir('mismatch');
    const labels = join(d, 't10k-labels-idx1-ubyte');
    writeFileSync(labels, idxLabels([2, 0]));
    const e = await expectDataError(loadIdxDirectory(d), labels);
    expect(e.message).toContain(join(d, 't10k-images-idx3-ubyte'));
  });

  it('missing file and missing directory', async () => {
    const d = goodDir('missing');
    const labels = join(d, 't10k-labels-idx1-ubyte');
    rmSync(labels);
    await expectDataError(loadIdxDirectory(d), labels);
    await expectDataError(() => readIdxLabels(labels), labels);
    const nowhere = join(dir, 'does-not-exist');
    await expectDataError(loadIdxDirectory(nowhere), nowhere);
  });

  it('a missing Fashion-MNIST default says how to get it', () => {
    const msg = missingIdxDirectoryMessage(FASHION_MNIST_DIR);
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('dataset.path');
    expect(missingIdxDirectoryMessage('/elsewhere')).not.toContain('apt-get');
  });
});
