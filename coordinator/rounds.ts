// Round bookkeeping, without I/O: which pushes a round takes, when it closes, which tasks straggled.
// Sync mode (docs/architecture.md section 4): a round closes when every task of the run has pushed for
// the current version, or at its deadline with at least `quorum` pushes. A task whose worker is away
// (not yet joined, dead, lapsed) still counts: the round waits for it until the deadline and then counts
// it as a straggler, so W moves on only while a quorum of tasks trains. Async mode: a push within the
// staleness bound is applied on arrival, scaled by 1 / (1 + staleness).
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

  /** A task's worker left or lapsed; its push for the open round, if any, still counts, and the rounds
   *  still wait for the task until their deadline. */
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
    if (this.tasks.every((t) => this.pending.has(t))) return true;
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

  /** Closes the open round: its contributions, the tasks that did not push (sync), the new version. */
  close(now: number): { contributions: Contribution[]; stragglers: string[]; version: number } {
    const contributions = this.tasks.filter((t) => this.pending.has(t)).map((t) => this.pending.get(t)!);
    const stragglers = this.policy.mode === 'sync' ? this.tasks.filter((t) => !this.pending.has(t)) : [];
    this.pending.clear();
    this.current++;
    this.openedAt = now;
    return { contributions, stragglers, version: this.current };
  }
}
