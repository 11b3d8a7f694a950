// Image data sets: a folder with one sub-folder per class, or a CSV index of (path, label). Every file is
// checked cheaply (header and end) before training; the images are then decoded whole when they fit the
// cache budget, and otherwise streamed: decoded on demand, batch by batch, through a bounded LRU cache.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ImagesDatasetConfig } from '../config/user-datasets.js';
import { BadEntries, columnsOf, readCsvTable } from './csv.js';
import { DataError, StreamedSplit, type ExampleSource, type Split, type TaskData } from './dataset.js';
import { ExampleCache, type CacheStats } from './example-cache.js';
import { checkImageFile, decodeImageFile, isImageName, rgbaToChannels } from './image-decode.js';
import { classIndex, impliedTextClasses, notAClass } from './labels.js';
import { resizeBilinear } from './resize.js';
import { allIndices, holdOut, keepAtMost } from './split.js';

export interface ImageEntry {
  /** The image file, absolute. */
  file: string;
  label: string;
  /** Where the entry comes from, for messages: the file itself, or the index file and line. */
  at: string;
  /** The file a bad entry is blamed on (DataError.file). */
  blame: string;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The images of a folder with one sub-folder per class (the sub-folder's name is the label), in class
 *  then file name order. Hidden entries, loose files and other file types are not examples. */
export function listClassFolders(dir: string): ImageEntry[] {
  if (!statOrUndefined(dir)?.isDirectory()) throw new DataError(`${dir}: image folder not found`, dir);
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const visible = (folder: string) => readdirSync(folder).filter((n) => !n.startsWith('.'));
  const classes = visible(dir)
    .filter((n) => statOrUndefined(join(dir, n))?.isDirectory())
    .sort(byName);
  if (classes.length === 0) throw new DataError(`${dir}: no class sub-folders (put each class's images in a sub-folder named after the class)`, dir);
  const entries: ImageEntry[] = [];
  for (const label of classes) {
    const folder = join(dir, label);
    for (const n of visible(folder).filter(isImageName).sort(byName)) {
      const file = join(folder, n);
      if (statOrUndefined(file)?.isFile()) entries.push({ file, label, at: file, blame: file });
    }
  }
  if (entries.length === 0) throw new DataError(`${dir}: no PNG or JPEG files in its class sub-folders`, dir);
  return entries;
}

/** The images listed by a CSV index with `path` and `label` columns; paths relative to the index file. */
export function readImageIndex(indexFile: string, bad: BadEntries): ImageEntry[] {
  const table = readCsvTable(indexFile);
  const [pathCol, labelCol] = columnsOf(table, ['path', 'label'], 'index');
  const entries: ImageEntry[] = [];
  for (const { cells, line } of table.rows) {
    const at = `${indexFile} line ${line}`;
    if (cells.length !== table.header.length) bad.report(`${at}: ${cells.length} columns, the header has ${table.header.length}`, indexFile);
    else if (cells[pathCol] === '' || cells[labelCol] === '') bad.report(`${at}: the ${cells[pathCol] === '' ? 'path' : 'label'} is empty`, indexFile);
    else entries.push({ file: resolve(dirname(indexFile), cells[pathCol]), label: cells[labelCol], at, blame: indexFile });
  }
  if (entries.length === 0) throw new DataError(`${indexFile}: lists no images`, indexFile);
  return entries;
}

/** Decodes one image file, converted to `channels` and resized to h x w, into out[offset ..]. */
export function decodeExample(file: string, h: number, w: number, channels: 1 | 3, out: Float32Array, offset: number): void {
  const img = decodeImageFile(file);
  resizeBilinear(rgbaToChannels(img, channels), img.height, img.width, channels, h, w, out, offset);
}

/** Image files decoded on demand through a bounded cache: the source of streamed image splits. */
export class ImageSource implements ExampleSource {
  readonly count: number;
  readonly size: number;
  private readonly cache: ExampleCache;

  constructor(
    readonly files: readonly string[],
    readonly shape: readonly [number, number, 1 | 3],
    cacheBytes: number,
    readonly description: string,
  ) {
    this.count = files.length;
    this.size = shape[0] * shape[1] * shape[2];
    this.cache = new ExampleCache(this.size, cacheBytes);
  }

  read(index: number, out: Float32Array, offset: number): void {
    if (this.cache.copyTo(index, out, offset)) return;
    const slot = this.cache.slot(index);
    try {
      decodeExample(this.files[index], this.shape[0], this.shape[1], this.shape[2], slot ?? out, slot ? 0 : offset);
    } catch (err) {
      this.cache.drop(index);
      throw err;
    }
    if (slot) out.set(slot, offset);
  }

  cacheStats(): CacheStats {
    return this.cache.stats();
  }
}

/** Whether to stream: as configured, else when the decoded examples would not fit the cache budget. */
function streams(cfg: ImagesDatasetConfig, examples: number, size: number): boolean {
  return cfg.stream ?? examples * size * Float32Array.BYTES_PER_ELEMENT > cfg.cache_mb * 2 ** 20;
}

function decodeAll(files: readonly string[], y: Int32Array, indices: Int32Array, shape: readonly [number, number, 1 | 3], bad: BadEntries): Split {
  const size = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(indices.length * size);
  const kept: number[] = [];
  for (const i of indices) {
    try {
      decodeExample(files[i], shape[0], shape[1], shape[2], x, kept.length * size);
      kept.push(y[i]);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      bad.report(err.message, err.file ?? files[i]);
    }
  }
  return { x: kept.length === indices.length ? x : x.slice(0, kept.length * size), y: Int32Array.from(kept), count: kept.length };
}

/** A task's data from an image folder or index (and its test folder or index). */
export function loadImages(name: string, cfg: ImagesDatasetConfig, seed: number): TaskData {
  const bad = new BadEntries(cfg.on_bad);
  const list = (folder: string | undefined, index: string | undefined) => (folder !== undefined ? listClassFolders(folder) : index !== undefined ? readImageIndex(index, bad) : undefined);
  const main = list(cfg.path, cfg.index);
  if (!main) throw new DataError('images: give path (a folder with a sub-folder per class) or index (a CSV of path,label)');
  const testList = list(cfg.test_path, cfg.test_index);
  const origin = [cfg.path ?? cfg.index, cfg.test_path ?? cfg.test_index].filter((p) => p !== undefined).join(' and ');
  const labels = [...main, ...(testList ?? [])].map((e) => e.label);
  const names = cfg.classes ?? impliedTextClasses(labels, origin);
  const index = classIndex(names);
  // Labels are checked, then every file's header, before anything is decoded.
  const usable = (entries: ImageEntry[]) =>
    entries.filter((e) => {
      if (!index.has(e.label)) return bad.report(`${e.at}: ${notAClass(e.label, names, cfg.classes !== undefined)}`, e.blame);
      try {
        checkImageFile(e.file);
        return true;
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        return bad.report(e.at === e.file ? err.message : `${e.at}: ${err.message}`, err.file ?? e.file);
      }
    });
  const trainEntries = usable(main);
  const testEntries = testList ? usable(testList) : [];
  if (trainEntries.length === 0) throw new DataError(`${cfg.path ?? cfg.index}: no usable images`, cfg.path ?? cfg.index);
  if (testList && testEntries.length === 0) throw new DataError(`${cfg.test_path ?? cfg.test_index}: no usable images`, cfg.test_path ?? cfg.test_index);
  const all = [...trainEntries, ...testEntries];
  const files = all.map((e) => e.file);
  const y = Int32Array.from(all, (e) => index.get(e.label)!);
  let trainIdx: Int32Array, testIdx: Int32Array;
  if (testList) {
    trainIdx = keepAtMost(allIndices(trainEntries.length), cfg.train, seed, 'images-train');
    testIdx = allIndices(testEntries.length).map((i) => trainEntries.length + i);
  } else ({ train: trainIdx, test: testIdx } = holdOut(trainEntries.length, cfg.test, cfg.train, seed, 'images'));
  const shape: [number, number, 1 | 3] = [cfg.size[0], cfg.size[1], cfg.channels];
  const size = shape[0] * shape[1] * shape[2];
  let train: Split, test: Split;
  if (streams(cfg, trainIdx.length + testIdx.length, size)) {
    const source = new ImageSource(files, shape, cfg.cache_mb * 2 ** 20, `image data set ${origin}`);
    const labelsAt = (indices: Int32Array) => indices.map((i) => y[i]);
    train = new StreamedSplit(source, trainIdx, labelsAt(trainIdx));
    test = new StreamedSplit(source, testIdx, labelsAt(testIdx));
  } else {
    train = decodeAll(files, y, trainIdx, shape, bad);
    test = decodeAll(files, y, testIdx, shape, bad);
    if (train.count === 0 || test.count === 0) throw new DataError(`${origin}: no image of the ${train.count === 0 ? 'training' : 'test'} split could be decoded`, cfg.path ?? cfg.index);
  }
  return { name, inputShape: [...shape], classes: names.length, classNames: [...names], train, test, skipped: bad.skipped };
}
