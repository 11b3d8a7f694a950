// Each task's last reported state (S_t, its support, the head and their optimizer), as the coordinator
// keeps it for a worker that takes the task over, for checkpoints, and for the bundle at the end. States
// arrive in parts, are checked against the model's layout as they come (so a state never allocates more
// than the model allows) and against coordinator/task-state-checks.ts once complete, and are kept
// encoded, so checkpoints store them as they are and welcomes decode them back. A refused state leaves
// the stored one untouched.
import { TaskStateAssembler, type TaskStateLayout } from '../compression/task-state-stream.js';
import type { TaskConfig } from '../config/schema.js';
import type { BundleTask } from '../model/bundle.js';
import { classesBound, configuredClasses } from '../model/limits.js';
import type { ModelSpec } from '../model/spec.js';
import { headSpec, totalSize } from '../model/spec.js';
import { f32Values, wire, WireError, type TaskStateMessage } from '../proto/codec.js';
import type { Session } from './session.js';
import { assemblyReason, checkTaskState, parsePreprocess, TaskStateRefusal } from './task-state-checks.js';

export interface TaskRecord {
  encoded: Uint8Array;
  state: TaskStateMessage;
}

export class TaskStates {
  private readonly records = new Map<string, TaskRecord>();
  /** Entries of all shared tensors: the most non-zeros a state can count. */
  private readonly sharedEntries: number;

  constructor(
    private readonly spec: ModelSpec,
    private readonly layout: TaskStateLayout,
    private readonly taskConfigs: readonly TaskConfig[],
  ) {
    this.sharedEntries = totalSize(spec.shared);
  }

  /** The class count a state of `task` must have: the config's, else that of the task's kept state. */
  private classesOf(task: string): number | null {
    const config = this.taskConfigs.find((t) => t.name === task);
    return (config && configuredClasses(config)) ?? this.get(task)?.state.classes ?? null;
  }

  /** The layout with the head bounded by what the task's config allows, checked before the head's
   *  buffers are sized from the class count a state declares. */
  private layoutOf(task: string): TaskStateLayout {
    const config = this.taskConfigs.find((t) => t.name === task);
    const most = config ? classesBound(config) : 0;
    return {
      ...this.layout,
      head: (classes) => {
        if (classes > most) throw new TaskStateRefusal('classes', `task ${task}: the state's head has ${classes} classes; the task has at most ${most}`);
        return this.layout.head(classes);
      },
    };
  }

  get(task: string): TaskRecord | undefined {
    return this.records.get(task);
  }

  /** The tasks whose final state is in. */
  isFinal(task: string): boolean {
    return this.records.get(task)?.state.final ?? false;
  }

  /**
   * Takes one part of a task state from `session` (joined to `task`; `notLead`: a replica of it other than
   * its lead, refused); returns the record once the state is complete and checked. Throws TaskStateRefusal on a broken part or state, which is then dropped
   * with its remaining parts.
   */
  accept(session: Session, task: string, part: TaskStateMessage, notLead = false): TaskRecord | null {
    const index = part.part ?? 0;
    if (notLead && index === 0) {
      // One state per task: a replica other than the task's lead holds the same state or an older one.
      session.skippingTaskState = (part.parts ?? 0) > 1;
      throw new TaskStateRefusal('not_lead', `replica ${session.replica} of task "${task}" is not its lead; the lead reports the task's state`);
    }
    if (index > 0 && session.taskState === null && session.skippingTaskState) {
      if (index + 1 >= (part.parts ?? 0)) session.skippingTaskState = false;
      return null;
    }
    let state: TaskStateMessage | null;
    try {
      state = this.assemble(session, task, part, index);
      if (state === null) return null;
      checkTaskState(state, { task, layout: this.layout, classes: this.classesOf(task), sharedEntries: this.sharedEntries });
    } catch (err) {
      session.taskState = null;
      // The rest of a state refused part-way is dropped without a reply each.
      session.skippingTaskState = index + 1 < (part.parts ?? 0);
      if (err instanceof TaskStateRefusal || !(err instanceof WireError)) throw err;
      throw new TaskStateRefusal(assemblyReason(err.code), err.message);
    }
    const encoded = wire.TaskState.encode(state).finish();
    const record = { encoded, state: wire.TaskState.decode(encoded) };
    this.records.set(task, record);
    return record;
  }

  /** Adds `part` to the state arriving on `session`; the whole state once its last part is in. */
  private assemble(session: Session, task: string, part: TaskStateMessage, index: number): TaskStateMessage | null {
    if (part.task && part.task !== task) throw new TaskStateRefusal('wrong_task', `this connection trains "${task}", not "${part.task}"`);
    if (index === 0) {
      const earlier = session.taskState;
      session.taskState = new TaskStateAssembler(`task state of ${task}`, this.layoutOf(task));
      if (earlier?.open) throw new TaskStateRefusal('malformed', `a new task state began while part ${earlier.waitingFor} of the previous one was missing; both dropped`);
    } else if (!session.taskState) {
      throw new TaskStateRefusal('malformed', `task state part ${index} without the parts before it`);
    }
    const state = session.taskState.accept(part);
    if (state !== null) session.taskState = null;
    return state;
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
    const { sparse = [], head = [], stats = [], classes = 0, classNames = [], preprocessJson = '' } = record.state;
    return {
      name: task,
      classes: classes ?? 0,
      sparse: this.spec.shared.map((t, i) => f32Values((sparse ?? [])[i], t.shape).slice()),
      head: headSpec(this.spec, classes ?? 0).map((h, i) => f32Values((head ?? [])[i], h.shape).slice()),
      stats: this.spec.stats.map((t, i) => f32Values((stats ?? [])[i], t.shape).slice()),
      ...(classNames && classNames.length > 0 ? { classNames: [...classNames] } : {}),
      ...(preprocessJson ? { preprocess: parsePreprocess(preprocessJson) } : {}),
    };
  }
}
