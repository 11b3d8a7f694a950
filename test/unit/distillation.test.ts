// worker/distillation.ts: loss = (1 - alpha) CE + alpha T^2 KL(teacher_T || student_T), KL averaged over
// the batch. Against closed forms: alpha 0 is CE, a student equal to its teacher has no KL term, KL >= 0,
// the T^2 scaling, and the KL term's gradient with respect to the student's logits,
// alpha T^2 (q - p) / T / batch with p, q the softened teacher and student probabilities. Then a task
// trainer with a teacher (train.distill): it trains, alpha 0 changes nothing, and no tensor leaks per step.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../config/load.js';
import { loadTaskData } from '../../data/tasks.js';
import { Random } from '../../lib/random.js';
import { crossEntropy, logits } from '../../model/forward.js';
import { buildModelSpec, headSpec, initTensors } from '../../model/spec.js';
import { distillationLoss, softTargets, type Teacher } from '../../worker/distillation.js';
import { TaskTrainer } from '../../worker/trainer.js';

const BATCH = 5;
const CLASSES = 4;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomLogits(seed: number, scale = 2): tf.Tensor2D {
  return tf.tensor2d(Random.stream(seed, 'logits').fillGaussian(new Float32Array(BATCH * CLASSES), scale), [BATCH, CLASSES]);
}

const labels = () => tf.tensor1d([0, 3, 1, 2, 3], 'int32');

/** The teacher's softened probabilities from its logits, as softTargets gives them from its weights. */
function soft(teacherLogits: tf.Tensor2D, t: number): { p: tf.Tensor2D; logP: tf.Tensor2D } {
  const logP = tf.logSoftmax(tf.div<tf.Tensor2D>(teacherLogits, t));
  return { p: tf.exp(logP), logP };
}

/** distillationLoss only reads alpha and temperature from the teacher; its weights are for softTargets. */
function teacher(alpha: number, temperature: number): Teacher {
  return { weights: { shared: [], head: [], stats: [] }, alpha, temperature };
}

function value(t: tf.Tensor): number {
  return t.dataSync()[0];
}

/** KL(p_T || q_T) averaged over the batch, in float64 from the logits. */
function klReference(teacherLogits: tf.Tensor2D, studentLogits: tf.Tensor2D, t: number): number {
  const a = teacherLogits.arraySync();
  const b = studentLogits.arraySync();
  const logSoftmax = (row: number[]) => {
    const m = Math.max(...row.map((v) => v / t));
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v / t - m), 0));
    return row.map((v) => v / t - lse);
  };
  let total = 0;
  a.forEach((row, i) => {
    const lp = logSoftmax(row);
    const lq = logSoftmax(b[i]);
    total += lp.reduce((s, l, k) => s + Math.exp(l) * (l - lq[k]), 0);
  });
  return total / a.length;
}

