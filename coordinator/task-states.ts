// Each task's last reported state (S_t, its support, the head and their optimizer), as the coordinator
// keeps it for a worker that takes the task over, for checkpoints, and for the bundle at the end. States
// arrive in parts, are checked against the model's layout, and are kept encoded, so checkpoints store
// them as they are and welcomes decode them back.
import { TaskStateAssembler, type TaskStateLayout } from '../compression/task-state-stream.js';
import type { BundleTask } from '../model/bundle.js';
import type { ModelSpec } from '../model/spec.js';
import { headSpec } from '../model/spec.js';
import { checkFinite, ErrorCode, f32Values, wire, WireError, type TaskStateMessage } from '../proto/codec.js';
import type { Session } from './session.js';

export interface TaskRecord {
  encoded: Uint8Array;
  state: TaskStateMessage;
}

export class TaskStates {
  private readonly records = new Map<string, TaskRecord>();

  constructor(
    private readonly spec: ModelSpec,
    private readonly layout: TaskStateLayout,
  ) {}

  get(task: string): TaskRecord | undefined {
    return this.records.get(task);
  }

  /** The tasks whose final state is in. */
  isFinal(task: string): boolean {
    return this.records.get(task)?.state.final ?? false;
  }

  /**
   * Takes one part of a task state from `session` (joined to `task`); returns the record once the state
   * is complete and checked. Throws WireError on a broken part or state, which is then dropped.
   */
  accept(session: Session, task: string, part: TaskStateMessage): TaskRecord | null {
    if (part.task && part.task !== task) throw new WireError(ErrorCode.UNKNOWN_TASK, `this connection trains "${task}", not "${part.task}"`);
    const index = part.part ?? 0;
    if (index === 0) {
      const earlier = session.taskState;
      session.taskState = new TaskStateAssembler(`task state of ${task}`, this.layout);
      if (earlier?.open) {
        session.taskState = null;
        throw new WireError(ErrorCode.MALFORMED, `a new task state began while part ${earlier.waitingFor} of the previous one was missing; both dropped`);
      }
    } else if (!session.taskState) {
      throw new WireError(ErrorCode.MALFORMED, `task state part ${index} without the parts before it`);
    }
    const pending = session.taskState;
    let state: TaskStateMessage | null;
    try {
      state = pending.accept(part);
    } catch (err) {
      session.taskState = null;
      throw err;
    }
    if (state === null) return null;
    session.taskState = null;
    this.check(task, state);
    const encoded = wire.TaskState.encode(state).finish();
    const record = { encoded, state: wire.TaskState.decode(encoded) };
    this.records.set(task, record);
    return record;
  }

  /** S_t and the head are the values the bundle will hold: every one finite, of its shape. */
  private check(task: string, state: TaskStateMessage): void {
    const sparse = state.sparse ?? [];
    const head = state.head ?? [];
    this.spec.shared.forEach((t, i) => checkFinite(`task ${task} sparse/${t.name}`, f32Values(sparse[i], t.shape)));
    headSpec(this.spec, state.classes ?? 0).forEach((h, i) => checkFinite(`task ${task} ${h.name}`, f32Values(head[i], h.shape)));
  }

  /** The states by task, encoded, for a checkpoint. */
  encoded(): Record<string, Uint8Array> {
    return Object.fromEntries([...this.records].map(([task, r]) => [task, r.encoded]));
  }

  /** Takes back the states of a checkpoint (of the run's tasks only). */
  restore(encoded: Record<string, Uint8Array>, tasks: readonly string[]): void {
    for (const [task, bytes] of Object.entries(encoded)) {
      if (tasks.includes(task)) this.records.set(task, { encoded: bytes, state: wire.TaskState.decode(bytes) });
    }
  }

  /** The tasks with a state. */
  get tasks(): string[] {
    return [...this.records.keys()];
  }

  /** A task's S_t and head as the bundle holds them (copies). */
  bundleTask(task: string): BundleTask {
    const record = this.records.get(task);
    if (!record) throw new Error(`no state was reported for task ${task}`);
    const { sparse = [], head = [], classes = 0 } = record.state;
    return {
      name: task,
      classes: classes ?? 0,
      sparse: this.spec.shared.map((t, i) => f32Values((sparse ?? [])[i], t.shape).slice()),
      head: headSpec(this.spec, classes ?? 0).map((h, i) => f32Values((head ?? [])[i], h.shape).slice()),
    };
  }
}
