// One task's trainer: it owns the task's data, its sparse tensors S_t with their support, its head and
// their optimizer, and turns the current shared weights W into the gradient g_t = dL_t/d(W + S_t).
// The same trainer runs inside `hybrid train` (one process) and in a distributed worker.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig, SparsityConfig, TrainConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { BatchSampler, gather, type SamplerPosition } from '../data/batches.js';
import { crossEntropy, logits } from '../model/forward.js';
import { disposeTeacher, distillationLoss, makeTeacher, softTargets, type Teacher, type TeacherWeights } from './distillation.js';
import { lrScale } from '../model/learning-rate.js';
import type { ModelSpec } from '../model/spec.js';
import { headSpec, initTensors } from '../model/spec.js';
import { Random } from '../lib/random.js';
import { phaseAt, type SparsePhase } from '../model/sparsity.js';
import { packReplicaVector, replicaLayout, unpackReplicaVector, type VectorLayout } from './replica-vector.js';
import { SparseSupport } from './sparse-support.js';
import { TensorOptimizer } from './task-optimizer.js';
import { checkStateFits, type TrainerState } from './trainer-state.js';
import { evaluateOn, type Evaluation } from './evaluation.js';

export type { TrainerState } from './trainer-state.js';
export type { Evaluation } from './evaluation.js';

export interface TaskTrainerOptions {
  spec: ModelSpec;
  data: TaskData;
  /** Aggregation weight lambda_t; the task's own parameters follow the gradient of lambda_t * L_t. */
  weight: number;
  train: TrainConfig;
  /** null: a plain dense model (the separate baseline), no S_t. */
  sparsity: SparsityConfig | null;
  seed: number;
}

export interface RoundResult {
  /** g_t = dL_t/dE averaged over the round's mini-batches, one array per shared tensor (unweighted). */
  gradient: Float32Array[];
  loss: number;
  samples: number;
}

/** A replica's round: its gradient for W and its vector for the task's own parameters. */
export interface ReplicaRoundResult extends RoundResult {
  vector: Float32Array;
}

/** Trainers made in this process so far. */
let instances = 0;

export class TaskTrainer {
  readonly name: string;
  readonly classes: number;
  private readonly spec: ModelSpec;
  private readonly data: TaskData;
  private readonly opts: TaskTrainerOptions;
  private readonly inputSize: number;
  private sampler: BatchSampler;
  private readonly batch: { x: Float32Array; y: Int32Array };
  private shared: tf.Tensor[] = [];
  private readonly head: tf.Variable[];
  private readonly sparse: tf.Variable[];
  /** Updated by the forward pass in training, not by the optimizer. */
  private readonly stats: tf.Variable[];
  private teacher: Teacher | null = null;
  private readonly headOptimizer: TensorOptimizer;
  private readonly sparseOptimizer: TensorOptimizer | null;
  /** S_t's support and its schedule; null for a dense model. */
  private readonly support: SparseSupport | null;
  private readonly totalSteps: number;
  /** A replicated round's batches (every replica's), drawn once for the round by whichever comes first
   *  of its gradient and its update, with the order's position before them. */
  private drawn: { step: number; indices: Int32Array; before: SamplerPosition } | null = null;

