import { describe, expect, it } from 'vitest';
import { DataError, type Split, type TaskData } from '../../data/dataset.js';
import { applyTransforms, mapLabels, permutePixels, pixelPermutation, rotateImages, rotatedShape } from '../../data/transforms.js';

/** `count` inputs of `size` distinct values each (so any rearrangement is visible). */
function distinctSplit(count: number, size: number, labels?: number[]): Split {
  const x = Float32Array.from({ length: count * size }, (_, i) => i + 0.5);
  const y = Int32Array.from({ length: count }, (_, i) => (labels ? labels[i] : i % 3));
  return { x, y, count };
}

function taskData(train: Split, test: Split, inputShape: number[], classes = 3): TaskData {
  return { name: 't', inputShape, classes, train, test };
}

describe('rotate', () => {
  it('turns a 2x3 image counter-clockwise', () => {
    // [[1 2 3]
    //  [4 5 6]]  -> 90 CCW ->  [[3 6] [2 5] [1 4]]
    const split: Split = { x: Float32Array.from([1, 2, 3, 4, 5, 6]), y: Int32Array.from([0]), count: 1 };
    expect(Array.from(rotateImages(split, [2, 3, 1], 90).x)).toEqual([3, 6, 2, 5, 1, 4]);
    expect(Array.from(rotateImages(split, [2, 3, 1], 180).x)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(Array.from(rotateImages(split, [2, 3, 1], 270).x)).toEqual([4, 1, 5, 2, 6, 3]);
    expect(rotatedShape([2, 3, 1], 90)).toEqual([3, 2, 1]);
    expect(rotatedShape([2, 3, 1], 180)).toEqual([2, 3, 1]);
  });

  it('four quarter turns are the identity; 180 is two and 270 three quarter turns (multi-channel, non-square)', () => {
    const shape = [5, 7, 2];
    const s = distinctSplit(3, 70);
    const r90 = (sp: Split, sh: number[]) => ({ sp: rotateImages(sp, sh, 90), sh: rotatedShape(sh, 90) });
    let cur = { sp: s, sh: shape };
    const turns: { sp: Split; sh: number[] }[] = [];
    for (let k = 0; k < 4; k++) {
      cur = r90(cur.sp, cur.sh);
      turns.push(cur);
    }
    expect(turns[0].sp.x).not.toEqual(s.x);
    expect(turns[3].sp.x).toEqual(s.x);
    expect(turns[3].sh).toEqual(shape);
    expect(rotateImages(s, shape, 180).x).toEqual(turns[1].sp.x);
    expect(rotateImages(s, shape, 270).x).toEqual(turns[2].sp.x);
    // Labels ride along, the input is untouched.
    expect(turns[0].sp.y).toEqual(s.y);
    expect(s.x[0]).toBe(0.5);
  });

  it('refuses non-image inputs', () => {
    expect(() => rotateImages(distinctSplit(1, 8), [8], 90)).toThrow(DataError);
  });
});

describe('permute', () => {
  it('is a seeded bijection, identical for train and test', () => {
    const perm = pixelPermutation(784, 7);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(pixelPermutation(784, 7)).toEqual(perm);
    expect(pixelPermutation(784, 8)).not.toEqual(perm);

    const train = distinctSplit(4, 784);
    const test: Split = { x: train.x.slice(0, 784 * 2), y: train.y.slice(0, 2), count: 2 };
    const out = applyTransforms(taskData(train, test, [28, 28, 1]), [{ type: 'permute', seed: 7 }]);
    // The same image permuted in train and in test comes out the same.
    expect(out.test.x).toEqual(out.train.x.subarray(0, 784 * 2));
    // Every value of every image survives exactly once.
    for (let n = 0; n < 4; n++) {
      const a = Array.from(out.train.x.subarray(n * 784, (n + 1) * 784)).sort((p, q) => p - q);
      expect(a).toEqual(Array.from(train.x.subarray(n * 784, (n + 1) * 784)));
    }
    expect(out.train.x[0]).toBe(train.x[perm[0]]);
    expect(out.train.x).not.toEqual(train.x);
  });

  it('moves the channels of a pixel together', () => {
    const s = distinctSplit(1, 12); // 2x2x3
    const perm = Int32Array.from([3, 2, 1, 0]);
    expect(Array.from(permutePixels(s, [2, 2, 3], perm).x)).toEqual([9.5, 10.5, 11.5, 6.5, 7.5, 8.5, 3.5, 4.5, 5.5, 0.5, 1.5, 2.5]);
  });
});

describe('label map', () => {
  it('maps labels and sets the class count', () => {
    const s = distinctSplit(5, 2, [0, 1, 2, 1, 0]);
    const out = applyTransforms(taskData(s, s, [2]), [{ type: 'label_map', map: [1, 0, 4] }]);
    expect(Array.from(out.train.y)).toEqual([1, 0, 4, 0, 1]);
    expect(out.classes).toBe(5);
    expect(Array.from(s.y)).toEqual([0, 1, 2, 1, 0]);
  });

  it('refuses a label outside the map, naming the task and transform', () => {
    const s = distinctSplit(3, 2, [0, 1, 2]);
    expect(() => mapLabels(s, [0, 1])).toThrow(/label 2 of example 2/);
    expect(() => applyTransforms(taskData(s, s, [2]), [{ type: 'label_map', map: [0, 1] }])).toThrow(/task "t", transforms\[0\] \(label_map\)/);
  });

  it('composes in order', () => {
    const s = distinctSplit(2, 4, [0, 1]);
    const out = applyTransforms(taskData(s, s, [2, 2, 1], 2), [
      { type: 'label_map', map: [1, 0] },
      { type: 'rotate', degrees: 180 },
      { type: 'label_map', map: [0, 2] },
    ]);
    expect(Array.from(out.train.y)).toEqual([2, 0]);
    expect(out.classes).toBe(3);
    expect(Array.from(out.train.x.subarray(0, 4))).toEqual([3.5, 2.5, 1.5, 0.5]);
  });
});
