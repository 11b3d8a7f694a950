// The run as a worker holds it once welcomed: the config, the model, the task's data and trainer, its
// copy of W (a mirror of the coordinator's), the uplink, and the training loop: each update of W starts
// a round whose gradient is pushed; the task state is reported every report_every rounds and at the
// end, after the held-out evaluation (and the separate model, when train.baseline is on).
import type { DecodedTensor } from '../compression/stream-reader.js';
import { partFields } from '../compression/tensor-stream.js';
import { taskStateParts } from '../compression/task-state-stream.js';
import type { RunConfig } from '../config/schema.js';
import { taskOptimizer } from '../config/settings.js';
import type { TaskData } from '../data/dataset.js';
import type { ModelSpec } from '../model/spec.js';
import type { EvaluationMessage, MessageKind, Messages, TaskStateMessage } from '../proto/codec.js';
import type { WorkerMetrics } from './metrics.js';
import { startFromModelFiles, type StartEvaluation } from './model-start.js';
import { SeparateModel } from './separate-model.js';
import { fromTaskStateMessage, toTaskStateMessage } from './task-state.js';
import { TaskTrainer, type Evaluation, type RoundResult } from './trainer.js';
import { Uplink } from './uplink.js';
import type { RunShards } from './run-plan.js';
import { ShardCopy } from './shard-copy.js';
import { trainingShared } from '../model/bundle-encodings.js';
import type { ReplicaStep } from './replica-inbox.js';
import { vectorParts } from '../compression/vector-stream.js';

export interface JoinedRunOptions {
  task: string;
  /** This worker's replica slot (its `replica` metric label). */
  replica?: number;
  config: RunConfig;
  spec: ModelSpec;
  data: TaskData;
  /** The coordinator shards W is cut over (one for a run of one coordinator). */
  shards: RunShards;
  /** Sends a message to the coordinator (shard 0, the lead, unless `shard` says otherwise); false when the connection is gone. */
  send: <K extends MessageKind>(kind: K, body: Messages[K], shard?: number) => boolean;
  /** Whether the connection is open (a round is not trained for a push that cannot go out). */
  connected: () => boolean;
  /** Drops the connection to rejoin (the welcome brings the full W again). */
  resynchronise: () => void;
  log: (line: string) => void;
  metrics?: WorkerMetrics;
  /** A round's push went out. */
  onRound: (version: number, loss: number) => void;
  /** The final state (with the evaluation) went out. */
  onFinished: (evaluation: Evaluation) => void;
  /** A round or the final evaluation failed: the worker cannot go on. */
  onFailed: (error: unknown) => void;
}

function evaluationOf(e: EvaluationMessage): Evaluation {
  return { accuracy: e.accuracy ?? 0, loss: e.loss ?? 0, samples: e.samples ?? 0 };
}

export class JoinedRun {
  readonly trainer: TaskTrainer;
  /** W as the coordinator shards last sent it (their mirrors), kept here because deltas are added to it. */
  readonly copy: ShardCopy;
  /** One per shard: each shard's slices are pushed with their own error feedback. */
  private readonly uplinks: Uplink[];
  private readonly totalRounds: number;
  private version = 0;
  private lastPushed = -1;
  private roundQueued = false;
  /** Set once training is over and the final evaluation is being made or was sent. */
  private ending = false;
  /** Whether the trainer holds its task's weights: a reported state, or the model files' start. */
  private started = false;
  /** What the model files were worth before training, when the task started from them here. */
  private begun: StartEvaluation | null = null;
  /** A replicated task (tasks[].replicas > 1): rounds are trained as a member only, and the task's own
   *  parameters move by the TaskSteps that close them (worker/replica-inbox.ts). */
  private readonly replicated: boolean;
  /** The round this replica is a member of, its place in it, and whether it leads the task. */
  private membership: { version: number; rank: number; replicas: number; lead: boolean } | null = null;

  constructor(private readonly options: JoinedRunOptions) {
    const { config, spec, data } = options;
    const taskConfig = config.tasks.find((t) => t.name === options.task);
    this.trainer = new TaskTrainer({ spec, data, weight: taskConfig?.weight ?? 1, train: config.train, sparsity: config.sparsity, seed: config.seed });
    this.copy = new ShardCopy(
      options.shards,
      spec.shared.map((t) => t.size),
    );
    this.uplinks = options.shards.layouts.map((layout) => new Uplink(layout, config.distributed.uplink, config.distributed.chunk_bytes));
    options.metrics?.skipped.set({ task: options.task }, data.skipped ?? 0);
    this.totalRounds = config.train.steps;
    this.replicated = (taskConfig?.replicas ?? 1) > 1;
  }

  /** The copy of W once every shard's slices are at one version (equal, bit for bit, to the coordinators' mirrors). */
  get sharedCopy(): { version: number; tensors: readonly Float32Array[] } | null {
    return this.copy.version >= 0 ? { version: this.copy.version, tensors: this.copy.tensors } : null;
  }

  /** Whether this replica reports its task's state and evaluations (a task of one worker: always). */
  get leads(): boolean {
    return !this.replicated || (this.membership?.lead ?? false);
  }