  constructor(opts: TaskTrainerOptions) {
    this.opts = opts;
    this.spec = opts.spec;
    this.data = opts.data;
    this.name = opts.data.name;
    this.classes = opts.data.classes;
    this.inputSize = opts.data.inputShape.reduce((a, b) => a * b, 1);
    this.totalSteps = opts.train.steps;
    this.sampler = new BatchSampler(opts.data.train.count, opts.train.batch_size, Random.stream(opts.seed, `batches/${this.name}`));
    this.batch = { x: new Float32Array(opts.train.batch_size * this.inputSize), y: new Int32Array(opts.train.batch_size) };
    const heads = headSpec(this.spec, this.classes);
    const headInit = initTensors(heads, opts.seed, `head/${this.name}`);
    // Variable names are unique in the tfjs engine: the instance number lets two trainers of one task
    // live side by side (the hybrid one and the task's separate model in a worker).
    const prefix = `${this.name}#${++instances}`;
    this.head = heads.map((t, i) => tf.tidy(() => tf.variable(tf.tensor(headInit[i], t.shape), true, `${prefix}/${t.name}`)));
    const statsInit = initTensors(this.spec.stats, opts.seed, `stats/${this.name}`);
    this.stats = this.spec.stats.map((t, i) => tf.tidy(() => tf.variable(tf.tensor(statsInit[i], t.shape), false, `${prefix}/stats/${t.name}`)));
    const taskOptimizer: OptimizerConfig = opts.train.task_optimizer ?? opts.train.optimizer;
    this.headOptimizer = new TensorOptimizer(taskOptimizer, this.head);
    if (opts.sparsity) {
      this.sparse = this.spec.shared.map((t) => tf.tidy(() => tf.variable(tf.zeros(t.shape), true, `${prefix}/sparse/${t.name}`)));
      this.sparseOptimizer = new TensorOptimizer(taskOptimizer, this.sparse);
      this.support = new SparseSupport(opts.sparsity, this.spec.shared, this.totalSteps, this.sparse, this.sparseOptimizer);
    } else {
      this.sparse = [];
      this.sparseOptimizer = null;
      this.support = null;
    }
  }

  /** Replaces the worker's copy of W. */
  setShared(tensors: readonly Float32Array[]): void {
    if (tensors.length !== this.spec.shared.length) throw new Error(`task ${this.name}: ${tensors.length} shared tensors, expected ${this.spec.shared.length}`);
    const next = this.spec.shared.map((t, i) => {
      if (tensors[i].length !== t.size) throw new Error(`task ${this.name}: shared tensor ${t.name} has ${tensors[i].length} entries, expected ${t.size}`);
      return tf.tensor(tensors[i], t.shape);
    });
    for (const t of this.shared) t.dispose();
    this.shared = next;
  }

  get phase(): SparsePhase | 'dense' {
    return this.support ? phaseAt(this.stepCount, this.support.bounds) : 'dense';
  }

  private stepCount = 0;

  /** The task's effective backbone weights W + S_t (or W for a dense model). */
  private effective(): tf.Tensor[] {
    if (!this.opts.sparsity) return this.shared;
    return this.shared.map((w, i) => tf.add(w, this.sparse[i]));
  }

  /**
   * One round at step `step`: `local_batches` mini-batches against the current W, each updating S_t and
   * the head; returns the mean g_t for W. One gradient computation per mini-batch serves both W and S_t.
   */
  round(step: number): RoundResult {
    if (this.shared.length === 0) throw new Error(`task ${this.name}: no shared weights yet`);
    const scale = lrScale(this.opts.train.lr_schedule, step, this.totalSteps);
    const locals = this.opts.train.local_batches;
    const batchSize = this.opts.train.batch_size;
    let gradSum: tf.Tensor[] | null = null;
    let lossSum: tf.Tensor = tf.scalar(0);
    // A step that throws (a missing kernel, a bad batch) leaves no tensor behind.
    const release = () => [lossSum, ...(gradSum ?? [])].forEach((t) => t.dispose());
    for (let b = 0; b < locals; b++) {
      let next: { sums: tf.Tensor[]; loss: tf.Tensor };
      try {
        gather(this.data.train, this.inputSize, this.sampler.next(), this.batch);
        next = this.batchStep(step, b, scale, gradSum, lossSum);
      } catch (err) {
        release();
        throw err;
      }
      if (gradSum) for (const g of gradSum) g.dispose();
      lossSum.dispose();
      gradSum = next.sums;
      lossSum = next.loss;
    }
    const gradient = gradSum!.map((g) => {
      const mean = locals === 1 ? g : tf.div(g, locals);
      const values = mean.dataSync() as Float32Array;
      mean.dispose();
      g.dispose();
      return values;
    });
    const loss = lossSum.dataSync()[0] / locals;
    lossSum.dispose();
    this.support?.schedule(step, gradient, this.ownStepSize(scale));
    this.stepCount = step + 1;
    return { gradient, loss, samples: locals * batchSize };
  }

