// A data set made by the user's own code: an ES module whose default export (or `load`) is an async
// function returning the arrays. Whatever it returns is checked here, so a mistake in the module is an
// error naming the module and the entry at fault, before training.
import { pathToFileURL } from 'node:url';
import type { ModuleDatasetConfig } from '../config/user-datasets.js';
import { DataError, inputSizeOf, type Split, type TaskData } from './dataset.js';
import { classIndex, describeClasses, impliedCount, impliedTextClasses, integerNames } from './labels.js';

/** What the module's function is called with, besides the config's `options`. */
export interface ModuleLoadContext {
  /** The run seed: a module that draws or splits at random should use it, so runs repeat. */
  seed: number;
  /** The task's name. */
  task: string;
}

type Fail = (message: string) => never;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkShape(v: unknown, fail: Fail): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) {
    return fail(`inputShape must be a non-empty array of positive integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** Flattens one example given as nested arrays of `shape` (or one flat array of its size) into out. */
function flattenExample(v: unknown, shape: number[], size: number, out: Float32Array, offset: number, at: string, fail: Fail): void {
  if (Array.isArray(v) && v.length === size && (size === 1 || typeof v[0] === 'number')) {
    for (let j = 0; j < size; j++) out[offset + j] = v[j] as number;
    return;
  }
  let k = offset;
  const walk = (node: unknown, depth: number, where: string) => {
    if (depth === shape.length) {
      if (typeof node !== 'number') fail(`${where} is ${JSON.stringify(node) ?? typeof node}, not a number`);
      out[k++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      fail(`${where} must be an array of ${shape[depth]} (inputShape [${shape.join(', ')}], or one flat array of ${size} numbers)`);
    }
    (node as unknown[]).forEach((child, i) => walk(child, depth + 1, `${where}[${i}]`));
  };
  walk(v, 0, at);
}

function inputs(v: unknown, shape: number[], what: string, fail: Fail): { x: Float32Array; count: number } {
  const size = inputSizeOf(shape);
  let x: Float32Array;
  if (v instanceof Float32Array || v instanceof Float64Array) {
    if (v.length === 0 || v.length % size !== 0) fail(`${what}.x holds ${v.length} numbers, not a whole number of inputs of shape [${shape.join(', ')}] (${size} each)`);
    x = v instanceof Float32Array ? v.slice() : Float32Array.from(v);
  } else if (Array.isArray(v)) {
    if (v.length === 0) fail(`${what}.x is empty`);
    x = new Float32Array(v.length * size);
    v.forEach((row, n) => flattenExample(row, shape, size, x, n * size, `${what}.x[${n}]`, fail));
  } else return fail(`${what}.x must be a Float32Array or an array of examples (number[] each), got ${typeof v}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) fail(`${what}.x: example ${Math.floor(i / size)}, value ${i % size} is ${x[i]}, not a finite number`);
  }
  return { x, count: x.length / size };
}

type RawLabels = { kind: 'int'; values: ArrayLike<number> } | { kind: 'text'; values: string[] };

function rawLabels(v: unknown, what: string, fail: Fail): RawLabels {
  if (v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint32Array) {
    return { kind: 'int', values: v };
  }
  if (!Array.isArray(v)) return fail(`${what}.y must be an Int32Array, a number[] or a string[], got ${typeof v}`);
  if (v.every((l) => typeof l === 'string')) return { kind: 'text', values: v };
  v.forEach((l, i) => {
    if (!Number.isInteger(l)) fail(`${what}.y[${i}] is ${JSON.stringify(l) ?? typeof l}: labels are all integers or all class names`);
  });
  return { kind: 'int', values: v as number[] };
}

/** A task's data from the module at cfg.path. */
export async function loadModuleSource(name: string, cfg: ModuleDatasetConfig, seed: number): Promise<TaskData> {
  const file = cfg.path;
  const fail: Fail = (message) => {
    throw new DataError(`${file}: ${message}`, file);
  };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    return fail(`cannot import the module (${err instanceof Error ? err.message : String(err)})`);
  }
  const fn = typeof mod.default === 'function' ? mod.default : typeof mod.load === 'function' ? mod.load : undefined;
  if (typeof fn !== 'function') return fail('the module exports no function: export default async function (options, { seed, task }), or a function named load');
  let result: unknown;
  try {
    const context: ModuleLoadContext = { seed, task: name };
    result = await (fn as (options: unknown, context: ModuleLoadContext) => unknown)(cfg.options, context);
  } catch (err) {
    return fail(`its load function failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isRecord(result)) return fail('its load function must return { inputShape, classes or classNames, train: { x, y }, test: { x, y } }');
  const shape = checkShape(result.inputShape, fail);
  const parts = (['train', 'test'] as const).map((what) => {
    const part = result[what];
    if (!isRecord(part)) return fail(`${what} must be an object { x, y }`);
    const { x, count } = inputs(part.x, shape, what, fail);
    const y = rawLabels(part.y, what, fail);
    if (y.values.length !== count) fail(`${what} has ${count} inputs but ${y.values.length} labels`);
    return { what, x, count, y };
  });
  let names: string[];
  try {
    names = classNamesOf(result, parts, fail);
  } catch (err) {
    if (err instanceof DataError && err.file === undefined) return fail(err.message);
    throw err;
  }
  const index = classIndex(names);
  const [train, test] = parts.map(({ what, x, count, y }): Split => {
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const l = y.values[i];
      // Text labels are class names; integer labels are class indices.
      const k = y.kind === 'text' ? index.get(l as string) : (l as number);
      if (k === undefined || k < 0 || k >= names.length) {
        fail(`${what}.y[${i}]: label ${JSON.stringify(l)} is not ${y.kind === 'text' ? `one of the classes (${describeClasses(names)})` : `a class index 0..${names.length - 1}`}`);
      }
      labels[i] = k!;
    }
    return { x, y: labels, count };
  });
  return { name, inputShape: [...shape], classes: names.length, classNames: names, train, test };
}

function classNamesOf(result: Record<string, unknown>, parts: { y: RawLabels }[], fail: Fail): string[] {
  const { classes, classNames } = result;
  const list = Array.isArray(classNames) ? classNames : Array.isArray(classes) ? classes : undefined;
  if (list !== undefined) {
    if (list.length < 2 || !list.every((n) => typeof n === 'string' && n !== '') || new Set(list).size !== list.length) {
      fail('classNames must be at least two distinct non-empty strings');
    }
    return [...(list as string[])];
  }
  if (classes !== undefined) {
    if (!Number.isInteger(classes) || (classes as number) < 2) fail(`classes must be an integer of at least 2 (or classNames a string[]), got ${JSON.stringify(classes)}`);
    return integerNames(classes as number);
  }
  // Neither given: implied by the labels, as the other sources do.
  if (parts.every((p) => p.y.kind === 'text')) {
    return impliedTextClasses(
      parts.flatMap((p) => p.y.values as string[]),
      'the labels',
    );
  }
  if (parts.some((p) => p.y.kind === 'text')) fail('train.y and test.y must both be class names or both be integers');
  let max = 0;
  for (const p of parts) for (let i = 0; i < p.y.values.length; i++) max = Math.max(max, p.y.values[i] as number);
  return integerNames(impliedCount(max, 'the labels'));
}
