// Readers of Keras layer arguments, each accepting the forms Keras writes (an int or a pair for sizes,
// Keras 3 objects for activations) and refusing the rest with a LayerError naming the argument.
import { LayerError } from './layer-kind.js';

type Config = Record<string, unknown>;

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export function positiveInt(config: Config, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new LayerError(`${key} must be a positive integer, not ${show(config[key])}`);
  return v;
}

export function number(config: Config, key: string, fallback: number, check: (v: number) => boolean = Number.isFinite, range = 'a finite number'): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !check(v)) throw new LayerError(`${key} must be ${range}, not ${show(config[key])}`);
  return v;
}

export function bool(config: Config, key: string, fallback: boolean): boolean {
  const v = config[key] ?? fallback;
  if (typeof v !== 'boolean') throw new LayerError(`${key} must be true or false, not ${show(config[key])}`);
  return v;
}

export function oneOf<T extends string>(config: Config, key: string, allowed: readonly T[], fallback: T): T {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new LayerError(`${key} ${show(config[key])} is not supported; use ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
  return v as T;
}

/** A 2-D size: an int for both axes or a pair (kernel_size, strides, pool_size, dilation_rate). */
export function pair(config: Config, key: string, fallback?: [number, number]): [number, number] {
  const v = config[key] ?? fallback;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0] as number, v[1] as number];
  throw new LayerError(`${key} must be a positive integer or a pair of them, not ${show(config[key])}`);
}

/** Keras' image layers take channels_last only here: that is the layout of every batch. */
export function channelsLast(config: Config): void {
  const v = config.data_format ?? 'channels_last';
  if (v !== 'channels_last') throw new LayerError(`data_format ${show(v)} is not supported; hybrid's images are channels_last (NHWC)`);
}

/** Rank-4 (one example [height, width, channels]) inputs for the image layers. */
export function imageShape(shape: readonly number[], what = 'input'): [number, number, number] {
  if (shape.length !== 3) throw new LayerError(`needs an image ${what} (height x width x channels), got shape [${shape.join(', ')}]`);
  return [shape[0], shape[1], shape[2]];
}

/** The length of one spatial axis after a window of `size` with `stride` (TensorFlow's rule). */
export function windowOutput(input: number, size: number, stride: number, padding: 'same' | 'valid', dilation = 1): number {
  const span = (size - 1) * dilation + 1;
  const out = padding === 'same' ? Math.ceil(input / stride) : Math.ceil((input - span + 1) / stride);
  if (out < 1) throw new LayerError(`a window of ${span} with padding "${padding}" does not fit an input of ${input}`);
  return out;
}

export function requireInputs(inputShapes: readonly number[][], count: number): void {
  if (inputShapes.length !== count) throw new LayerError(`takes ${count} input${count === 1 ? '' : 's'}, got ${inputShapes.length}`);
}