  /**
   * A replica's round at `step` (worker/replica-run.ts): the gradient on its share, `rank` of `replicas`,
   * of the round's batches, updating nothing. The replicas' vectors are averaged by the coordinator and
   * applied by each with applyReplicaRound(), so S_t, the head and the statistics stay the same on all.
   */
  replicaRound(step: number, rank: number, replicas: number): ReplicaRoundResult {
    if (this.shared.length === 0) throw new Error(`task ${this.name}: no shared weights yet`);
    const batchSize = this.opts.train.batch_size;
    gather(this.data.train, this.inputSize, this.roundBatches(step, replicas).subarray(rank * batchSize, (rank + 1) * batchSize), this.batch);
    const layout = this.vectorLayout(step);
    const nShared = this.spec.shared.length;
    // Read back inside the scope, returned outside it: tf.tidy walks what its function returns, entry by
    // entry for typed arrays, which costs as much as the step for a gradient the size of W.
    let result: ReplicaRoundResult | null = null;
    tf.tidy(() => {
      const { value, grads, stats } = this.gradients(step * replicas + rank);
      const gradient = grads.slice(0, nShared).map((g) => (g.dataSync() as Float32Array).slice());
      const head = grads.slice(nShared).map((g) => (g.dataSync() as Float32Array).slice());
      const statsValues = stats.map((t) => {
        const v = (t.dataSync() as Float32Array).slice();
        t.dispose();
        return v;
      });
      const vector = packReplicaVector(layout, { shared: this.support ? gradient : [], head, stats: statsValues });
      result = { gradient, vector, loss: value.dataSync()[0], samples: batchSize };
    });
    return result!;
  }

  /** The replicas' mean vector for the round at `step` (null: none of theirs counted), applied as the
   *  round's update; the round's batches are passed over either way, as on every replica. */
  applyReplicaRound(step: number, combined: Float32Array | null, replicas: number): void {
    this.roundBatches(step, replicas);
    this.drawn = null;
    if (combined === null) return;
    const layout = this.vectorLayout(step);
    const parts = unpackReplicaVector(layout, combined);
    const scale = lrScale(this.opts.train.lr_schedule, step, this.totalSteps);
    const heads = headSpec(this.spec, this.classes);
    tf.tidy(() => {
      this.updateOwn(
        parts.head.map((g, i) => tf.tensor(g, heads[i].shape)),
        parts.shared.map((g, i) => tf.tensor(g, this.spec.shared[i].shape)),
        scale,
      );
      parts.stats.forEach((v, i) => this.stats[i].assign(tf.tensor(v, this.spec.stats[i].shape)));
    });
    this.support?.schedule(step, parts.shared, this.ownStepSize(scale));
    this.stepCount = step + 1;
  }

  private roundBatches(step: number, replicas: number): Int32Array {
    const size = replicas * this.opts.train.batch_size;
    if (this.drawn?.step !== step) this.drawn = { step, before: this.sampler.position, indices: this.sampler.next(size) };
    if (this.drawn.indices.length !== size) throw new Error(`task ${this.name}: round ${step} was drawn for ${this.drawn.indices.length / this.opts.train.batch_size} replicas, not ${replicas}`);
    return this.drawn.indices;
  }

  /** Every entry of S_t while it is dense or its support is re-selected at `step`, else its support's. */
  private vectorLayout(step: number): VectorLayout {
    const support = this.support && !this.support.reselectsAt(step) ? this.support.host : null;
    return replicaLayout(this.support ? this.spec.shared : [], headSpec(this.spec, this.classes), this.spec.stats, support);
  }

  /** The step an update of S_t with gradient 1 makes at this learning-rate scale (the re-selection's proposal). */
  private ownStepSize(scale: number): number {
    return (this.opts.train.task_optimizer ?? this.opts.train.optimizer).lr * scale * this.opts.weight;
  }

