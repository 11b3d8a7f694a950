// Files of the user data sources, written at test time: PNG and JPEG images, CSV tables, .npy arrays
// written byte for byte per the NumPy format spec, and real digits to fill them with.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { FASHION_MNIST_DIR } from '../../config/idx-files.js';
import { loadMnistPackage } from '../../data/mnist.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hybrid-${prefix}-`));
}

export function write(file: string, data: string | Uint8Array): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  return file;
}

export interface Images {
  /** count * h * w * c values in [0, 1]. */
  x: Float32Array;
  y: Int32Array;
  count: number;
  h: number;
  w: number;
  c: number;
}

/** `n` digits of the mnist package, taken evenly over its (class-ordered) 10,010, so every class appears. */
export async function someDigits(n: number): Promise<Images> {
  const all = await loadMnistPackage();
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = Math.floor((k * all.count) / n);
    x.set(all.x.subarray(i * 784, (i + 1) * 784), k * 784);
    y[k] = all.y[i];
  }
  return { x, y, count: n, h: 28, w: 28, c: 1 };
}

export const FASHION_PRESENT = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')) || existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte'));

/** RGBA bytes of image k (grey images repeated to RGB), alpha as given. */
export function rgbaOf(img: Images, k: number, alpha = 255): Buffer {
  const px = img.h * img.w;
  const out = Buffer.alloc(px * 4);
  const base = k * px * img.c;
  for (let p = 0; p < px; p++) {
    for (let ch = 0; ch < 3; ch++) out[4 * p + ch] = Math.round(img.x[base + p * img.c + (img.c === 1 ? 0 : ch)] * 255);
    out[4 * p + 3] = alpha;
  }
  return out;
}

/** A PNG of image k: grey (colour type 0) for one channel, RGB (2) for three, RGBA (6) when alpha is given. */
export function pngBytes(img: Images, k: number, alpha?: number): Buffer {
  const png = new PNG({ width: img.w, height: img.h });
  rgbaOf(img, k, alpha).copy(png.data);
  return PNG.sync.write(png, { colorType: alpha !== undefined ? 6 : img.c === 1 ? 0 : 2 });
}

export function jpegBytes(img: Images, k: number, quality = 95): Buffer {
  return jpeg.encode({ width: img.w, height: img.h, data: rgbaOf(img, k) }, quality).data;
}

/** A folder with a sub-folder per class name, image k as `<class>/<k>.png`. */
export function writePngFolder(dir: string, img: Images, names: readonly string[] = Array.from({ length: 10 }, (_, i) => String(i))): string[] {
  const files: string[] = [];
  for (let k = 0; k < img.count; k++) files.push(write(join(dir, names[img.y[k]], `${String(k).padStart(5, '0')}.png`), pngBytes(img, k)));
  return files;
}

/** The header dict numpy writes: keys sorted, a trailing comma, a 1-tuple with its comma. */
export function npyHeaderText(descr: string, shape: readonly number[], fortran = false): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
}

/** A .npy file per the format spec: magic, version, header length (2 bytes in v1, 4 in v2 and v3), the
 *  header padded with spaces and ended by a newline so the data starts at a multiple of 64, then the data. */
export function npyBytes(descr: string, shape: readonly number[], data: Uint8Array, opts: { version?: 1 | 2 | 3; fortran?: boolean; header?: string } = {}): Buffer {
  const version = opts.version ?? 1;
  const text = opts.header ?? npyHeaderText(descr, shape, opts.fortran);
  const pre = version === 1 ? 10 : 12;
  const raw = Buffer.from(text, version === 3 ? 'utf8' : 'latin1');
  const total = Math.ceil((pre + raw.length + 1) / 64) * 64;
  const header = Buffer.concat([raw, Buffer.alloc(total - pre - raw.length - 1, 0x20), Buffer.from('\n')]);
  const out = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(out);
  if (version === 1) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  return Buffer.concat([out, header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** What a DataError-rejecting promise or call said. */
export async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<{ message: string; file?: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return { message: (err as Error).message, file: (err as { file?: string }).file };
  }
  throw new Error('expected an error, none was thrown');
}