  /**
   * A TaskStep: the round it closes applied (the replicas' mean gradient for S_t, the head and the
   * statistics), then membership of round `step.version`; the lead reports the task's state first when
   * asked or every report_every rounds, so a joining replica can take it.
   */
  step(step: ReplicaStep): void {
    if (this.ending) return;
    if (step.closes) this.trainer.applyReplicaRound(step.version - 1, step.values, step.closedReplicas);
    this.membership = { version: step.version, rank: step.rank, replicas: step.replicas, lead: step.lead };
    if (step.lead && (step.sendState || (step.closes && step.version % this.options.config.distributed.report_every === 0))) this.report(this.state({}));
    if (this.copy.version === step.version) this.queueRound();
  }

  /** A task without a reported state starts from the model files, against the W it joined at. */
  private start(shared: readonly Float32Array[]): void {
    this.started = true;
    const { config, spec, data, task } = this.options;
    const begun = (this.begun = startFromModelFiles(
      this.trainer,
      config,
      spec,
      config.tasks.findIndex((t) => t.name === task),
      data,
      shared,
    ));
    if (begun) this.options.log(`started from the model files: ${begun.original ? `its own model ${begun.original.accuracy.toFixed(4)}, ` : ''}merged ${begun.merged.accuracy.toFixed(4)}`);
  }

  /** Takes over a task state reported by an earlier worker of this task. */
  importState(state: TaskStateMessage): void {
    this.trainer.importState(fromTaskStateMessage(state, this.options.spec, this.trainer.classes, taskOptimizer(this.options.config.train).type, true));
    this.started = true;
    // The start's worth travels with the task's state, so a replacement worker still reports it.
    if (state.merged) this.begun = { original: state.original ? evaluationOf(state.original) : null, merged: evaluationOf(state.merged) };
    this.options.log(`took over the task state of step ${state.step}`);
  }

  /**
   * A new connection: a push sent on the old one may never have arrived, and a restarted coordinator
   * goes on from its checkpoint, behind what this worker pushed. The welcome's version is trainable
   * again; should the push be there after all, a sync coordinator refuses the duplicate (an async one
   * takes it as a push of that base version, within the staleness bound).
   */
  rejoined(): void {
    this.lastPushed = -1;
    // A replica joins its task again: it trains once a TaskStep makes it a member.
    this.membership = null;
  }

  /** A complete update of W from shard `shard` (or the W that came with a welcome). */
  update(version: number, delta: boolean, done: boolean, tensors: readonly DecodedTensor[], shard = 0): void {
    if (this.ending) return;
    if (done) {
      // The final W only completes the copy: the evaluation uses the W the last round trained against,
      // as single-process training does. The lead's says training is over.
      if (tensors.length > 0) this.updateMirror(version, delta, tensors, shard);
      if (shard === 0) this.finishOrFail();
      return;
    }
    const shared = this.updateMirror(version, delta, tensors, shard);
    if (!shared) return;
    this.trainer.setShared(trainingShared(this.options.config, version, shared, this.options.spec.shared));
    if (!this.started) this.start(shared);
    this.version = version;
    if (version >= this.totalRounds) {
      // Training ended, e.g. while this worker was loading its data after a late (re)join, when the
      // coordinator's "done" update was dropped: evaluate and send the final state, which it waits for.
      this.finishOrFail();
      return;
    }
    this.queueRound();
  }

  private queueRound(): void {
    if (this.roundQueued) return;
    this.roundQueued = true;
    // Let pending frames (a newer update, a bye) in before the round blocks the event loop.
    setImmediate(() => {
      this.roundQueued = false;
      try {
        this.trainRound();
      } catch (err) {
        this.options.onFailed(err);
      }
    });
  }

  /**
   * Applies shard `shard`'s update to its mirror: full slices replace it, a delta is added to it. Returns
   * the W to train against (not sharing memory with the mirror, which later deltas change) once every
   * shard is at `version`, or null: the others are not there yet, or the update cannot be applied.
   */
  private updateMirror(version: number, delta: boolean, tensors: readonly DecodedTensor[], shard: number): Float32Array[] | null {
    const shared = this.options.shards.layouts[shard];
    if (tensors.length !== shared.length) {
      this.options.log(`ignoring an update with ${tensors.length} tensors (the model has ${shared.length})`);
      return null;
    }
    const wrong = shared.findIndex((t, i) => tensors[i].name !== t.name || tensors[i].shape.length !== t.shape.length || tensors[i].shape.some((d, k) => d !== t.shape[k]));
    if (wrong >= 0) {
      const t = tensors[wrong];
      this.options.log(
        `ignoring an update to version ${version}: tensor ${wrong} is "${t.name}" [${t.shape.join(', ')}], the model's is "${shared[wrong].name}" [${shared[wrong].shape.join(', ')}]`,
      );
      return null;
    }
    const values = tensors.map((t) => t.values);
    const mirror = this.copy.mirror(shard);
    if (!delta) {
      mirror.replace(version, values);
      if (this.copy.count === 1) return values;
    } else if (mirror.version < 0 || mirror.version + 1 !== version) {
      // A delta against a copy this worker does not hold: rejoin, and the welcomes bring the full W.
      this.options.log(`a delta to version ${version} does not follow this worker's copy (version ${mirror.version}); reconnecting`);
      this.options.resynchronise();
      return null;
    } else mirror.add(version, values);
    return this.copy.version === version ? this.copy.tensors.map((c) => c.slice()) : null;
  }

