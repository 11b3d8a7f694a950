// Round bookkeeping, without I/O: which pushes a round takes, when it closes, which tasks straggled.
// Sync mode (docs/architecture.md section 4): a round closes when every active task has pushed for the current
// version, or at its deadline with at least `quorum` pushes. Async mode: a push within the staleness
// bound is applied on arrival, scaled by 1 / (1 + staleness).
import type { Contribution } from './aggregation.js';

export type RoundMode = 'sync' | 'async';

export interface RoundPolicy {
  mode: RoundMode;
  quorum: number;
  staleness: number;
  deadlineMs: number;
}

export type Refusal = 'stale' | 'future' | 'duplicate' | 'unknown_task';

export type Offer = { accepted: true; staleness: number; scale: number } | { accepted: false; reason: Refusal; detail: string };

export class Rounds {
  private readonly pending = new Map<string, Contribution>();
  private readonly active = new Set<string>();
  private openedAt: number | null = null;
  /** Until the first round closed, rounds wait for every configured task (or for the deadline and a
   *  quorum), so the first worker up does not train alone while the others start; after it, for the
   *  active tasks. Reset by a restart. */
  private started = false;

  constructor(
    readonly tasks: readonly string[],
    readonly policy: RoundPolicy,
    private current = 0,
  ) {}

  get version(): number {
    return this.current;
  }

  get activeTasks(): ReadonlySet<string> {
    return this.active;
  }

  get pendingTasks(): string[] {
    return [...this.pending.keys()];
  }

  /** A task's worker joined (or came back). */
  join(task: string, now: number): void {
    this.active.add(task);
    if (this.openedAt === null) this.openedAt = now;
  }

  /** A task's worker left or lapsed; its push for the open round, if any, still counts. */
  leave(task: string): void {
    this.active.delete(task);
  }

  /** Judges a push for `baseVersion`; an accepted sync push waits in the open round. */
  offer(task: string, baseVersion: number, contribution: Contribution, now: number): Offer {
    if (!this.tasks.includes(task)) return { accepted: false, reason: 'unknown_task', detail: `no task "${task}" in this run` };
    const staleness = this.current - baseVersion;
    if (staleness < 0) return { accepted: false, reason: 'future', detail: `base version ${baseVersion} is ahead of the current ${this.current}` };
    if (this.policy.mode === 'sync') {
      if (staleness > 0) return { accepted: false, reason: 'stale', detail: `round ${baseVersion} is closed; the current version is ${this.current}` };
      if (this.pending.has(task)) return { accepted: false, reason: 'duplicate', detail: `task "${task}" already pushed for version ${baseVersion}` };
      if (this.openedAt === null) this.openedAt = now;
      this.pending.set(task, contribution);
      return { accepted: true, staleness: 0, scale: 1 };
    }
    if (staleness > this.policy.staleness) {
      return { accepted: false, reason: 'stale', detail: `base version ${baseVersion} is ${staleness} behind ${this.current} (bound ${this.policy.staleness})` };
    }
    const scale = 1 / (1 + staleness);
    this.pending.set(task, { ...contribution, scale: (contribution.scale ?? 1) * scale });
    return { accepted: true, staleness, scale };
  }

  /** Whether the open round can close now. */
  ready(now: number): boolean {
    if (this.pending.size === 0) return false;
    if (this.policy.mode === 'async') return true;
    const expected = this.started ? [...this.active] : this.tasks;
    const waitingFor = expected.filter((t) => !this.pending.has(t));
    if (waitingFor.length === 0) return true;
    return this.deadlinePassed(now) && this.pending.size >= this.policy.quorum;
  }

  deadlinePassed(now: number): boolean {
    return this.openedAt !== null && now - this.openedAt >= this.policy.deadlineMs;
  }

  /** Milliseconds until the open round's deadline (0 when passed, null when no round is open). */
  msUntilDeadline(now: number): number | null {
    if (this.openedAt === null) return null;
    return Math.max(0, this.openedAt + this.policy.deadlineMs - now);
  }

  /** Closes the open round: its contributions, the active tasks that did not push, the new version. */
  close(now: number): { contributions: Contribution[]; stragglers: string[]; version: number } {
    const contributions = this.tasks.filter((t) => this.pending.has(t)).map((t) => this.pending.get(t)!);
    const stragglers = this.policy.mode === 'sync' ? [...this.active].filter((t) => !this.pending.has(t)) : [];
    this.pending.clear();
    this.started = true;
    this.current++;
    this.openedAt = now;
    return { contributions, stragglers, version: this.current };
  }
}