describe('distillationLoss', () => {
  it('alpha 0 is the cross-entropy', () => {
    tf.tidy(() => {
      const out = randomLogits(1);
      const y = labels();
      const ce = value(crossEntropy(out, y, CLASSES));
      for (const t of [1, 2, 5]) expect(value(distillationLoss(out, y, CLASSES, soft(randomLogits(2), t), teacher(0, t)))).toBeCloseTo(ce, 6);
    });
  });

  it('a student equal to its teacher: no KL term, the loss is (1 - alpha) CE', () => {
    tf.tidy(() => {
      const out = randomLogits(3);
      const y = labels();
      const ce = value(crossEntropy(out, y, CLASSES));
      for (const [alpha, t] of [
        [0.5, 2],
        [1, 4],
        [0.25, 1],
      ]) {
        expect(Math.abs(value(distillationLoss(out, y, CLASSES, soft(out, t), teacher(alpha, t))) - (1 - alpha) * ce)).toBeLessThan(1e-5);
      }
    });
  });

  it('the KL term is >= 0, equals KL(p_T || q_T) averaged over the batch, and is scaled by T^2', () => {
    tf.tidy(() => {
      const y = labels();
      for (let seed = 10; seed < 20; seed++) {
        const out = randomLogits(seed);
        const tl = randomLogits(seed + 100, 3);
        for (const t of [1, 2, 4]) {
          const kl = value(distillationLoss(out, y, CLASSES, soft(tl, t), teacher(1, t))) / (t * t);
          expect(kl).toBeGreaterThanOrEqual(-1e-7);
          expect(Math.abs(kl - klReference(tl, out, t))).toBeLessThan(1e-5 * Math.max(1, kl));
        }
      }
      // T^2: alpha 1 at T is T^2 KL_T, the same KL_T scaled (read back at alpha 1 and T = 1 for T = 1).
      const out = randomLogits(30);
      const tl = randomLogits(31);
      const at3 = value(distillationLoss(out, y, CLASSES, soft(tl, 3), teacher(1, 3)));
      expect(at3).toBeCloseTo(9 * klReference(tl, out, 3), 4);
      const mixed = value(distillationLoss(out, y, CLASSES, soft(tl, 3), teacher(0.4, 3)));
      expect(mixed).toBeCloseTo(0.6 * value(crossEntropy(out, y, CLASSES)) + 0.4 * 9 * klReference(tl, out, 3), 4);
    });
  });

  it('the gradient of the KL term with respect to the student logits is alpha T^2 (q - p) / T / batch', () => {
    tf.tidy(() => {
      const y = labels();
      for (const [alpha, t] of [
        [1, 2],
        [0.3, 3],
        [0.7, 1],
      ]) {
        const out = randomLogits(40 + t);
        const s = soft(randomLogits(50 + t, 3), t);
        const g = tf.grad((z: tf.Tensor) => distillationLoss(z as tf.Tensor2D, y, CLASSES, s, teacher(alpha, t)))(out);
        // The CE part's gradient in closed form: (softmax(z) - onehot) / batch, times 1 - alpha.
        const ce = tf.mul(tf.div(tf.sub(tf.softmax(out), tf.oneHot(y, CLASSES)), BATCH), 1 - alpha);
        const q = tf.softmax(tf.div(out, t));
        const klGrad = tf.mul(tf.div(tf.sub(q, s.p), t), (alpha * t * t) / BATCH);
        const diff = tf.max(tf.abs(tf.sub(tf.sub(g, ce), klGrad)));
        expect(value(diff)).toBeLessThan(1e-5);
        expect(value(tf.max(tf.abs(klGrad)))).toBeGreaterThan(1e-3);
      }
    });
  });

  it('softTargets: the teacher network’s softened log-probabilities and their exponent', () => {
    tf.tidy(() => {
      const spec = buildModelSpec({ arch: 'mlp', hidden: [8] }, [6]);
      const shared = initTensors(spec.shared, 1, 'shared').map((v, i) => tf.tensor(v, spec.shared[i].shape));
      const head = initTensors(headSpec(spec, CLASSES), 1, 'head').map((v, i) => tf.tensor(v, headSpec(spec, CLASSES)[i].shape));
      const weights = { shared, head, stats: [] };
      const x = tf.tensor2d(Random.stream(2, 'x').fillGaussian(new Float32Array(BATCH * 6), 1), [BATCH, 6]);
      const { p, logP } = softTargets(spec, weights, x, 2.5);
      const reference = tf.logSoftmax(tf.div(logits(spec, weights, x), 2.5));
      expect(value(tf.max(tf.abs(tf.sub(logP, reference))))).toBeLessThan(1e-6);
      expect(value(tf.max(tf.abs(tf.sub(p, tf.exp(reference)))))).toBeLessThan(1e-6);
      expect(Array.from(tf.sum(p, 1).dataSync()).every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
    });
  });
});

describe('a task trainer with a teacher (train.distill)', () => {
  const cfg = parseRunConfig(
    {
      seed: 4,
      model: { arch: 'mlp', hidden: [16] },
      tasks: [{ name: 'teacher', dataset: { source: 'synthetic', features: 12, classes: 4, hidden: 8, train: 256, test: 128 } }],
      train: { steps: 30, batch_size: 32, optimizer: { type: 'adam', lr: 0.01 }, lr_schedule: 'constant', baseline: false },
      sparsity: { rho: 0.1, warmup: 0.2, prune_end: 0.6, prune_every: 3 },
    },
    'distillation test',
  );

  async function make() {
    const data = await loadTaskData(cfg.tasks[0], cfg.seed);
    const spec = buildModelSpec(cfg.model, data.inputShape);
    const t = new TaskTrainer({ spec, data, weight: 1, train: cfg.train, sparsity: cfg.sparsity, seed: cfg.seed });
    const shared = initTensors(spec.shared, cfg.seed, 'shared');
    t.setShared(shared);
    // The teacher: other weights of the same network (as a task's own model file would be).
    const teacherWeights = {
      shared: initTensors(spec.shared, 99, 'teacher/shared'),
      head: initTensors(headSpec(spec, data.classes), 99, 'teacher/head'),
      stats: initTensors(spec.stats, 99, 'teacher/stats'),
    };
    return { t, teacherWeights };
  }

  it('trains with a finite loss, and its tensors do not grow from step to step', async () => {
    const { t, teacherWeights } = await make();
    try {
      t.setTeacher(teacherWeights, { alpha: 0.5, temperature: 2 });
      const before = t.evaluate('train');
      const losses: number[] = [];
      // Past the pruning schedule (steps 6..18), where S_t's support is made once: from then on every step
      // must end with the tensors it started with.
      for (let s = 0; s < 19; s++) losses.push(t.round(s).loss);
      const tensors = tf.memory().numTensors;
      for (let s = 19; s < 30; s++) {
        losses.push(t.round(s).loss);
        expect(tf.memory().numTensors).toBe(tensors);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      // A teacher of random weights pulls towards its own answers; the labels (half the loss) still teach.
      expect(t.evaluate('train').loss).toBeLessThan(before.loss);
      // Replacing the teacher frees the old one's tensors.
      t.setTeacher(teacherWeights, { alpha: 0.5, temperature: 2 });
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      t.dispose();
    }
  });

  it('alpha 0 trains exactly as without a teacher; alpha > 0 differently', async () => {
    const plain = await make();
    const zero = await make();
    const half = await make();
    try {
      zero.t.setTeacher(zero.teacherWeights, { alpha: 0, temperature: 3 });
      half.t.setTeacher(half.teacherWeights, { alpha: 0.5, temperature: 3 });
      for (let s = 0; s < 5; s++) {
        const a = plain.t.round(s);
        const b = zero.t.round(s);
        const c = half.t.round(s);
        expect(b.loss).toBeCloseTo(a.loss, 5);
        b.gradient.forEach((g, l) => g.forEach((v, i) => expect(Math.abs(v - a.gradient[l][i])).toBeLessThanOrEqual(1e-6)));
        expect(Math.abs(c.loss - a.loss)).toBeGreaterThan(1e-4);
      }
    } finally {
      plain.t.dispose();
      zero.t.dispose();
      half.t.dispose();
    }
  });
});
