// CSV tables: a header row, one label column, numeric feature columns. Every row is checked before
// anything is returned, so a bad row is an error naming the file and its line (or, with on_bad 'skip',
// is left out and counted). Features are standardised with the training split's statistics.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CsvDatasetConfig } from '../config/user-datasets.js';
import { DataError, type Split, type TaskData } from './dataset.js';
import { classIndex, impliedTextClasses, notAClass } from './labels.js';
import { applyStandardize, fitStandardize } from './preprocess.js';
import { allIndices, holdOut, keepAtMost } from './split.js';

export interface CsvRow {
  cells: string[];
  /** Line of the file the row ends on (1 is the header), for messages. */
  line: number;
}

export interface CsvTable {
  file: string;
  header: string[];
  rows: CsvRow[];
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

export function readError(file: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new DataError(`${file}: file not found`, file);
  return new DataError(`${file}: cannot read (${err instanceof Error ? err.message : String(err)})`, file);
}

function parseCsv(text: string, file: string, delimiter: string, toLine?: number): ParsedRecord[] {
  try {
    return parse(text, { delimiter, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true, to_line: toLine }) as unknown as ParsedRecord[];
  } catch (err) {
    throw new DataError(`${file}: not valid CSV (${err instanceof Error ? err.message : String(err)})`, file);
  }
}

function checkHeader(header: string[], file: string): string[] {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new DataError(`${file}: the header's column ${i + 1} has no name`, file);
    if (seen.has(name)) throw new DataError(`${file}: the header names the column ${JSON.stringify(name)} twice`, file);
    seen.add(name);
  });
  return header;
}

/** A whole CSV file: its header (required) and its rows, not yet checked against the header. */
export function readCsvTable(file: string, delimiter = ','): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  const records = parseCsv(text, file, delimiter);
  if (records.length === 0) throw new DataError(`${file}: empty: a header row is required`, file);
  const header = checkHeader(records[0].record, file);
  return { file, header, rows: records.slice(1).map((r) => ({ cells: r.record, line: r.info.lines })) };
}

/** The header row alone, reading only the start of the file (a coordinator needs the column count). */
export function readCsvHeader(file: string, delimiter = ','): string[] {
  const chunk = Buffer.alloc(1 << 20);
  let n: number;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, chunk, 0, chunk.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw readError(file, err);
  }
  const records = parseCsv(chunk.subarray(0, n).toString('utf8'), file, delimiter, 1);
  if (records.length === 0) throw new DataError(`${file}: empty: a header row is required`, file);
  return checkHeader(records[0].record, file);
}

/** Column positions of `names` in a table's header; a missing one is an error naming the file. */
export function columnsOf(table: Pick<CsvTable, 'file' | 'header'>, names: readonly string[], what: string): number[] {
  return names.map((name) => {
    const at = table.header.indexOf(name);
    if (at < 0) throw new DataError(`${table.file}: no ${what} column ${JSON.stringify(name)} in the header (its columns: ${table.header.join(', ')})`, table.file);
    return at;
  });
}

/** The feature columns of a config: those listed, or every column but the label. */
export function csvFeatureColumns(cfg: Pick<CsvDatasetConfig, 'features' | 'label'>, header: readonly string[]): string[] {
  return cfg.features ?? header.filter((c) => c !== cfg.label);
}

/** Calls `bad(message, file)` for a row at fault: throws under on_bad 'error', counts it under 'skip'. */
export class BadEntries {
  skipped = 0;
  constructor(private readonly policy: 'error' | 'skip') {}

  /** Returns false (the entry is to be left out) or throws. */
  report(message: string, file: string): false {
    if (this.policy === 'error') throw new DataError(message, file);
    this.skipped++;
    return false;
  }
}

interface Rows {
  x: Float32Array;
  labels: string[];
  lines: number[];
  file: string;
}