  /** One mini-batch (number `b` of the round at `step`): its gradient, the updates of S_t, the head and the
   *  statistics, and the running sums of the round's gradient and loss (new tensors). */
  private batchStep(step: number, b: number, scale: number, gradSum: tf.Tensor[] | null, lossSum: tf.Tensor): { sums: tf.Tensor[]; loss: tf.Tensor } {
    return tf.tidy(() => {
      const { value, grads, stats } = this.gradients(step * this.opts.train.local_batches + b);
      stats.forEach((t, i) => {
        this.stats[i].assign(t);
        t.dispose();
      });
      const nShared = this.spec.shared.length;
      const gShared = grads.slice(0, nShared);
      this.updateOwn(grads.slice(nShared), gShared, scale);
      const sums = gradSum ? gShared.map((g, i) => tf.add(g, gradSum[i])) : gShared;
      return { sums, loss: tf.add(lossSum, value) };
    });
  }

  /** The loss on the batch in `this.batch` and its gradients for W + S_t (then the head), with the
   *  statistics the forward pass computed; call inside tf.tidy. `seed` draws the dropout masks. */
  private gradients(seed: number): { value: tf.Scalar; grads: tf.Tensor[]; stats: tf.Tensor[] } {
    const x = tf.tensor(this.batch.x, [this.opts.train.batch_size, ...this.data.inputShape]);
    const y = tf.tensor1d(this.batch.y, 'int32');
    const effective = this.effective();
    const nShared = effective.length;
    const statsOut: tf.Tensor[] = [];
    const soft = this.teacher ? softTargets(this.spec, this.teacher.weights, x, this.teacher.temperature) : null;
    const f = (...params: tf.Tensor[]) => {
      const weights = { shared: params.slice(0, nShared), head: params.slice(nShared), stats: this.stats };
      const out = logits(this.spec, weights, x, { training: true, statsOut, seed });
      const loss = this.teacher && soft ? distillationLoss(out, y, this.classes, soft, this.teacher) : crossEntropy(out, y, this.classes);
      // The new statistics outlive the gradient's scope (and tf.tidy's: the caller disposes them).
      statsOut.forEach((t) => tf.keep(t));
      return loss;
    };
    try {
      return { ...tf.valueAndGrads(f)([...effective, ...this.head]), stats: statsOut };
    } catch (err) {
      for (const t of statsOut) t.dispose();
      throw err;
    }
  }

  /** One update of the head and S_t from the gradients of L_t (inside tf.tidy): lambda_t scales both,
   *  the L1 term joins S_t's, and S_t moves on its support only. */
  private updateOwn(gHead: tf.Tensor[], gShared: tf.Tensor[], scale: number): void {
    const weight = this.opts.weight;
    const l1 = this.opts.sparsity?.l1 ?? 0;
    this.headOptimizer.step(weight === 1 ? gHead : gHead.map((g) => tf.mul(g, weight)), scale);
    if (!this.sparseOptimizer) return;
    const gSparse = gShared.map((g, i) => {
      const wg = weight === 1 ? g : tf.mul(g, weight);
      return l1 > 0 ? tf.add(wg, tf.mul(tf.sign(this.sparse[i]), l1)) : wg;
    });
    this.sparseOptimizer.step(gSparse, scale, this.support?.device);
  }

  /** At the end of training S_t must be within its budget, also when this trainer took over a state
   *  from mid-schedule and has trained no round since (a worker that rejoined after the last round). */
  finalizeSparsity(): void {
    this.support?.finalize();
  }

  /** Held-out accuracy and loss of the task with W + S_t and its head. */
  evaluate(split: 'test' | 'train' = 'test', batchSize = 1000): Evaluation {
    return evaluateOn(this.data[split], this.data.inputShape, this.classes, batchSize, (x) => logits(this.spec, { shared: this.effective(), head: this.head, stats: this.stats }, x));
  }

  /** S_t's values, one array per shared tensor (zeros off the support). */
  sparseValues(): Float32Array[] {
    return this.support?.values() ?? [];
  }

