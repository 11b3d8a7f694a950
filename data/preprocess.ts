// Standardisation of vector inputs: the statistics come from the training split alone (the held-out split
// must not leak into training), are kept in TaskData.preprocess and saved with the run, and prediction
// applies the same to new inputs.
import type { StandardizePreprocess } from './dataset.js';

/** Per-column mean and standard deviation of `count` rows of `columns.length` values. A constant column
 *  gets std 1, so it becomes 0 rather than NaN. */
export function fitStandardize(x: Float32Array, count: number, columns: readonly string[]): StandardizePreprocess {
  const d = columns.length;
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  // Welford's update: one pass, and no cancellation on columns with a large mean.
  for (let n = 0; n < count; n++) {
    for (let j = 0; j < d; j++) {
      const v = x[n * d + j];
      const delta = v - mean[j];
      mean[j] += delta / (n + 1);
      m2[j] += delta * (v - mean[j]);
    }
  }
  const std = Array.from(m2, (s) => {
    const sd = count > 0 ? Math.sqrt(s / count) : 0;
    return sd > 0 && Number.isFinite(sd) ? sd : 1;
  });
  return { kind: 'standardize', columns: [...columns], mean: Array.from(mean), std };
}

/** Standardises `x` (rows of the preprocess's columns, back to back) in place; returns it. */
export function applyStandardize(pre: StandardizePreprocess, x: Float32Array): Float32Array {
  const d = pre.columns.length;
  if (x.length % d !== 0) throw new RangeError(`standardize: ${x.length} values are not whole rows of ${d} features`);
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    x[i] = (x[i] - pre.mean[j]) / pre.std[j];
  }
  return x;
}
