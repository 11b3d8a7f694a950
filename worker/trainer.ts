// One task's trainer: it owns the task's data, its sparse tensors S_t with their support, its head and
// their optimizer, and turns the current shared weights W into the gradient g_t = dL_t/d(W + S_t).
// The same trainer runs inside `hybrid train` (one process) and in a distributed worker.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig, SparsityConfig, TrainConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { BatchSampler, gather, readExamples } from '../data/batches.js';
import { crossEntropy, logits } from '../model/forward.js';
import { disposeTeacher, distillationLoss, makeTeacher, softTargets, type Teacher, type TeacherWeights } from './distillation.js';
import { lrScale } from '../model/learning-rate.js';
import type { ModelSpec } from '../model/spec.js';
import { headSpec, initTensors } from '../model/spec.js';
import { Random } from '../lib/random.js';
import { absolute, applyMasks, countNonZero, densityAt, isPruneStep, phaseAt, scheduleBounds, sparseBudget, topKMasks, type ScheduleBounds, type SparsePhase } from '../model/sparsity.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { TensorOptimizer } from './task-optimizer.js';

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

/** Everything a replacement trainer needs to go on where this one stopped. */
export interface TrainerState {
  step: number;
  sparse: Float32Array[];
  /** Support of S_t; null while S_t is still dense (warm-up). */
  support: Uint8Array[] | null;
  head: Float32Array[];
  headOptimizer: OptimizerState;
  sparseOptimizer: OptimizerState | null;
  /** The task's statistics (BatchNormalization's moving mean and variance), in spec.stats order. */
  stats: Float32Array[];
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  samples: number;
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
  /** Support of S_t; null while the sparse tensors are dense (warm-up). */
  private masks: { host: Uint8Array[]; device: tf.Tensor[]; size: number } | null = null;
  private readonly headOptimizer: TensorOptimizer;
  private readonly sparseOptimizer: TensorOptimizer | null;
  private readonly bounds: ScheduleBounds;
  private readonly budget: number;
  private readonly totalSteps: number;

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
      this.bounds = scheduleBounds(this.totalSteps, opts.sparsity);
      const sharedSize = this.spec.shared.reduce((a, t) => a + t.size, 0);
      this.budget = sparseBudget(sharedSize, opts.sparsity.rho);
    } else {
      this.sparse = [];
      this.sparseOptimizer = null;
      this.bounds = { start: 0, end: 0 };
      this.budget = 0;
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
    return this.opts.sparsity ? phaseAt(this.stepCount, this.bounds) : 'dense';
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
    if (this.opts.sparsity) this.scheduleSparsity(step, gradient, scale);
    this.stepCount = step + 1;
    return { gradient, loss, samples: locals * batchSize };
  }

  /** One mini-batch (number `b` of the round at `step`): its gradient, the updates of S_t, the head and the
   *  statistics, and the running sums of the round's gradient and loss (new tensors). */
  private batchStep(step: number, b: number, scale: number, gradSum: tf.Tensor[] | null, lossSum: tf.Tensor): { sums: tf.Tensor[]; loss: tf.Tensor } {
    const locals = this.opts.train.local_batches;
    const shape = [this.opts.train.batch_size, ...this.data.inputShape];
    const l1 = this.opts.sparsity?.l1 ?? 0;
    const weight = this.opts.weight;
    return tf.tidy(() => {
      const x = tf.tensor(this.batch.x, shape);
      const y = tf.tensor1d(this.batch.y, 'int32');
      const effective = this.effective();
      const nShared = effective.length;
      const statsOut: tf.Tensor[] = [];
      const soft = this.teacher ? softTargets(this.spec, this.teacher.weights, x, this.teacher.temperature) : null;
      const f = (...params: tf.Tensor[]) => {
        const weights = { shared: params.slice(0, nShared), head: params.slice(nShared), stats: this.stats };
        const out = logits(this.spec, weights, x, { training: true, statsOut, seed: step * locals + b });
        const loss = this.teacher && soft ? distillationLoss(out, y, this.classes, soft, this.teacher) : crossEntropy(out, y, this.classes);
        // The new statistics outlive the gradient's scope until they are assigned below.
        statsOut.forEach((t) => tf.keep(t));
        return loss;
      };
      let result: { value: tf.Scalar; grads: tf.Tensor[] };
      try {
        result = tf.valueAndGrads(f)([...effective, ...this.head]);
      } catch (err) {
        for (const t of statsOut) t.dispose();
        throw err;
      }
      const { value, grads } = result;
      statsOut.forEach((t, i) => {
        this.stats[i].assign(t);
        t.dispose();
      });
      const gShared = grads.slice(0, nShared);
      const gHead = grads.slice(nShared);
      this.headOptimizer.step(weight === 1 ? gHead : gHead.map((g) => tf.mul(g, weight)), scale);
      if (this.sparseOptimizer) {
        const gSparse = gShared.map((g, i) => {
          const wg = weight === 1 ? g : tf.mul(g, weight);
          return l1 > 0 ? tf.add(wg, tf.mul(tf.sign(this.sparse[i]), l1)) : wg;
        });
        this.sparseOptimizer.step(gSparse, scale, this.masks?.device);
      }
      const sums = gradSum ? gShared.map((g, i) => tf.add(g, gradSum[i])) : gShared;
      return { sums, loss: tf.add(lossSum, value) };
    });
  }

  /** After the update at `step`: prune on the cubic schedule, or re-select the support when asked. */
  private scheduleSparsity(step: number, gradient: readonly Float32Array[], scale: number): void {
    const cfg = this.opts.sparsity!;
    const sharedSize = this.spec.shared.reduce((a, t) => a + t.size, 0);
    // Past the end of pruning with more than the budget: a trainer that joined late (a rejoining or
    // straggling worker jumps over steps) or took over a state from mid-schedule missed the last prune.
    const overBudget = step + 1 >= this.bounds.end && (this.masks === null || this.masks.size > this.budget);
    if (isPruneStep(step + 1, this.bounds, cfg.prune_every) || overBudget) {
      const k = step + 1 >= this.bounds.end ? this.budget : Math.round(densityAt(step + 1, cfg.rho, this.bounds) * sharedSize);
      const values = this.sparseValues();
      this.setSupport(topKMasks(absolute(values), k), values);
      return;
    }
    if (cfg.reselect_every > 0 && this.masks && step + 1 > this.bounds.end && (step + 1 - this.bounds.end) % cfg.reselect_every === 0) {
      // Entries outside the support are proposed at the value one gradient step would give them.
      const lr = (this.opts.train.task_optimizer ?? this.opts.train.optimizer).lr * scale * this.opts.weight;
      const values = this.sparseValues().map((v, t) => {
        const mask = this.masks!.host[t];
        const g = gradient[t];
        return v.map((x, i) => (mask[i] ? x : -lr * g[i]));
      });
      this.setSupport(topKMasks(absolute(values), this.budget), values);
    }
  }

  /** At the end of training S_t must be within its budget, also when this trainer took over a state
   *  from mid-schedule and has trained no round since (a worker that rejoined after the last round). */
  finalizeSparsity(): void {
    if (!this.opts.sparsity || (this.masks && this.masks.size <= this.budget)) return;
    const values = this.sparseValues();
    this.setSupport(topKMasks(absolute(values), this.budget), values);
  }

  private setSupport(masks: Uint8Array[], values: Float32Array[]): void {
    applyMasks(values, masks);
    if (this.masks) for (const m of this.masks.device) m.dispose();
    const device = masks.map((m, i) => tf.tensor(Float32Array.from(m), this.spec.shared[i].shape));
    this.masks = { host: masks, device, size: countNonZero(masks) };
    values.forEach((v, i) => {
      tf.tidy(() => this.sparse[i].assign(tf.tensor(v, this.spec.shared[i].shape)));
      this.sparseOptimizer!.maskSlots(i, device[i]);
    });
  }

  /** Held-out accuracy and loss of the task with W + S_t and its head. */
  evaluate(split: 'test' | 'train' = 'test', batchSize = 1000): Evaluation {
    const data = this.data[split];
    let correct = 0;
    let lossTotal = 0;
    for (let start = 0; start < data.count; start += batchSize) {
      const n = Math.min(batchSize, data.count - start);
      const [c, l] = tf.tidy(() => {
        const x = tf.tensor(readExamples(data, this.inputSize, start, n), [n, ...this.data.inputShape]);
        const y = tf.tensor1d(data.y.subarray(start, start + n), 'int32');
        const out = logits(this.spec, { shared: this.effective(), head: this.head, stats: this.stats }, x);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'float32'));
        const loss = tf.mul(crossEntropy(out, y, this.classes), n);
        return [hits.dataSync()[0], loss.dataSync()[0]];
      });
      correct += c;
      lossTotal += l;
    }
    return { accuracy: correct / data.count, loss: lossTotal / data.count, samples: data.count };
  }

  /** S_t's values, one array per shared tensor (zeros off the support). */
  sparseValues(): Float32Array[] {
    return this.sparse.map((v) => v.dataSync() as Float32Array).map((v) => v.slice());
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
      sparse: this.opts.sparsity ? this.sparseValues() : [],
      support: this.masks ? this.masks.host.map((m) => m.slice()) : null,
      head: this.headValues(),
      headOptimizer: this.headOptimizer.state(),
      sparseOptimizer: this.sparseOptimizer?.state() ?? null,
      stats: this.statsValues(),
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
    if (start.sparse && this.sparseOptimizer) this.setSupport(start.sparse.support, start.sparse.values);
  }

  /** Takes over a state exported by another trainer of the same task and model. */
  importState(state: TrainerState): void {
    const shapes = this.spec.shared;
    if (this.opts.sparsity) {
      if (state.sparse.length !== shapes.length) throw new Error(`task ${this.name}: state has ${state.sparse.length} sparse tensors, expected ${shapes.length}`);
      state.sparse.forEach((v, i) => {
        if (v.length !== shapes[i].size) throw new Error(`task ${this.name}: sparse tensor ${shapes[i].name} has ${v.length} entries, expected ${shapes[i].size}`);
      });
    }
    const heads = headSpec(this.spec, this.classes);
    if (state.head.length !== heads.length || state.head.some((h, i) => h.length !== heads[i].size)) {
      throw new Error(`task ${this.name}: the state's head does not fit ${this.classes} classes`);
    }
    if (state.stats.length !== this.stats.length || state.stats.some((v, i) => v.length !== this.spec.stats[i].size)) {
      throw new Error(`task ${this.name}: the state's statistics do not fit the model's ${this.spec.stats.map((t) => t.name).join(', ') || '(none)'}`);
    }
    this.headOptimizer.restore(state.headOptimizer);
    this.spec.stats.forEach((t, i) => tf.tidy(() => this.stats[i].assign(tf.tensor(state.stats[i], t.shape))));
    heads.forEach((t, i) => tf.tidy(() => this.head[i].assign(tf.tensor(state.head[i], t.shape))));
    if (this.sparseOptimizer) {
      if (!state.sparseOptimizer) throw new Error(`task ${this.name}: the state has no optimizer state for S_t`);
      this.sparseOptimizer.restore(state.sparseOptimizer);
      if (state.support)
        this.setSupport(
          state.support.map((m) => m.slice()),
          state.sparse.map((v) => v.slice()),
        );
      else {
        if (this.masks) for (const m of this.masks.device) m.dispose();
        this.masks = null;
        state.sparse.forEach((v, i) => tf.tidy(() => this.sparse[i].assign(tf.tensor(v, shapes[i].shape))));
      }
    }
    this.stepCount = state.step;
    // A fresh batch order from the step on: deterministic, and no replay of the batches before it.
    this.sampler = new BatchSampler(this.data.train.count, this.opts.train.batch_size, Random.stream(this.opts.seed, `batches/${this.name}/${state.step}`));
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
    if (this.masks) for (const m of this.masks.device) m.dispose();
    this.headOptimizer.dispose();
    this.sparseOptimizer?.dispose();
  }
}
