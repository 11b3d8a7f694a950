// Reader for MNIST-family IDX files (LeCun's format: big-endian magic, big-endian dimensions, then one
// unsigned byte per value), gzip-compressed or raw. Every check happens before anything is returned, so
// a caller gets a whole data set or a DataError naming the file at fault.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { FASHION_MNIST_DIR, FASHION_MNIST_HINT, IDX_FILE_NAMES } from '../config/idx-files.js';
import { DataError, type Split } from './dataset.js';
import { seededSubset } from './split.js';

export { FASHION_MNIST_DIR };

const IMAGES_MAGIC = 0x00000803; // unsigned byte, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned byte, 1 dimension

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes, row-major, 0 (background) .. 255. */
  pixels: Uint8Array;
}

/** One split of an IDX directory as stored: bytes, not yet floats. */
export interface IdxRawSplit {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** An IDX directory as stored on disk (train and t10k files), validated. */
export interface IdxRawDirectory {
  dir: string;
  rows: number;
  cols: number;
  /** Largest label in either split, plus one. */
  classes: number;
  train: IdxRawSplit;
  test: IdxRawSplit;
}

export interface IdxData {
  inputShape: number[];
  classes: number;
  train: Split;
  test: Split;
}

export interface IdxLoadOptions {
  /** Keep at most this many training / test examples, a subset chosen by `seed`. */
  train?: number;
  test?: number;
  seed?: number;
}

const gunzipAsync = promisify(gunzip);

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function gunzipError(path: string, err: unknown): DataError {
  const why = err instanceof Error ? err.message : String(err);
  return new DataError(`${path}: gzip stream is truncated or corrupt (${why})`, path);
}

function readError(path: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new DataError(`${path}: file not found`, path);
  const why = err instanceof Error ? err.message : String(err);
  return new DataError(`${path}: cannot read (${why})`, path);
}

function readDecodedSync(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw readError(path, err);
  }
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw gunzipError(path, err);
  }
}

// Decompression runs on libuv's thread pool, so a worker stays responsive (heartbeats) while it loads.
async function readDecoded(path: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw readError(path, err);
  }
  if (!isGzip(buf)) return buf;
  try {
    return await gunzipAsync(buf);
  } catch (err) {
    throw gunzipError(path, err);
  }
}

function checkHeader(buf: Buffer, path: string, magic: number, headerBytes: number, what: string): void {
  if (buf.length < headerBytes) {
    throw new DataError(`${path}: truncated: ${buf.length} bytes, shorter than the ${headerBytes}-byte IDX ${what} header`, path);
  }
  const found = buf.readUInt32BE(0);
  if (found !== magic) {
    throw new DataError(`${path}: not an IDX ${what} file: magic number 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')}`, path);
  }
}

function checkLength(buf: Buffer, path: string, expected: number, promise: string): void {
  if (buf.length < expected) {
    throw new DataError(`${path}: truncated: the header promises ${promise} (${expected} bytes in all), the file has ${buf.length} bytes`, path);
  }
  // Trailing bytes mean the header and the payload disagree: the file is not what it claims to be.
  if (buf.length > expected) {
    throw new DataError(`${path}: ${buf.length - expected} bytes after the ${promise} the header promises (${expected} bytes expected)`, path);
  }
}