  /** nnz(S_t) per shared tensor. */
  nonZeros(): number[] {
    return this.sparseValues().map((v) => v.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0));
  }

  /** Rounds trained so far. */
  get step(): number {
    return this.stepCount;
  }

  exportState(): TrainerState {
    return {
      step: this.stepCount,
      sparse: this.sparseValues(),
      support: this.support?.host?.map((m) => m.slice()) ?? null,
      head: this.headValues(),
      headOptimizer: this.headOptimizer.state(),
      sparseOptimizer: this.sparseOptimizer?.state() ?? null,
      stats: this.statsValues(),
      // Before the batches of a replicated round drawn but not yet applied: they are the state's next.
      sampler: this.drawn?.before ?? this.sampler.position,
    };
  }

  /** Learns from a teacher too (train.distill): the task's own model, run in inference mode on each batch. */
  setTeacher(weights: TeacherWeights, distill: { alpha: number; temperature: number }): void {
    if (this.teacher) disposeTeacher(this.teacher);
    this.teacher = makeTeacher(this.spec, headSpec(this.spec, this.classes), weights, distill);
  }

  /** Starts from given weights instead of drawn ones (model files, model/starting-point.ts): the head
   *  and statistics where given, and S_t on its support, which the budget then bounds from the start. */
  startFrom(start: { head: readonly Float32Array[] | null; stats: readonly Float32Array[] | null; sparse: { values: Float32Array[]; support: Uint8Array[] } | null }): void {
    const heads = headSpec(this.spec, this.classes);
    if (start.head) {
      if (start.head.length !== heads.length || start.head.some((h, i) => h.length !== heads[i].size))
        throw new Error(`task ${this.name}: the starting head does not fit ${this.classes} classes`);
      heads.forEach((t, i) => tf.tidy(() => this.head[i].assign(tf.tensor(start.head![i], t.shape))));
    }
    if (start.stats) this.spec.stats.forEach((t, i) => tf.tidy(() => this.stats[i].assign(tf.tensor(start.stats![i], t.shape))));
    if (start.sparse && this.support) this.support.set(start.sparse.support, start.sparse.values);
  }

  /** Takes over a state exported by another trainer of the same task and model. */
  importState(state: TrainerState): void {
    checkStateFits(state, this.spec, this.classes, this.support !== null, this.name);
    const heads = headSpec(this.spec, this.classes);
    this.headOptimizer.restore(state.headOptimizer);
    this.spec.stats.forEach((t, i) => tf.tidy(() => this.stats[i].assign(tf.tensor(state.stats[i], t.shape))));
    heads.forEach((t, i) => tf.tidy(() => this.head[i].assign(tf.tensor(state.head[i], t.shape))));
    if (this.sparseOptimizer && this.support) {
      if (!state.sparseOptimizer) throw new Error(`task ${this.name}: the state has no optimizer state for S_t`);
      this.sparseOptimizer.restore(state.sparseOptimizer);
      if (state.support)
        this.support.set(
          state.support.map((m) => m.slice()),
          state.sparse.map((v) => v.slice()),
        );
      else this.support.setDense(state.sparse);
    }
    this.stepCount = state.step;
    this.drawn = null;
    // The batch order goes on where the state's trainer left it (replicas draw the same batches); a state
    // from before the order travelled gets a fresh order from its step on, no replay of the batches before it.
    const stream = Random.stream(this.opts.seed, state.sampler ? `batches/${this.name}` : `batches/${this.name}/${state.step}`);
    this.sampler = new BatchSampler(this.data.train.count, this.opts.train.batch_size, stream);
    if (state.sampler) this.sampler.seek(state.sampler);
  }

  headValues(): Float32Array[] {
    return this.head.map((v) => (v.dataSync() as Float32Array).slice());
  }

  statsValues(): Float32Array[] {
    return this.stats.map((v) => (v.dataSync() as Float32Array).slice());
  }

  dispose(): void {
    for (const t of this.shared) t.dispose();
    for (const v of this.head) v.dispose();
    for (const v of this.sparse) v.dispose();
    for (const v of this.stats) v.dispose();
    if (this.teacher) disposeTeacher(this.teacher);
    this.support?.dispose();
    this.headOptimizer.dispose();
    this.sparseOptimizer?.dispose();
  }
}
