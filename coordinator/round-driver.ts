// The rounds as they happen: complete pushes are offered to the round policy (coordinator/rounds.ts),
// a round closes when the policy says so or at its deadline, its contributions step W, and the update
// goes out to every joined worker. Timers and metrics live here; the policy itself has no I/O.
import { EventEmitter } from 'node:events';
import { DEADLINE_SLACK_MS } from '../config/schema.js';
import { roundTimeoutMs } from '../config/settings.js';
import { lrScale } from '../model/learning-rate.js';
import { ErrorCode, WireError, type RoundClose } from '../proto/codec.js';
import type { Contribution } from './aggregation.js';
import type { Downlink } from './downlink.js';
import type { CompletePush, PushReceiver } from './push-receiver.js';
import type { Replicas } from './replicas.js';
import type { RunContext } from './run-context.js';
import { Rounds, type Refusal as OfferRefusal } from './rounds.js';
import type { Session, Sessions } from './session.js';
import type { SharedWeights } from './shared-weights.js';

/** What a closed round reports. */
export interface RoundStats {
  tasks: string[];
  seconds: number;
  /** Each task's latest loss. */
  loss: Record<string, number>;
  /** Each contribution's coefficient in the combined gradient (the aggregator's task weights). */
  coefficients: Record<string, number>;
}

export interface RoundEvents {
  /** A round closed and W moved to `version`. */
  closed: [version: number, stats: RoundStats];
  /** The last round closed: training is over. */
  trainingDone: [];
}

const OFFER_CODES: Record<OfferRefusal, ErrorCode> = { stale: ErrorCode.STALE, future: ErrorCode.FUTURE, duplicate: ErrorCode.DUPLICATE, unknown_task: ErrorCode.UNKNOWN_TASK };

/** What a lead of K shards does at a round's close. */
export interface ShardRounds {
  /** The contributions' dot products over the followers' slices, where the aggregation needs them. */
  partialGram(contributions: readonly Contribution[]): number[][] | undefined;
  roundClosing(close: RoundClose): void;
}

export class RoundDriver extends EventEmitter<RoundEvents> {
  private readonly rounds: Rounds;
  private readonly weights: Map<string, number>;
  private readonly lastLoss = new Map<string, number>();
  private deadlineTimer: NodeJS.Timeout | null = null;
  private roundStarted: number;
  /** No more rounds: the last one closed, or the coordinator stopped. */
  private halted = false;

  constructor(
    private readonly run: RunContext,
    private readonly shared: SharedWeights,
    private readonly downlink: Downlink,
    private readonly sessions: Sessions,
    private readonly pushes: PushReceiver,
    private readonly replicas: Replicas,
    version: number,
    /** Shard 0 of K: the followers' dot products for a round's Gram matrix, and each closing round, with
     *  its terms, to them (coordinator/push-gate.ts). */
    private readonly shards?: ShardRounds,
  ) {
    super();
    const dist = run.config.distributed;
    this.rounds = new Rounds(run.tasks, { mode: dist.mode, quorum: dist.quorum ?? run.tasks.length, staleness: dist.staleness, deadlineMs: roundTimeoutMs(dist) }, version);
    this.weights = new Map(run.config.tasks.map((t) => [t.name, t.weight]));
    this.roundStarted = run.now();
  }

  get version(): number {
    return this.rounds.version;
  }

  /** Whether W has reached its last version. */
  get trainingOver(): boolean {
    return this.rounds.version >= this.run.totalRounds;
  }

  join(task: string): void {
    this.rounds.join(task, this.run.now());
  }

  /** A task's worker (or replica) left: its push for the open round still counts; the rounds wait for
   *  the task until their deadline once none of its replicas is left. */
  leave(session: Session, task: string): void {
    if (this.replicas.isReplicated(task)) {
      const push = this.replicas.left(session, task, this.version);
      if (push && !this.halted) this.enter(push);
      if (this.replicas.present(task)) return this.maybeClose();
    }
    this.rounds.leave(task);
    this.maybeClose();
  }

  /** Offers a complete push to the open round: a replica's goes to its task's replicas first. A refusal
   *  is a WireError (the push's slot given back). */
  offer(session: Session, push: CompletePush): void {
    if (this.halted || this.trainingOver) {
      this.pushes.release(push.gradient);
      throw new WireError(ErrorCode.TRAINING_OVER, 'training is over');
    }
    if (this.replicas.isReplicated(push.task)) {
      this.run.metrics?.taskSamples.inc({ task: push.task }, push.samples);
      const taskPush = this.replicas.offer(session, push, this.version);
      if (taskPush === null) return;
      this.enter(taskPush, false);
    } else this.enter(push);
    this.maybeClose();
  }