/** Parses decoded (decompressed) IDX image bytes; `path` is only for messages. */
export function parseIdxImages(buf: Buffer, path: string): IdxImages {
  checkHeader(buf, path, IMAGES_MAGIC, 16, 'images');
  const count = buf.readUInt32BE(4);
  const rows = buf.readUInt32BE(8);
  const cols = buf.readUInt32BE(12);
  if (rows === 0 || cols === 0) throw new DataError(`${path}: images of ${rows}x${cols} pixels`, path);
  const n = count * rows * cols;
  checkLength(buf, path, 16 + n, `${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 16, n) };
}

/** Parses decoded IDX label bytes; `path` is only for messages. */
export function parseIdxLabels(buf: Buffer, path: string): Uint8Array {
  checkHeader(buf, path, LABELS_MAGIC, 8, 'labels');
  const count = buf.readUInt32BE(4);
  checkLength(buf, path, 8 + count, `${count} labels`);
  return new Uint8Array(buf.buffer, buf.byteOffset + 8, count);
}

export function readIdxImages(path: string): IdxImages {
  return parseIdxImages(readDecodedSync(path), path);
}

export function readIdxLabels(path: string): Uint8Array {
  return parseIdxLabels(readDecodedSync(path), path);
}

function findIdxFile(dir: string, base: string): string {
  // The raw file wins when both exist: it needs no decompression.
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  const p = join(dir, base);
  throw new DataError(`missing IDX file: neither ${p} nor ${p}.gz exists`, p);
}

/** What to say when an IDX directory does not exist; for the Fashion-MNIST default, how to get it. */
export function missingIdxDirectoryMessage(dir: string): string {
  if (dir === FASHION_MNIST_DIR) {
    return `Fashion-MNIST not found at ${dir}: ${FASHION_MNIST_HINT} (${IDX_FILE_NAMES.map((f) => `${f}[.gz]`).join(', ')})`;
  }
  return `IDX directory not found: ${dir}`;
}

function checkDirectory(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new DataError(missingIdxDirectoryMessage(dir), dir);
}

async function readSplit(dir: string, prefix: 'train' | 't10k'): Promise<IdxImages & { labels: Uint8Array; imagesPath: string }> {
  const imagesPath = findIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  const [imgBuf, lblBuf] = await Promise.all([readDecoded(imagesPath), readDecoded(labelsPath)]);
  const images = parseIdxImages(imgBuf, imagesPath);
  const labels = parseIdxLabels(lblBuf, labelsPath);
  if (labels.length !== images.count) {
    throw new DataError(`${labelsPath} holds ${labels.length} labels but ${imagesPath} holds ${images.count} images`, labelsPath);
  }
  return { ...images, labels, imagesPath };
}

/** Reads and validates the four files of an IDX directory, keeping bytes as stored. */
export async function readIdxDirectory(dir: string): Promise<IdxRawDirectory> {
  const abs = resolve(dir);
  checkDirectory(abs);
  // Every file is located before any is read, so a missing one is reported without a slow read first.
  for (const prefix of ['train', 't10k']) {
    findIdxFile(abs, `${prefix}-images-idx3-ubyte`);
    findIdxFile(abs, `${prefix}-labels-idx1-ubyte`);
  }
  const train = await readSplit(abs, 'train');
  const test = await readSplit(abs, 't10k');
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw new DataError(`${test.imagesPath} holds ${test.rows}x${test.cols} images but ${train.imagesPath} holds ${train.rows}x${train.cols}`, test.imagesPath);
  }
  let maxLabel = 0;
  for (const l of [train.labels, test.labels]) for (let i = 0; i < l.length; i++) if (l[i] > maxLabel) maxLabel = l[i];
  return {
    dir: abs,
    rows: train.rows,
    cols: train.cols,
    classes: Math.max(2, maxLabel + 1),
    train: { count: train.count, pixels: train.pixels, labels: train.labels },
    test: { count: test.count, pixels: test.pixels, labels: test.labels },
  };
}

/** The chosen examples of a stored split as floats in [0, 1] and int labels, in new arrays. */
export function idxSplitToFloat(raw: IdxRawSplit, pixelsPerImage: number, indices?: Int32Array): Split {
  const count = indices ? indices.length : raw.count;
  const x = new Float32Array(count * pixelsPerImage);
  const y = new Int32Array(count);
  const scale = 1 / 255;
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k] : k;
    const src = i * pixelsPerImage;
    const dst = k * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) x[dst + p] = raw.pixels[src + p] * scale;
    y[k] = raw.labels[i];
  }
  return { x, y, count };
}

/** Converts a read directory to float splits, keeping seeded subsets when `opts` asks for them. */
export function idxToData(raw: IdxRawDirectory, opts: IdxLoadOptions = {}): IdxData {
  const seed = opts.seed ?? 0;
  const ppi = raw.rows * raw.cols;
  const pick = (split: IdxRawSplit, k: number | undefined, stream: string) => (k === undefined || k >= split.count ? undefined : seededSubset(split.count, k, seed, stream));
  return {
    inputShape: [raw.rows, raw.cols, 1],
    classes: raw.classes,
    train: idxSplitToFloat(raw.train, ppi, pick(raw.train, opts.train, 'idx-train')),
    test: idxSplitToFloat(raw.test, ppi, pick(raw.test, opts.test, 'idx-test')),
  };
}

/** Loads an IDX directory (files' own train / t10k split) as floats, optionally as seeded subsets. */
export async function loadIdxDirectory(dir: string, opts: IdxLoadOptions = {}): Promise<IdxData> {
  return idxToData(await readIdxDirectory(dir), opts);
}
