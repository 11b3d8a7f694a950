// Writes a few hundred Fashion-MNIST examples the way a user's own data often comes, for the run configs
// examples/own-models/images.json and csv.json:
//   <out>/fashion-png/{train,test}/<class>/<n>.png   a folder of PNG images with one sub-folder per class
//                                                    (the `images` source; the class list in images.json
//                                                    keeps Fashion-MNIST's label order)
//   <out>/fashion.csv, <out>/fashion-test.csv        a table: a `label` column (the class name) and the
//                                                    784 pixels p0..p783 (0..255) (the `csv` source)
// The training examples are a seeded subset of the IDX training file, the test examples one of t10k.
//
//   npm run -s build && node dist/examples/own-models/write-data.js [--train 600] [--test 200]
//   npx hybrid train --config examples/own-models/csv.json --out runs/own-csv
//   npx hybrid train --config examples/own-models/images.json --out runs/own-images   (needs the models
//                                                    of train-models.js first: it compresses them)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { PNG } from 'pngjs';
import { FASHION_MNIST_DIR, readIdxDirectory, type IdxRawSplit } from '../../data/idx.js';
import { seededSubset } from '../../data/split.js';

/** Fashion-MNIST's classes in label order (label k is CLASSES[k]); images.json and csv.json list them. */
export const CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

interface Options {
  train: number;
  test: number;
  seed: number;
  fashion: string;
  out: string;
}

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer of at least ${min}`);
    return n;
  };
}

function parseOptions(argv: readonly string[]): Options {
  const program = new Command('write-data')
    .description('Write Fashion-MNIST examples as a PNG class-folder tree and as CSV tables, for images.json and csv.json.')
    .option('--train <n>', 'training examples (a seeded subset of the IDX training file)', integer(1), 600)
    .option('--test <n>', 'test examples (a seeded subset of t10k)', integer(1), 200)
    .option('--seed <n>', 'seed of the subsets', integer(0), 1)
    .option('--fashion <dir>', 'the Fashion-MNIST IDX directory', FASHION_MNIST_DIR)
    .option('--out <dir>', 'where the data goes', 'examples/own-models/data')
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'user' });
  return program.opts<Options>();
}

/** Image `i` of a split as a grayscale PNG file. */
function pngOf(split: IdxRawSplit, i: number, rows: number, cols: number): Buffer {
  const png = new PNG({ width: cols, height: rows });
  for (let p = 0; p < rows * cols; p++) {
    const v = split.pixels[i * rows * cols + p];
    png.data[4 * p] = v;
    png.data[4 * p + 1] = v;
    png.data[4 * p + 2] = v;
    png.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/** One split's chosen examples: PNG files under `dir`/<class>/ and a CSV table at `csv`. */
function writeSplit(split: IdxRawSplit, indices: Int32Array, rows: number, cols: number, dir: string, csv: string): void {
  for (const name of CLASSES) mkdirSync(join(dir, name), { recursive: true });
  const pixels = rows * cols;
  const lines = [['label', ...Array.from({ length: pixels }, (_, p) => `p${p}`)].join(',')];
  indices.forEach((i, n) => {
    const label = CLASSES[split.labels[i]];
    writeFileSync(join(dir, label, `${String(n).padStart(5, '0')}.png`), pngOf(split, i, rows, cols));
    lines.push([label, ...split.pixels.subarray(i * pixels, (i + 1) * pixels)].join(','));
  });
  writeFileSync(csv, `${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const raw = await readIdxDirectory(options.fashion);
  if (raw.classes !== CLASSES.length) throw new Error(`${options.fashion}: ${raw.classes} classes; Fashion-MNIST has ${CLASSES.length}`);
  const out = resolve(options.out);
  const tree = join(out, 'fashion-png');
  // A rerun with fewer examples must not leave the last run's images behind.
  rmSync(tree, { recursive: true, force: true });
  const train = seededSubset(raw.train.count, options.train, options.seed, 'own-models/write-data/train');
  const test = seededSubset(raw.test.count, options.test, options.seed, 'own-models/write-data/test');
  writeSplit(raw.train, train, raw.rows, raw.cols, join(tree, 'train'), join(out, 'fashion.csv'));
  writeSplit(raw.test, test, raw.rows, raw.cols, join(tree, 'test'), join(out, 'fashion-test.csv'));
  process.stdout.write(`${train.length} training and ${test.length} test examples -> ${tree}/{train,test}/<class>/, ${join(out, 'fashion.csv')}, ${join(out, 'fashion-test.csv')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`write-data: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
