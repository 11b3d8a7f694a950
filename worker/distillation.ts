// Knowledge distillation (train.distill): the task's own model teaches the hybrid one, its softened
// class probabilities a second target beside the labels.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, logits, type TaskWeights } from '../model/forward.js';
import type { ModelSpec, TensorSpec } from '../model/spec.js';

/** A teacher's weights and how the student learns from it (train.distill). */
/** A teacher's weights as values: its backbone, head and statistics. */
export interface TeacherWeights {
  shared: readonly Float32Array[];
  head: readonly Float32Array[];
  stats: readonly Float32Array[];
}

/** The teacher as tensors (the caller disposes them with disposeTeacher). */
export function makeTeacher(spec: ModelSpec, heads: readonly TensorSpec[], weights: TeacherWeights, distill: { alpha: number; temperature: number }): Teacher {
  const tensors = (values: readonly Float32Array[], specs: readonly { shape: number[] }[]) => values.map((v, i) => tf.tensor(v, specs[i].shape));
  return { weights: { shared: tensors(weights.shared, spec.shared), head: tensors(weights.head, heads), stats: tensors(weights.stats, spec.stats) }, ...distill };
}

export function disposeTeacher(teacher: Teacher): void {
  for (const t of [...teacher.weights.shared, ...teacher.weights.head, ...teacher.weights.stats]) t.dispose();
}

export interface Teacher {
  weights: TaskWeights;
  alpha: number;
  temperature: number;
}

/** The teacher's softened class probabilities, its log-probabilities alongside. */
export function softTargets(spec: ModelSpec, teacher: TaskWeights, x: tf.Tensor, temperature: number): { p: tf.Tensor2D; logP: tf.Tensor2D } {
  const logP = tf.logSoftmax(tf.div<tf.Tensor2D>(logits(spec, teacher, x), temperature));
  return { p: tf.exp(logP), logP };
}

/** (1 - alpha) CE + alpha T^2 KL(teacher_T || student_T), KL averaged over the batch (Hinton et al. 2015:
 *  T^2 keeps the soft term's gradients on the hard term's scale). */
export function distillationLoss(out: tf.Tensor2D, labels: tf.Tensor1D, classes: number, soft: { p: tf.Tensor2D; logP: tf.Tensor2D }, teacher: Teacher): tf.Scalar {
  const { alpha, temperature: t } = teacher;
  const logQ = tf.logSoftmax(tf.div(out, t));
  const kl = tf.mean(tf.sum(tf.mul(soft.p, tf.sub(soft.logP, logQ)), 1));
  return tf.add<tf.Scalar>(tf.mul(crossEntropy(out, labels, classes), 1 - alpha), tf.mul(kl, alpha * t * t));
}
