// Where the lead holds a complete push until every follower shard holds its own part of it
// (docs/shards.md): only then does the round policy count it, so that a worker that dies between two
// shards' pushes is missing from every shard's round alike, never half in one. With one coordinator
// the gate is open: each push goes straight to the round.
import { WireError, type RoundClose } from '../proto/codec.js';
import type { Contribution } from './aggregation.js';
import type { CompletePush } from './push-receiver.js';
import type { Session } from './session.js';
import type { ShardRounds } from './round-driver.js';
import type { ShardLinks } from './shard-links.js';

const key = (task: string, base: number) => `${task}@${base}`;

export class PushGate implements ShardRounds {
  private readonly waiting = new Map<string, { session: Session; push: CompletePush }>();
  private readonly onArrived = (task: string, base: number): void => this.arrived(task, base);

  constructor(
    private readonly links: ShardLinks | null,
    /** Offers a push to the open round; throws the refusal as a WireError. */
    private readonly offer: (session: Session, push: CompletePush) => void,
    private readonly refuse: (session: Session, err: WireError) => void,
    private readonly release: (push: CompletePush) => void,
  ) {
    links?.on('arrived', this.onArrived);
  }

  /** A push complete here: to the round now, or once every follower holds it. Throws a refusal. */
  take(session: Session, push: CompletePush): void {
    if (!this.links || this.links.heldEverywhere(push.task, push.baseVersion)) return this.offer(session, push);
    const k = key(push.task, push.baseVersion);
    const earlier = this.waiting.get(k);
    if (earlier) this.release(earlier.push);
    this.waiting.set(k, { session, push });
  }

  private arrived(task: string, base: number): void {
    const k = key(task, base);
    const entry = this.waiting.get(k);
    if (!entry) return;
    this.waiting.delete(k);
    try {
      this.offer(entry.session, entry.push);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.refuse(entry.session, err);
    }
  }

  /** The contributions' dot products over the followers' slices (with a gradient method), for the Gram
   *  matrix the lead adds its own slices' to. */
  partialGram(contributions: readonly Contribution[]): number[][] | undefined {
    return this.links?.partialGram(contributions.map((c) => ({ task: c.task, base: c.baseVersion ?? 0 })));
  }

  /** A closing round to the follower shards; pushes for versions before the next one are of no use. */
  roundClosing(close: RoundClose): void {
    this.links?.broadcast('roundClose', close);
    const next = (close.version ?? 0) + 1;
    this.links?.forgetBefore(next);
    this.forgetBefore(next);
  }

  /** Gives back the pushes for versions before `version` (their round closed without them). */
  forgetBefore(version: number): void {
    for (const [k, { push }] of this.waiting) {
      if (push.baseVersion >= version) continue;
      this.waiting.delete(k);
      this.release(push);
    }
  }

  /** Stops listening to the links (the coordinator stops, or a restore replaces it). */
  close(): void {
    this.links?.off('arrived', this.onArrived);
    this.forgetBefore(Number.POSITIVE_INFINITY);
  }
}
