// The learning-rate schedule both sides share (model/learning-rate.ts): the cosine schedule's values at
// known points, clamping outside [0, totalSteps], the constant schedule, and degenerate lengths.
import { describe, expect, it } from 'vitest';
import { lrScale, type LrSchedule } from '../../model/learning-rate.js';

const quarter = (1 + Math.cos(Math.PI / 4)) / 2; // ~0.8536
const threeQuarters = (1 + Math.cos((3 * Math.PI) / 4)) / 2; // ~0.1464

describe('lrScale', () => {
  it.each<[string, number, number, number]>([
    ['start', 0, 100, 1],
    ['a quarter', 25, 100, quarter],
    ['half', 50, 100, 0.5],
    ['three quarters', 75, 100, threeQuarters],
    ['the end', 100, 100, 0],
    ['one step before the end', 999, 1000, (1 + Math.cos((Math.PI * 999) / 1000)) / 2],
    ['half of an odd length', 3.5, 7, 0.5],
    ['beyond the end (clamped)', 150, 100, 0],
    ['far beyond the end (clamped)', 1e9, 100, 0],
    ['a negative step (clamped)', -5, 100, 1],
    ['a large negative step (clamped)', -1e9, 100, 1],
    ['two steps: the second', 1, 2, 0.5],
  ])('cosine at %s: lrScale(cosine, %d, %d) = %d', (_what, step, total, expected) => {
    expect(lrScale('cosine', step, total)).toBeCloseTo(expected, 12);
  });

  it('cosine decreases monotonically from 1 to 0 and is symmetric about the middle', () => {
    const total = 40;
    const values = Array.from({ length: total + 1 }, (_, s) => lrScale('cosine', s, total));
    for (let s = 1; s <= total; s++) expect(values[s]).toBeLessThan(values[s - 1]);
    // cos(pi (1 - p)) = -cos(pi p): the scales at s and total - s sum to 1.
    for (let s = 0; s <= total; s++) expect(values[s] + values[total - s]).toBeCloseTo(1, 12);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it.each<[number, number]>([
    [0, 100],
    [25, 100],
    [50, 100],
    [100, 100],
    [250, 100],
    [-3, 100],
    [7, 1],
  ])('constant is 1 everywhere: lrScale(constant, %d, %d)', (step, total) => {
    expect(lrScale('constant', step, total)).toBe(1);
  });

  it.each<[LrSchedule, number, number]>([
    ['cosine', 0, 1],
    ['cosine', 1, 1],
    ['cosine', 5, 1],
    ['cosine', 0, 0],
    ['cosine', 3, 0],
    ['cosine', 3, -4],
    ['constant', 1, 1],
    ['constant', 2, 0],
  ])('%s with totalSteps <= 1 is 1: step %d of %d', (schedule, step, total) => {
    expect(lrScale(schedule, step, total)).toBe(1);
  });
});