  private trainRound(): void {
    const { task, config, metrics } = this.options;
    const version = this.version;
    if (this.ending || version <= this.lastPushed || version >= this.totalRounds || !this.options.connected()) return;
    const member = this.membership;
    if (this.replicated && member?.version !== version) return;
    const t0 = performance.now();
    const r: RoundResult & { vector?: Float32Array } = member ? this.trainer.replicaRound(version, member.rank, member.replicas) : this.trainer.round(version);
    const labels = { task, replica: String(this.options.replica ?? 0) };
    metrics?.stepDuration.observe(labels, (performance.now() - t0) / 1000);
    metrics?.samples.inc(labels, r.samples);
    const evalEvery = config.train.eval_every;
    const evaluation = this.leads && evalEvery > 0 && (version + 1) % evalEvery === 0 ? this.trainer.evaluate() : null;
    if (evaluation) this.options.log(`round ${version + 1}: held-out accuracy ${evaluation.accuracy.toFixed(4)}`);
    if (r.vector) {
      const pieces = vectorParts(r.vector, config.distributed.chunk_bytes);
      pieces.forEach((values, i) => this.options.send('replicaGradient', { task, baseVersion: version, values, samples: r.samples, ...partFields(i, pieces.length) }));
    }
    let sent = true;
    this.uplinks.forEach((uplink, shard) => {
      const parts = uplink.parts(version, this.copy.slicesOf(shard, r.gradient));
      parts.forEach((gradient, i) => {
        sent = this.options.send('push', { task, baseVersion: version, gradient, loss: r.loss, samples: r.samples, evaluation, ...partFields(i, parts.length) }, shard) && sent;
      });
    });
    // Unsent (the connection closed during the round): the next welcome's version is trained again.
    if (sent) this.lastPushed = version;
    this.options.onRound(version, r.loss);
    if (!this.replicated && (version + 1) % config.distributed.report_every === 0) this.report(this.state({}));
  }

  /** The task state now, with `extra` (the evaluations, whether it is final). */
  state(extra: { evaluation?: Evaluation; baseline?: Evaluation; final?: boolean }): TaskStateMessage {
    return toTaskStateMessage(this.options.task, this.options.spec, this.trainer.classes, this.trainer.exportState(), { ...extra, data: this.options.data, start: this.begun });
  }

  /** Sends a task state in parts. */
  report(state: TaskStateMessage): void {
    for (const part of taskStateParts(state, this.options.config.distributed.chunk_bytes)) this.options.send('taskState', part);
  }

  private finishOrFail(): void {
    this.finish().catch((err: unknown) => this.options.onFailed(err));
  }

  /** Training is done: evaluate on the held-out split (and train the separate model), then send the final state. */
  private async finish(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.trainer.finalizeSparsity();
    const evaluation = this.trainer.evaluate();
    this.options.log(`done: held-out accuracy ${evaluation.accuracy.toFixed(4)} (${evaluation.samples} examples)`);
    if (!this.leads) {
      // The lead reports the task's final state (and trains its separate model); this replica is done.
      this.options.send('bye', { reason: 'done' });
      this.options.onFinished(evaluation);
      return;
    }
    const final = this.state({ evaluation, final: true });
    if (this.options.config.train.baseline) {
      const baseline = await this.trainSeparateModel();
      this.options.log(`separate model: held-out accuracy ${baseline.accuracy.toFixed(4)}`);
      final.baseline = { accuracy: baseline.accuracy, loss: baseline.loss, samples: baseline.samples };
    }
    this.report(final);
    this.options.send('bye', { reason: 'done' });
    this.options.onFinished(evaluation);
  }

  /** The task's separate model, step by step, giving the event loop a turn after each step so that
   *  heartbeats go on (the coordinator waits for the final state meanwhile). */
  private async trainSeparateModel(): Promise<Evaluation> {
    const { config, spec, data, log } = this.options;
    const steps = config.train.steps;
    const model = new SeparateModel(config, spec, data);
    log(`training the separate model (${steps} steps), the baseline of the comparison`);
    try {
      const every = Math.max(1, Math.ceil(steps / 10));
      for (let step = 0; step < steps; step++) {
        const loss = model.step(step);
        if ((step + 1) % every === 0 || step + 1 === steps) log(`separate model ${step + 1}/${steps} loss ${loss.toFixed(4)}`);
        if (config.train.eval_every > 0 && (step + 1) % config.train.eval_every === 0) log(`separate model ${step + 1}: held-out accuracy ${model.evaluate().accuracy.toFixed(4)}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return model.evaluate();
    } finally {
      model.dispose();
    }
  }

  /** Rounds trained so far. */
  get rounds(): number {
    return this.trainer.step;
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
