// The replicas of replicated tasks as the coordinator serves them: each replica's gradient for its
// task's own parameters (ReplicaGradient) held until its push, the pushes of a task's members made into
// the task's one push (sample-weighted means, coordinator/replica-mean.ts), and after each round the
// TaskStep every replica applies, with the stored state for those that join. Who is a member of which
// round is coordinator/replica-groups.ts's.
import { taskStateParts } from '../compression/task-state-stream.js';
import { partFields } from '../compression/tensor-stream.js';
import { VectorAssembler, vectorParts } from '../compression/vector-stream.js';
import { classesBound } from '../model/limits.js';
import { replicaVectorBound } from '../model/task-state-layout.js';
import { ErrorCode, WireError, type ReplicaGradient, type TaskStateMessage } from '../proto/codec.js';
import type { CompletePush, PushReceiver } from './push-receiver.js';
import { combinePushes, type ReplicaPush } from './replica-mean.js';
import { ReplicaGroups } from './replica-groups.js';
import type { RunContext } from './run-context.js';
import type { Session, Sessions } from './session.js';
import type { TaskRecord, TaskStates } from './task-states.js';

export class Replicas {
  private readonly groups: ReplicaGroups<Session, ReplicaPush>;
  private readonly bounds = new Map<string, number>();
  /** Each task's combined vector of the round it is for, until that round's close sends it. */
  private readonly combined = new Map<string, { version: number; values: Float32Array; samples: number }>();

  constructor(
    private readonly run: RunContext,
    private readonly sessions: Sessions,
    private readonly taskStates: TaskStates,
    private readonly pushes: PushReceiver,
    formWaitMs: number,
  ) {
    this.groups = new ReplicaGroups(new Map(run.config.tasks.map((t) => [t.name, t.replicas])), formWaitMs);
    for (const t of run.config.tasks) {
      this.bounds.set(t.name, replicaVectorBound(run.spec, classesBound(t)));
      run.metrics?.taskReplicasConfigured.set({ task: t.name }, t.replicas);
    }
  }

  isReplicated(task: string): boolean {
    return this.groups.isReplicated(task);
  }

  private count(task: string): void {
    this.run.metrics?.taskReplicas.set({ task }, this.isReplicated(task) ? this.groups.connected(task) : this.sessions.holding(task) ? 1 : 0);
  }

  /** A replica was admitted and welcomed (`version`: the open round); a task forming starts now. */
  joined(session: Session, task: string, version: number): void {
    if (this.isReplicated(task)) this.start(task, this.groups.join(task, session, session.replica, this.run.now()), version);
    this.count(task);
  }

  /** Tasks whose first replicas waited long enough for the rest start with those in. */
  formDue(version: number): void {
    for (const { task, members } of this.groups.formDue(this.run.now())) this.start(task, members, version);
  }

  /** `members` form `task` in round `version` from the stored state (nothing to apply). */
  private start(task: string, members: Session[], version: number): void {
    if (members.length === 0) return;
    this.run.log(`coordinator: task ${task} trains on ${members.length} replica${members.length === 1 ? '' : 's'} (slots ${members.map((s) => s.replica).join(', ')}) from version ${version}`);
    this.sendStoredState(task, members);
    members.forEach((s, rank) => s.send('taskStep', { task, version, closes: false, rank, replicas: members.length, lead: rank === 0 }));
  }

  private sendStoredState(task: string, to: readonly Session[]): void {
    const record = this.taskStates.get(task);
    if (!record) return;
    const parts = taskStateParts(record.state, this.run.chunkBytes);
    for (const s of to) for (const part of parts) s.send('taskState', part);
  }

  /** A part of a replica's gradient for its task's own parameters. Throws WireError when it is broken. */
  acceptVector(session: Session, task: string, part: ReplicaGradient): void {
    if (!this.isReplicated(task)) throw new WireError(ErrorCode.MALFORMED, `task "${task}" has one worker; only replicas send replica gradients`);
    const base = part.baseVersion ?? 0;
    if ((part.part ?? 0) === 0) session.replicaVector = { assembler: new VectorAssembler(`replica gradient for version ${base}`, this.bounds.get(task)!), baseVersion: base };
    const incoming = session.replicaVector;
    if (!incoming) throw new WireError(ErrorCode.MALFORMED, `replica gradient part ${part.part} without the parts before it`);
    try {
      if (incoming.baseVersion !== base) throw new WireError(ErrorCode.MALFORMED, `replica gradient part ${part.part} is for version ${base}, its part 0 for ${incoming.baseVersion}`);
      const values = incoming.assembler.accept(part.part ?? 0, part.parts ?? 0, part.values ?? []);
      if (values === null) return;
      session.replicaVector = null;
      session.replicaVectorIn = { baseVersion: base, values, samples: part.samples ?? 0 };
    } catch (err) {
      session.replicaVector = null;
      throw err;
    }
  }

