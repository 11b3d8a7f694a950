// Transforms that make a new task out of a data set: rotated digits, permuted pixels, merged or
// relabelled classes. Pure: each returns new arrays and leaves its input untouched. On a streamed split
// each input is transformed as it is read.
import type { TransformConfig } from '../config/schema.js';
import { DataError, inputSizeOf, isStreamed, StreamedSplit, type Split, type TaskData } from './dataset.js';
import { Random } from '../lib/random.js';

export type RotationDegrees = 90 | 180 | 270;

function imageDims(inputShape: readonly number[], what: string): [number, number, number] {
  if (inputShape.length !== 3) {
    throw new DataError(`${what} needs image inputs of shape [H, W, C], got [${inputShape.join(', ')}]`);
  }
  return [inputShape[0], inputShape[1], inputShape[2]];
}

/** Shape of an H x W x C image after rotating it. */
export function rotatedShape(inputShape: readonly number[], degrees: RotationDegrees): number[] {
  const [h, w, c] = imageDims(inputShape, 'rotate');
  return degrees === 180 ? [h, w, c] : [w, h, c];
}

/** Every image rotated counter-clockwise by `degrees` (as numpy's rot90 with k = degrees / 90). A
 *  90 or 270 degree turn of an H x W image gives a W x H image. */
export function rotateImages(split: Split, inputShape: readonly number[], degrees: RotationDegrees): Split {
  const [h, w, c] = imageDims(inputShape, 'rotate');
  const size = h * w * c;
  const outW = degrees === 180 ? w : h;
  // src offset (row, col) of output pixel (i, j), from the inverse of each rotation:
  //   90:  out[i][j] = in[j][w-1-i]     180: out[i][j] = in[h-1-i][w-1-j]     270: out[i][j] = in[h-1-j][i]
  const srcOf = new Int32Array(h * w);
  const outH = degrees === 180 ? h : w;
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      let r: number, col: number;
      if (degrees === 90) [r, col] = [j, w - 1 - i];
      else if (degrees === 180) [r, col] = [h - 1 - i, w - 1 - j];
      else [r, col] = [h - 1 - j, i];
      srcOf[i * outW + j] = r * w + col;
    }
  }
  return gatherPixels(split, size, c, srcOf);
}

/** The pixel permutation of the `permute` transform with this seed: depends only on the seed and the
 *  number of positions, so train and test (and every run) get the same one. */
export function pixelPermutation(positions: number, seed: number): Int32Array {
  return Random.stream(seed, 'transform/permute').permutation(positions);
}

/** Every input with its positions shuffled: output position k takes input position perm[k]. Images
 *  are permuted by pixel (a pixel's channels move together); vectors by element. */
export function permutePixels(split: Split, inputShape: readonly number[], perm: Int32Array): Split {
  const size = inputSizeOf(inputShape);
  const channels = inputShape.length === 3 ? inputShape[2] : 1;
  if (perm.length * channels !== size) {
    throw new DataError(`permutation of ${perm.length} positions does not fit inputs of shape [${inputShape.join(', ')}]`);
  }
  return gatherPixels(split, size, channels, perm);
}

/** Only the project's own streamed splits can be wrapped; anything else streamed is refused. */
function streamedOrUndefined(split: Split, what: string): StreamedSplit | undefined {
  if (split instanceof StreamedSplit) return split;
  if (isStreamed(split)) throw new DataError(`${what} cannot be applied to this streamed split`);
  return undefined;
}

/** One input's positions moved: output position p takes input position srcOf[p] (with its channels). */
function movePixels(src: Float32Array, srcBase: number, dst: Float32Array, dstBase: number, channels: number, srcOf: Int32Array): void {
  const positions = srcOf.length;
  if (channels === 1) {
    for (let p = 0; p < positions; p++) dst[dstBase + p] = src[srcBase + srcOf[p]];
    return;
  }
  for (let p = 0; p < positions; p++) {
    const s = srcBase + srcOf[p] * channels;
    const d = dstBase + p * channels;
    for (let ch = 0; ch < channels; ch++) dst[d + ch] = src[s + ch];
  }
}

function gatherPixels(split: Split, size: number, channels: number, srcOf: Int32Array): Split {
  const streamed = streamedOrUndefined(split, 'a pixel transform');
  if (streamed) return streamed.mapped(size, `${streamed.source.description} (transformed)`, (src, out, offset) => movePixels(src, 0, out, offset, channels, srcOf));
  const x = new Float32Array(split.x.length);
  for (let n = 0; n < split.count; n++) movePixels(split.x, n * size, x, n * size, channels, srcOf);
  return { x, y: split.y.slice(), count: split.count };
}

/** Every label replaced by map[label]. A label the map does not cover is an error, not a silent drop. */
export function mapLabels(split: Split, map: readonly number[]): Split {
  const y = new Int32Array(split.count);
  for (let i = 0; i < split.count; i++) {
    const old = split.y[i];
    if (old < 0 || old >= map.length) {
      throw new DataError(`label ${old} of example ${i} is outside label_map (which covers labels 0..${map.length - 1})`);
    }
    y[i] = map[old];
  }
  const streamed = streamedOrUndefined(split, 'label_map');
  return streamed ? streamed.withLabels(y) : { x: split.x.slice(), y, count: split.count };
}

function applyOne(data: TaskData, t: TransformConfig): TaskData {
  switch (t.type) {
    case 'rotate':
      return {
        ...data,
        inputShape: rotatedShape(data.inputShape, t.degrees),
        train: rotateImages(data.train, data.inputShape, t.degrees),
        test: rotateImages(data.test, data.inputShape, t.degrees),
      };
    case 'permute': {
      const channels = data.inputShape.length === 3 ? data.inputShape[2] : 1;
      const perm = pixelPermutation(inputSizeOf(data.inputShape) / channels, t.seed);
      return { ...data, train: permutePixels(data.train, data.inputShape, perm), test: permutePixels(data.test, data.inputShape, perm) };
    }
    case 'label_map':
      // The source's class names no longer name the new labels.
      return { ...data, classes: Math.max(...t.map) + 1, classNames: undefined, train: mapLabels(data.train, t.map), test: mapLabels(data.test, t.map) };
  }
}

/** The transforms applied in order. Errors name the task and the transform's position. */
export function applyTransforms(data: TaskData, transforms: readonly TransformConfig[]): TaskData {
  let out = data;
  transforms.forEach((t, i) => {
    try {
      out = applyOne(out, t);
    } catch (err) {
      if (err instanceof DataError) {
        throw new DataError(`task "${data.name}", transforms[${i}] (${t.type}): ${err.message}`, err.file);
      }
      throw err;
    }
  });
  return { ...out, inputShape: [...out.inputShape] };
}