  /** A task's push into the open round (`countSamples`: not yet counted replica by replica). */
  private enter(push: CompletePush, countSamples = true): void {
    const { task, gradient, support } = push;
    const offer = this.rounds.offer(task, push.baseVersion, { task, weight: this.weights.get(task) ?? 1, gradient, support, loss: push.loss, baseVersion: push.baseVersion }, this.run.now());
    if (!offer.accepted) {
      this.pushes.release(gradient);
      throw new WireError(OFFER_CODES[offer.reason], offer.detail);
    }
    const m = this.run.metrics;
    // Accepted pushes only (the metric's definition): a refused one's staleness says nothing of training.
    m?.pushStaleness.observe(offer.staleness);
    this.lastLoss.set(task, push.loss);
    m?.taskLoss.set({ task }, push.loss);
    if (countSamples) m?.taskSamples.inc({ task }, push.samples);
    if (push.evaluation) {
      const accuracy = push.evaluation.accuracy ?? 0;
      m?.taskAccuracy.set({ task }, accuracy);
      this.run.log(`coordinator: task ${task} at version ${push.baseVersion}: held-out accuracy ${accuracy.toFixed(4)}`);
    }
  }

  /** Closes the open round if the policy allows it now; otherwise waits for its deadline. */
  maybeClose(): void {
    if (this.halted) return;
    const now = this.run.now();
    if (this.rounds.activeTasks.size === 0 && this.rounds.pendingTasks.length === 0) return;
    // At the deadline a task whose replicas did not all push counts with those that did.
    if (this.rounds.deadlinePassed(now)) for (const push of this.replicas.partial(this.version)) this.enter(push, false);
    if (!this.rounds.ready(now)) {
      this.armDeadline(now);
      return;
    }
    const closing = this.rounds.version;
    const { contributions, stragglers, version } = this.rounds.close(now);
    let coefficients: number[];
    const scale = lrScale(this.run.config.train.lr_schedule, closing, this.run.totalRounds);
    try {
      coefficients = this.shared.applyRound(contributions, scale, closing, this.shards?.partialGram(contributions));
      const terms = contributions.map((c, k) => ({ task: c.task, baseVersion: c.baseVersion ?? closing, coefficient: coefficients[k] }));
      this.shards?.roundClosing({ version: closing, terms, lrScale: scale, done: version >= this.run.totalRounds });
    } finally {
      // As decoded (the step only reads them): zero outside a sparse push's support.
      for (const c of contributions) this.pushes.release(c.gradient, c.support);
    }
    const m = this.run.metrics;
    const seconds = (now - this.roundStarted) / 1000;
    this.roundStarted = now;
    m?.roundsTotal.inc();
    m?.roundDuration.observe(seconds);
    m?.sharedVersion.set(version);
    contributions.forEach((c, k) => m?.taskWeight.set({ task: c.task }, coefficients[k]));
    for (const t of stragglers) {
      m?.stragglers.inc({ task: t });
      this.run.log(`coordinator: round ${closing} closed without task ${t} (deadline)`);
    }
    const stats = {
      tasks: contributions.map((c) => c.task),
      seconds,
      loss: Object.fromEntries(this.lastLoss),
      coefficients: Object.fromEntries(contributions.map((c, k) => [c.task, coefficients[k]])),
    };
    this.emit('closed', version, stats);
    this.replicas.afterClose(closing);
    const { update, parts } = this.downlink.roundUpdate(version);
    const done = version >= this.run.totalRounds;
    this.downlink.send(this.sessions.joined, { ...update, done }, parts);
    if (done) {
      this.halt();
      this.emit('trainingDone');
      return;
    }
    this.armDeadline(now);
  }

  private armDeadline(now: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    if (this.run.config.distributed.mode !== 'sync') return;
    const wait = this.rounds.msUntilDeadline(now);
    if (wait === null) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      this.maybeClose();
    }, wait + DEADLINE_SLACK_MS);
    this.deadlineTimer.unref();
  }

  /** No more rounds close (training is over, or the coordinator stops). */
  halt(): void {
    this.halted = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
  }
}
