// What a replica of a replicated task receives: TaskSteps (the end of a round for the task's own
// parameters, and the replica's place in the next round) and the task states a joining replica takes,
// each put back together from its parts (a broken one is a WireError), and W's updates, all in the
// order they came, also those that came while the replica's run was being built.
import type { TaskStateLayout } from '../compression/task-state-stream.js';
import { TaskStateAssembler } from '../compression/task-state-stream.js';
import { VectorAssembler } from '../compression/vector-stream.js';
import { classesBound } from '../model/limits.js';
import { replicaVectorBound } from '../model/task-state-layout.js';
import { ErrorCode, WireError, type TaskStateMessage, type TaskStep } from '../proto/codec.js';
import type { DecodedTensor } from '../compression/stream-reader.js';
import type { RunPlan } from './run-plan.js';
import type { CompleteUpdate } from './updates.js';

/** A whole TaskStep: `values` null when none of the task's pushes counted in the round it closes. */
export interface ReplicaStep {
  version: number;
  closes: boolean;
  values: Float32Array | null;
  closedReplicas: number;
  rank: number;
  replicas: number;
  lead: boolean;
  sendState: boolean;
}

/** What takes a replica's steps and states: its joined run (worker/joined-run.ts). */
export interface ReplicaRun {
  step(step: ReplicaStep): void;
  importState(state: TaskStateMessage): void;
  update(version: number, delta: boolean, done: boolean, tensors: readonly DecodedTensor[]): void;
}

export class ReplicaInbox {
  private step: VectorAssembler | null = null;
  private state: TaskStateAssembler | null = null;
  /** Until the run is built and holds the welcome's W: what came meanwhile, in order. */
  private early: ((run: ReplicaRun) => void)[] | null = [];
  private run: ReplicaRun | null = null;

  constructor(
    private readonly layout: TaskStateLayout,
    /** The most entries a step's vector can have for this task. */
    private readonly bound: number,
  ) {}

  /** `inbox`, or the refusal of a message only a replica takes (`unexpected` says what came). */
  static of(inbox: ReplicaInbox | null, unexpected: string): ReplicaInbox {
    if (!inbox) throw new WireError(ErrorCode.MALFORMED, unexpected);
    return inbox;
  }

  static forPlan(plan: RunPlan): ReplicaInbox {
    return new ReplicaInbox(plan.stateLayout, replicaVectorBound(plan.spec, classesBound(plan.task)));
  }

  /** The run is built and holds the welcome's W: it takes what came so far, then everything as it comes. */
  opened(run: ReplicaRun): void {
    this.run = run;
    const early = this.early ?? [];
    this.early = null;
    for (const take of early) take(run);
  }

  private deliver(take: (run: ReplicaRun) => void): void {
    if (this.early) this.early.push(take);
    else take(this.run!);
  }

  /** A complete update of W: a replica's run takes every one, in order with its steps (one that came
   *  while the run was being built included: it may be the W of the round the replica trains first). */
  takeUpdate(update: CompleteUpdate): void {
    this.deliver((run) => run.update(update.version, update.delta, update.done, update.tensors));
  }

  /** Takes a part of a TaskStep; the run takes the whole step once its last part is in. */
  takeStep(part: TaskStep): void {
    const step = this.assembleStep(part);
    if (step) this.deliver((run) => run.step(step));
  }

  /** Takes a part of a task state sent to a joining replica; the run takes it once complete. */
  takeState(part: TaskStateMessage): void {
    const state = this.assembleState(part);
    if (state) this.deliver((run) => run.importState(state));
  }

  private assembleStep(part: TaskStep): ReplicaStep | null {
    const index = part.part ?? 0;
    let values: Float32Array | null = null;
    if ((part.values?.length ?? 0) > 0 || this.step) {
      if (index === 0) this.step = new VectorAssembler(`task step to version ${part.version ?? 0}`, this.bound);
      if (!this.step) throw new WireError(ErrorCode.MALFORMED, `task step part ${index} without the parts before it`);
      values = this.step.accept(index, part.parts ?? 0, part.values ?? []);
      if (values === null) return null;
      this.step = null;
    }
    const replicas = part.replicas ?? 0;
    const rank = part.rank ?? 0;
    if (replicas < 1 || rank >= replicas) throw new WireError(ErrorCode.MALFORMED, `task step: rank ${rank} of ${replicas} replicas`);
    return {
      version: part.version ?? 0,
      closes: part.closes ?? false,
      values,
      closedReplicas: part.closedReplicas ?? 0,
      rank,
      replicas,
      lead: part.lead ?? false,
      sendState: part.sendState ?? false,
    };
  }

  private assembleState(part: TaskStateMessage): TaskStateMessage | null {
    if ((part.part ?? 0) === 0) this.state = new TaskStateAssembler('the task state for a joining replica', this.layout);
    if (!this.state) throw new WireError(ErrorCode.MALFORMED, `task state part ${part.part} without the parts before it`);
    const whole = this.state.accept(part);
    if (whole !== null) this.state = null;
    return whole;
  }

  /** Parts still arriving are of no use once their connection closed. */
  reset(): void {
    this.step = null;
    this.state = null;
  }
}