  /**
   * A replica's complete push for the open round `version`: the task's one push once every member's is
   * in, else null. A replica that is not a member, a second push, or a push without its replica
   * gradient is refused (WireError; the push's slot given back).
   */
  offer(session: Session, push: CompletePush, version: number): CompletePush | null {
    const { task } = push;
    const vector = session.replicaVectorIn;
    session.replicaVectorIn = null;
    const refuse = (code: ErrorCode, message: string): never => {
      this.pushes.release(push.gradient);
      throw new WireError(code, message);
    };
    if (push.baseVersion > version) refuse(ErrorCode.FUTURE, `base version ${push.baseVersion} is ahead of the current ${version}`);
    if (push.baseVersion < version) refuse(ErrorCode.STALE, `round ${push.baseVersion} is closed; the current version is ${version}`);
    if (!this.groups.isMember(task, session))
      refuse(ErrorCode.NOT_MEMBER, `replica ${session.replica} of task "${task}" is not a member of round ${version} yet (it joins once it holds the task's state)`);
    if (this.groups.hasPushed(task, session)) refuse(ErrorCode.DUPLICATE, `replica ${session.replica} of task "${task}" already pushed for version ${version}`);
    if (!vector || vector.baseVersion !== push.baseVersion) refuse(ErrorCode.MALFORMED, `a replica's push for version ${push.baseVersion} without its replica gradient`);
    const other = this.groups.pushesIn(task)[0];
    if (other && other.vector.length !== vector!.values.length)
      refuse(
        ErrorCode.SHAPE,
        `replica ${session.replica}'s gradient for task "${task}" has ${vector!.values.length} entries, the other replicas' ${other.vector.length}: its task state differs from theirs`,
      );
    const replica = { push, vector: vector!.values, samples: vector!.samples, lead: this.groups.isLead(task, session) };
    return this.groups.offer(task, session, replica) === 'complete' ? this.combine(task, version) : null;
  }

  /** The task's push from its members' pushes so far; its vector waits for the round's close. */
  private combine(task: string, version: number): CompletePush {
    const { push, vector } = combinePushes(this.groups.takePushes(task), (gradient) => this.pushes.release(gradient));
    this.combined.set(task, { version, values: vector, samples: push.samples });
    return push;
  }

  /** A replica left: the task's push when the members left have all pushed, else null. */
  left(session: Session, task: string, version: number): CompletePush | null {
    if (!this.isReplicated(task)) {
      this.count(task);
      return null;
    }
    session.replicaVector = null;
    session.replicaVectorIn = null;
    const complete = this.groups.leave(task, session);
    this.count(task);
    return complete ? this.combine(task, version) : null;
  }

  /** Whether any replica of `task` is still connected. */
  present(task: string): boolean {
    return this.groups.connected(task) > 0;
  }

  /** At a deadline: each task's push from the pushes in so far, for the tasks with some but not all. */
  partial(version: number): CompletePush[] {
    return this.groups.partial().map((task) => this.combine(task, version));
  }

  /** A part of a task state from `session` (coordinator/task-states.ts; of a replicated task, the lead's
   *  only): the record once complete. The lead's state of the open round lets newcomers join at its close. */
  acceptState(session: Session, task: string, part: TaskStateMessage, version: number): TaskRecord | null {
    const replicated = this.isReplicated(task);
    const record = this.taskStates.accept(session, task, part, replicated && !this.groups.isLead(task, session));
    if (record && replicated) this.groups.stateArrived(task, session, record.state.step ?? 0, version);
    return record;
  }

  /** Round `closed` closed: every replica's TaskStep (the joining ones take the stored state first),
   *  before the update to `closed` + 1 goes out. */
  afterClose(closed: number): void {
    for (const task of this.groups.tasks) {
      const plan = this.groups.closeRound(task, closed);
      const combined = this.combined.get(task);
      this.combined.delete(task);
      const values = combined && combined.version === closed ? combined.values : null;
      this.sendStoredState(task, plan.joining);
      const n = plan.joining.length;
      if (n > 0) this.run.log(`coordinator: task ${task}: replica${n === 1 ? '' : 's'} ${plan.joining.map((s) => s.replica).join(', ')} join${n === 1 ? 's' : ''} at version ${closed + 1}`);
      const parts = values ? vectorParts(values, this.run.chunkBytes) : [[]];
      for (const step of plan.steps) {
        const fields = {
          task,
          version: closed + 1,
          closes: step.closes,
          samples: combined?.samples ?? 0,
          closedReplicas: plan.closedReplicas,
          rank: step.rank,
          replicas: step.replicas,
          lead: step.lead,
          sendState: step.sendState,
        };
        // No values: none of the task's pushes counted in the round (or the replica applies none).
        const own = step.closes ? parts : [[]];
        own.forEach((p, i) => step.handle.send('taskStep', { ...fields, values: p, ...partFields(i, own.length) }));
      }
    }
  }
}
