import { describe, expect, it } from 'vitest';
import { loadMnistPackage } from '../../data/mnist.js';

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('mnist package digits', () => {
  it('holds 10,000 digits (28x28x1, [0, 1]) in a fixed class order', async () => {
    const data = await loadMnistPackage();
    // The package's README says 10000; its src/digits/<d>.json files hold exactly these per-class counts.
    expect(data.count).toBe(10000);
    expect(data.inputShape).toEqual([28, 28, 1]);
    expect(data.classes).toBe(10);
    expect(data.x.length).toBe(10000 * 784);
    const perClass = new Array(10).fill(0);
    for (const l of data.y) perClass[l]++;
    expect(perClass).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Read in file order (all 0s first, then 1s ...), never shuffled.
    for (let i = 1; i < data.count; i++) expect(data.y[i]).toBeGreaterThanOrEqual(data.y[i - 1]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of data.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 1]);
    // Every image has ink.
    for (let n = 0; n < data.count; n += 97) {
      expect(data.x.subarray(n * 784, (n + 1) * 784).some((v) => v > 0.5)).toBe(true);
    }
  });

  it('is deterministic', async () => {
    const a = await loadMnistPackage();
    const b = await loadMnistPackage();
    // Byte comparison: a deep toEqual over 7.8M floats takes minutes.
    expect(bytesOf(a.x).equals(bytesOf(b.x))).toBe(true);
    expect(bytesOf(a.y).equals(bytesOf(b.y))).toBe(true);
    expect(a.x === b.x).toBe(false); // not `.not.toBe`: on a mismatch vitest deep-compares to word its message
  });
});
