import { describe, expect, it } from 'vitest';
import { datasetSchema } from '../../config/schema.js';
import { gaussianInputs, makeSyntheticData, makeTeacher, teacherLabels, type SyntheticConfig } from '../../data/synthetic.js';

const cfg = (over: Partial<SyntheticConfig> = {}): SyntheticConfig => datasetSchema.parse({ source: 'synthetic', ...over }) as SyntheticConfig;

function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

describe('synthetic teacher task', () => {
  it('has the configured shape and labels in range', () => {
    const d = makeSyntheticData('s', cfg({ features: 16, classes: 4, train: 300, test: 100 }), 0);
    expect(d.inputShape).toEqual([16]);
    expect(d.classes).toBe(4);
    expect([d.train.count, d.test.count, d.train.x.length, d.test.y.length]).toEqual([300, 100, 4800, 100]);
    const perClass = [0, 0, 0, 0];
    for (const l of d.train.y) perClass[l]++;
    expect(perClass.reduce((a, b) => a + b)).toBe(300);
    // Every class occurs: the teacher is not degenerate.
    for (const n of perClass) expect(n).toBeGreaterThan(0);
    // Inputs are standard Gaussian.
    const mean = d.train.x.reduce((a, b) => a + b, 0) / d.train.x.length;
    const varc = d.train.x.reduce((a, b) => a + (b - mean) ** 2, 0) / d.train.x.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(varc).toBeGreaterThan(0.9);
    expect(varc).toBeLessThan(1.1);
  });

  it('is deterministic from the seeds', () => {
    const a = makeSyntheticData('s', cfg(), 3);
    const b = makeSyntheticData('s', cfg(), 3);
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    const c = makeSyntheticData('s', cfg(), 4);
    expect(Array.from(c.train.x.subarray(0, 64))).not.toEqual(Array.from(a.train.x.subarray(0, 64)));
  });

  it('shares the dense teacher across task seeds and changes a task_density fraction of it', () => {
    const t0 = makeTeacher(cfg({ task_seed: 0 }));
    const t1 = makeTeacher(cfg({ task_seed: 1 }));
    let differ = 0;
    for (let i = 0; i < t0.w1.length; i++) if (t0.w1[i] !== t1.w1[i]) differ++;
    // Each task changes round(0.05 * 2048) = 102 of w1; two tasks differ where either changed (up to 204).
    expect(differ).toBeGreaterThan(150);
    expect(differ).toBeLessThanOrEqual(204);
    const other = makeTeacher(cfg({ teacher_seed: 2, task_seed: 0 }));
    let differOther = 0;
    for (let i = 0; i < t0.w1.length; i++) if (t0.w1[i] !== other.w1[i]) differOther++;
    expect(differOther).toBe(t0.w1.length);
  });

  it('labels of two tasks of one teacher agree mostly, not entirely; of different teachers about at chance', () => {
    const x = gaussianInputs(64, 3000, 0, 'probe');
    const y0 = teacherLabels(makeTeacher(cfg({ task_seed: 0 })), x, 3000);
    const y1 = teacherLabels(makeTeacher(cfg({ task_seed: 1 })), x, 3000);
    const yOther = teacherLabels(makeTeacher(cfg({ teacher_seed: 9, task_seed: 0 })), x, 3000);
    const same = agreement(y0, y1);
    expect(same).toBeGreaterThan(0.55);
    expect(same).toBeLessThan(0.95);
    expect(agreement(y0, yOther)).toBeLessThan(0.3);
  });
});