/** The rows that fit the header and hold numbers in every feature column. */
function numericRows(table: CsvTable, labelCol: number, featureCols: number[], features: string[], bad: BadEntries): Rows {
  const d = featureCols.length;
  const x = new Float32Array(table.rows.length * d);
  const labels: string[] = [];
  const lines: number[] = [];
  const where = (line: number) => `${table.file} line ${line}`;
  rows: for (const { cells, line } of table.rows) {
    if (cells.length !== table.header.length) {
      bad.report(`${where(line)}: ${cells.length} columns, the header has ${table.header.length}`, table.file);
      continue;
    }
    const label = cells[labelCol];
    if (label === '') {
      bad.report(`${where(line)}: the label column is empty`, table.file);
      continue;
    }
    const base = labels.length * d;
    for (let j = 0; j < d; j++) {
      const cell = cells[featureCols[j]];
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        bad.report(`${where(line)}, column ${JSON.stringify(features[j])}: ${JSON.stringify(cell)} is not a number`, table.file);
        continue rows;
      }
      x[base + j] = v;
    }
    labels.push(label);
    lines.push(line);
  }
  return { x: labels.length * d === x.length ? x : x.slice(0, labels.length * d), labels, lines, file: table.file };
}

/** Class indices of the rows; a label outside a configured list is a bad row. Returns the kept rows. */
function labelRows(rows: Rows, index: Map<string, number>, names: string[], configured: boolean, d: number, bad: BadEntries): { x: Float32Array; y: Int32Array } {
  const keep: number[] = [];
  const y: number[] = [];
  rows.labels.forEach((label, r) => {
    const k = index.get(label);
    if (k === undefined) bad.report(`${rows.file} line ${rows.lines[r]}: ${notAClass(label, names, configured)}`, rows.file);
    else {
      keep.push(r);
      y.push(k);
    }
  });
  if (keep.length === rows.labels.length) return { x: rows.x, y: Int32Array.from(y) };
  const x = new Float32Array(keep.length * d);
  keep.forEach((r, k) => x.set(rows.x.subarray(r * d, (r + 1) * d), k * d));
  return { x, y: Int32Array.from(y) };
}

function pick(x: Float32Array, y: Int32Array, d: number, indices: Int32Array): Split {
  const out = new Float32Array(indices.length * d);
  indices.forEach((i, k) => out.set(x.subarray(i * d, (i + 1) * d), k * d));
  return { x: out, y: indices.map((i) => y[i]), count: indices.length };
}

/** A task's data from a CSV file (and its test file), split by `seed` where there is no test file. */
export function loadCsv(name: string, cfg: CsvDatasetConfig, seed: number): TaskData {
  if (cfg.test_path !== undefined && cfg.test !== undefined) throw new DataError('csv: give test or test_path, not both');
  const bad = new BadEntries(cfg.on_bad);
  const table = readCsvTable(cfg.path, cfg.delimiter);
  const features = csvFeatureColumns(cfg, table.header);
  if (features.length === 0) throw new DataError(`${table.file}: no feature columns besides the label ${JSON.stringify(cfg.label)}`, table.file);
  if (features.includes(cfg.label)) throw new DataError(`${table.file}: the label column ${JSON.stringify(cfg.label)} is also listed as a feature`, table.file);
  const tables = cfg.test_path === undefined ? [table] : [table, readCsvTable(cfg.test_path, cfg.delimiter)];
  const numeric = tables.map((t) => numericRows(t, columnsOf(t, [cfg.label], 'label')[0], columnsOf(t, features, 'feature'), features, bad));
  const allLabels = numeric.flatMap((r) => r.labels);
  const names = cfg.classes ?? impliedTextClasses(allLabels, tables.map((t) => t.file).join(' and '));
  const index = classIndex(names);
  const d = features.length;
  const [all, testFile] = numeric.map((rows) => labelRows(rows, index, names, cfg.classes !== undefined, d, bad));
  const count = all.y.length;
  if (count === 0) throw new DataError(`${table.file}: no usable rows`, table.file);
  let train: Split, test: Split;
  if (testFile) {
    if (testFile.y.length === 0) throw new DataError(`${tables[1].file}: no usable rows`, tables[1].file);
    train = pick(all.x, all.y, d, keepAtMost(allIndices(count), cfg.train, seed, 'csv-train'));
    test = { x: testFile.x, y: testFile.y, count: testFile.y.length };
  } else {
    const split = holdOut(count, cfg.test, cfg.train, seed, 'csv');
    train = pick(all.x, all.y, d, split.train);
    test = pick(all.x, all.y, d, split.test);
  }
  const preprocess = fitStandardize(train.x, train.count, features);
  applyStandardize(preprocess, train.x);
  applyStandardize(preprocess, test.x);
  return { name, inputShape: [d], classes: names.length, classNames: [...names], train, test, preprocess, skipped: bad.skipped };
}
