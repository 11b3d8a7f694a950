// The synthetic teacher task: Gaussian inputs labelled by a random MLP teacher. Tasks naming the same
// teacher_seed share the teacher's dense weights and differ only where their sparse task parts (from
// task_seed) change a few weights, each by about a typical weight's size: the structure (shared dense + per-task sparse) the hybrid
// model is built to exploit, at any size.
import type { DatasetConfig } from '../config/schema.js';
import type { TaskData } from './dataset.js';
import { Random } from '../lib/random.js';

export type SyntheticConfig = Extract<DatasetConfig, { source: 'synthetic' }>;

/** Teacher MLP features -> hidden (tanh) -> classes, no biases. Row-major: w1[f * hidden + h], w2[h * classes + c]. */
export interface Teacher {
  features: number;
  hidden: number;
  classes: number;
  w1: Float32Array;
  w2: Float32Array;
}

// Size of a task's change to one weight, in standard deviations of the dense weights (uniform in
// [low, high], random sign): about as large as a typical weight, so a changed weight is a different weight.
// Larger is not better: argmax over many classes is fragile, and at 2-4 std with the default density 5%
// two tasks of one teacher agree on only ~26% of labels (10-class chance: ~12%); at [0.5, 1] they agree on
// ~72%, which keeps tasks related (the shared W has something to share) yet distinct.
export const TASK_CHANGE = { low: 0.5, high: 1 };

function addSparseChanges(rng: Random, w: Float32Array, density: number, std: number, change: { low: number; high: number }): void {
  const k = Math.max(1, Math.round(density * w.length));
  const which = rng.permutation(w.length).subarray(0, k);
  for (let n = 0; n < k; n++) {
    const magnitude = std * (change.low + (change.high - change.low) * rng.uniform());
    w[which[n]] += rng.uniform() < 0.5 ? -magnitude : magnitude;
  }
}

/** The teacher of a config: dense part from teacher_seed (depends on nothing else, so it is identical
 *  across tasks), plus the sparse part from task_seed. */
export function makeTeacher(cfg: Pick<SyntheticConfig, 'features' | 'hidden' | 'classes' | 'teacher_seed' | 'task_seed' | 'task_density'>, change = TASK_CHANGE): Teacher {
  const { features, hidden, classes } = cfg;
  // Scaled so the hidden pre-activations are about N(0, 1): tanh neither saturated nor linear.
  const std1 = 1 / Math.sqrt(features);
  const std2 = 1 / Math.sqrt(hidden);
  const dense = Random.stream(cfg.teacher_seed, `synthetic/teacher/${features}x${hidden}x${classes}`);
  const w1 = dense.fillGaussian(new Float32Array(features * hidden), std1);
  const w2 = dense.fillGaussian(new Float32Array(hidden * classes), std2);
  const sparse = Random.stream(cfg.task_seed, 'synthetic/task');
  addSparseChanges(sparse, w1, cfg.task_density, std1, change);
  addSparseChanges(sparse, w2, cfg.task_density, std2, change);
  return { features, hidden, classes, w1, w2 };
}

/** argmax of the teacher's output for each of `count` inputs laid out back to back in `x`. */
export function teacherLabels(t: Teacher, x: Float32Array, count: number): Int32Array {
  const y = new Int32Array(count);
  const h = new Float64Array(t.hidden);
  for (let n = 0; n < count; n++) {
    h.fill(0);
    const xb = n * t.features;
    for (let f = 0; f < t.features; f++) {
      const v = x[xb + f];
      const row = f * t.hidden;
      for (let j = 0; j < t.hidden; j++) h[j] += v * t.w1[row + j];
    }
    for (let j = 0; j < t.hidden; j++) h[j] = Math.tanh(h[j]);
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < t.classes; c++) {
      let s = 0;
      for (let j = 0; j < t.hidden; j++) s += h[j] * t.w2[j * t.classes + c];
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    y[n] = best;
  }
  return y;
}

/** `count` standard Gaussian inputs of `features` values each. */
export function gaussianInputs(features: number, count: number, seed: number, stream: string): Float32Array {
  return Random.stream(seed, `synthetic/inputs/${stream}`).fillGaussian(new Float32Array(features * count));
}

/** The task's data. Inputs are drawn from the run seed and task_seed (tasks of one run see different
 *  inputs unless they share task_seed); labels from the teacher. */
export function makeSyntheticData(name: string, cfg: SyntheticConfig, seed: number): TaskData {
  const teacher = makeTeacher(cfg);
  const stream = `${cfg.task_seed}`;
  const xTrain = gaussianInputs(cfg.features, cfg.train, seed, `train/${stream}`);
  const xTest = gaussianInputs(cfg.features, cfg.test, seed, `test/${stream}`);
  return {
    name,
    inputShape: [cfg.features],
    classes: cfg.classes,
    train: { x: xTrain, y: teacherLabels(teacher, xTrain, cfg.train), count: cfg.train },
    test: { x: xTest, y: teacherLabels(teacher, xTest, cfg.test), count: cfg.test },
  };
}
