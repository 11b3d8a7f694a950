// Which replicas of each replicated task (tasks[].replicas > 1) train the open round, without I/O.
// A task's members of a round are fixed when the round opens; their pushes complete the task's part of
// the round, and a member that leaves is dropped from it at once. A replica joins a task that trains
// as a newcomer: at the next round close the lead is asked for the task's state, which it sends before
// its next push, and at the close of that round the newcomers take that state, apply that round's step
// like the others, and train from the round after. A task with no member starts (forms) from the
// coordinator's stored state: at once once it has trained in this run, else when its configured
// replicas are in or `formWaitMs` after the first one came (so that replicas started together begin
// together, each on its share of round 0).

/** What a closed round tells one replica (hybrid.proto TaskStep). */
export interface StepPlan<H> {
  handle: H;
  /** Apply the closed round's step (members of it, and newcomers holding the lead's state of it). */
  closes: boolean;
  rank: number;
  replicas: number;
  lead: boolean;
  sendState: boolean;
}

export interface RoundPlan<H> {
  task: string;
  steps: StepPlan<H>[];
  /** Members of the closed round (its batches were this many). */
  closedReplicas: number;
  /** Replicas that became members now and take the task's stored state first. */
  joining: H[];
}

export type PushVerdict = 'complete' | 'waiting';

class TaskGroup<H, P> {
  /** Members of the open round, by slot index. */
  readonly members = new Map<H, number>();
  readonly pending = new Map<H, number>();
  readonly pushes = new Map<H, P>();
  /** Members when the open round began. */
  roundSize = 0;
  /** Whether the task has trained (formed) in this coordinator's run. */
  started = false;
  gatherSince: number | null = null;
  /** The round whose state the lead sent while it was open. */
  stateFor: number | null = null;

  constructor(readonly configured: number) {}

  /** Members in slot order. */
  ordered(): H[] {
    return [...this.members].sort((a, b) => a[1] - b[1]).map(([h]) => h);
  }

  get lead(): H | null {
    return this.ordered()[0] ?? null;
  }
}

export class ReplicaGroups<H, P> {
  private readonly groups = new Map<string, TaskGroup<H, P>>();

  /** `configured`: each replicated task's run-config replicas (tasks of one worker are not here). */
  constructor(
    configured: ReadonlyMap<string, number>,
    private readonly formWaitMs: number,
  ) {
    for (const [task, n] of configured) if (n > 1) this.groups.set(task, new TaskGroup(n));
  }

  isReplicated(task: string): boolean {
    return this.groups.has(task);
  }

  get tasks(): string[] {
    return [...this.groups.keys()];
  }

  private group(task: string): TaskGroup<H, P> {
    const g = this.groups.get(task);
    if (!g) throw new Error(`task ${task} has no replicas`);
    return g;
  }

  /** A replica (slot `index`) joined. Returns the handles that became members now (a task forming). */
  join(task: string, handle: H, index: number, now: number): H[] {
    const g = this.group(task);
    g.pending.set(handle, index);
    if (g.members.size > 0) return [];
    if (g.started || g.pending.size >= g.configured) return this.form(g);
    g.gatherSince ??= now;
    return [];
  }

  /** Tasks still gathering their first replicas whose wait is over: they form with those in. */
  formDue(now: number): { task: string; members: H[] }[] {
    const formed: { task: string; members: H[] }[] = [];
    for (const [task, g] of this.groups) {
      if (g.members.size === 0 && g.pending.size > 0 && g.gatherSince !== null && now - g.gatherSince >= this.formWaitMs) formed.push({ task, members: this.form(g) });
    }
    return formed;
  }

  private form(g: TaskGroup<H, P>): H[] {
    for (const [h, index] of g.pending) g.members.set(h, index);
    g.pending.clear();
    g.started = true;
    g.gatherSince = null;
    g.roundSize = g.members.size;
    return g.ordered();
  }

  /** A replica left (connection gone, heartbeat lapsed). Whether its task's open round now has every
   *  remaining member's push, with at least one push in. */
  leave(task: string, handle: H): boolean {
    const g = this.group(task);
    g.pending.delete(handle);
    if (!g.members.delete(handle)) return false;
    return g.pushes.size > 0 && g.ordered().every((h) => g.pushes.has(h));
  }

  /** Whether `handle` trains the open round of `task`. */
  isMember(task: string, handle: H): boolean {
    return this.group(task).members.has(handle);
  }

  /** Replicas of `task` connected, members or joining. */
  connected(task: string): number {
    const g = this.group(task);
    return g.members.size + g.pending.size;
  }

  /** Whether `handle` leads its task (reports its state and evaluations). */
  isLead(task: string, handle: H): boolean {
    return this.group(task).lead === handle;
  }

  /** A member's push for the open round; 'complete' once every member's is in. The caller checked
   *  membership and the round. */
  offer(task: string, handle: H, push: P): PushVerdict {
    const g = this.group(task);
    g.pushes.set(handle, push);
    return g.ordered().every((h) => g.pushes.has(h)) ? 'complete' : 'waiting';
  }

  /** The pushes of the open round so far (left in the group). */
  pushesIn(task: string): P[] {
    return [...this.group(task).pushes.values()];
  }

  hasPushed(task: string, handle: H): boolean {
    return this.group(task).pushes.has(handle);
  }

  /** The pushes of the open round, in slot order of their replicas (members that left included), taken
   *  out of the group. */
  takePushes(task: string): P[] {
    const g = this.group(task);
    const pushes = [...g.pushes.values()];
    g.pushes.clear();
    return pushes;
  }

  /** Tasks with some pushes in the open round (a round closing at its deadline takes them as they are). */
  partial(): string[] {
    return this.tasks.filter((t) => this.group(t).pushes.size > 0);
  }

  /** The lead's state of round `version` (the open one) is in: newcomers can join at its close. */
  stateArrived(task: string, handle: H, step: number, version: number): void {
    const g = this.group(task);
    if (g.lead === handle && step === version) g.stateFor = version;
  }

  /** Round `version` closed: each replica's step, and who joins. */
  closeRound(task: string, version: number): RoundPlan<H> {
    const g = this.group(task);
    g.pushes.clear();
    const closedReplicas = g.roundSize;
    const closing = new Set(g.members.keys());
    // Newcomers join a task that trains once they can take the lead's state of this round (they then
    // apply its step with the members); a task with no member left forms again from the stored state,
    // with no step to apply.
    const viaState = closing.size > 0 && g.stateFor === version;
    const joining = viaState || (closing.size === 0 && g.started) ? [...g.pending.keys()] : [];
    for (const h of joining) g.members.set(h, g.pending.get(h)!);
    for (const h of joining) g.pending.delete(h);
    g.stateFor = null;
    const order = g.ordered();
    g.roundSize = order.length;
    const askState = g.pending.size > 0;
    const steps = order.map((handle, rank) => ({ handle, closes: closing.has(handle) || viaState, rank, replicas: order.length, lead: rank === 0, sendState: rank === 0 && askState }));
    return { task, steps, closedReplicas, joining };
  }
}
