// Turning T trained models of one architecture into a hybrid starting point: W from the tasks' weights
// (element-wise mean or median, or one anchor model), and each S_t as the largest rho of theta_t - W by
// magnitude, so that W + S_t is as close to theta_t as the budget allows. Pure functions.
import { absolute, applyMasks, topKMasks } from './sparsity.js';

export type MergeMethod = 'mean' | 'median' | { anchor: number };

/** W from the tasks' weights: per shared tensor, the element-wise mean or median over the tasks, or the
 *  anchor task's tensor. `tasks[t][l]` is task t's tensor l. */
export function mergeShared(tasks: readonly (readonly Float32Array[])[], method: MergeMethod): Float32Array[] {
  if (tasks.length === 0) throw new Error('mergeShared: no tasks');
  if (typeof method === 'object') {
    if (method.anchor >= tasks.length) throw new Error(`merge anchor ${method.anchor} is not a task index (there are ${tasks.length} tasks)`);
    return tasks[method.anchor].map((v) => v.slice());
  }
  const count = tasks.length;
  return tasks[0].map((_, l) => {
    const out = new Float32Array(tasks[0][l].length);
    if (method === 'mean') {
      for (const t of tasks) {
        const v = t[l];
        for (let i = 0; i < out.length; i++) out[i] += v[i];
      }
      for (let i = 0; i < out.length; i++) out[i] /= count;
      return out;
    }
    const column = new Float64Array(count);
    for (let i = 0; i < out.length; i++) {
      for (let t = 0; t < count; t++) column[t] = tasks[t][l][i];
      column.sort();
      const mid = count >> 1;
      out[i] = count % 2 === 1 ? column[mid] : (column[mid - 1] + column[mid]) / 2;
    }
    return out;
  });
}

/** S_t with at most `budget` non-zeros over all tensors: theta_t - W on its `budget` largest entries by
 *  magnitude, and that support. */
export function sparseStart(theta: readonly Float32Array[], shared: readonly Float32Array[], budget: number): { sparse: Float32Array[]; support: Uint8Array[] } {
  const diff = theta.map((v, l) => {
    const w = shared[l];
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] - w[i];
    return out;
  });
  const support = topKMasks(absolute(diff), budget);
  applyMasks(diff, support);
  return { sparse: diff, support };
}
