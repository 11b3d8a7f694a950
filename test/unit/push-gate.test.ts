// The lead's push gate (coordinator/push-gate.ts, docs/shards.md section 3): a push complete at the lead
// goes to the round only once every follower shard reported it; a refusal the round throws then goes
// back to the push's session; pushes whose round closed without them are given back. And the lead's
// bookkeeping of the followers' reports (coordinator/shard-links.ts) that opens the gate.
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CompletePush } from '../../coordinator/push-receiver.js';
import { PushGate } from '../../coordinator/push-gate.js';
import { runContext } from '../../coordinator/run-context.js';
import type { Session } from '../../coordinator/session.js';
import { ShardLinks, type ShardLinksEvents } from '../../coordinator/shard-links.js';
import { encode, ErrorCode, WireError, type MessageKind, type Messages } from '../../proto/codec.js';
import { shardTestConfig } from '../support/shard-fixtures.js';

/** The part of ShardLinks the gate uses, with what the followers hold set by the test. */
class FakeLinks extends EventEmitter<ShardLinksEvents> {
  readonly held = new Set<string>();
  readonly sent: { kind: MessageKind; body: unknown }[] = [];
  readonly forgot: number[] = [];
  heldEverywhere(task: string, base: number): boolean {
    return this.held.has(`${task}@${base}`);
  }
  /** Every follower now holds task's push of `base`. */
  arrive(task: string, base: number): void {
    this.held.add(`${task}@${base}`);
    this.emit('arrived', task, base);
  }
  forgetBefore(version: number): void {
    this.forgot.push(version);
  }
  broadcast<K extends MessageKind>(kind: K, body: Messages[K]): boolean {
    this.sent.push({ kind, body });
    return true;
  }
}

const session = (name: string) => ({ name }) as unknown as Session;
const push = (task: string, baseVersion: number): CompletePush => ({ task, baseVersion, gradient: [new Float32Array(4)], loss: 1, samples: 32, evaluation: null });

interface Recorded {
  offered: [Session, CompletePush][];
  refused: [Session, WireError][];
  released: CompletePush[];
}

let links: FakeLinks;
let seen: Recorded;
/** What offer does with the next push (throw to refuse it). */
let offering: (s: Session, p: CompletePush) => void;

function gateOn(l: FakeLinks | null): PushGate {
  return new PushGate(
    l as unknown as ShardLinks | null,
    (s, p) => {
      offering(s, p);
      seen.offered.push([s, p]);
    },
    (s, err) => seen.refused.push([s, err]),
    (p) => seen.released.push(p),
  );
}

beforeEach(() => {
  links = new FakeLinks();
  seen = { offered: [], refused: [], released: [] };
  offering = () => undefined;
});

describe('PushGate', () => {
  it('with one coordinator (no links) offers every push at once', () => {
    const gate = gateOn(null);
    const s = session('a');
    const p = push('a', 0);
    gate.take(s, p);
    expect(seen.offered).toEqual([[s, p]]);
  });

  it('holds a push until every follower holds it, then offers it with its session', () => {
    const gate = gateOn(links);
    const [sa, sb] = [session('a'), session('b')];
    const [pa, pb] = [push('a', 3), push('b', 3)];
    gate.take(sa, pa);
    gate.take(sb, pb);
    expect(seen.offered).toEqual([]);
    // Another task's, and this task's for another version, open nothing.
    links.arrive('c', 3);
    links.arrive('a', 2);
    expect(seen.offered).toEqual([]);
    links.arrive('b', 3);
    expect(seen.offered).toEqual([[sb, pb]]);
    links.arrive('a', 3);
    expect(seen.offered).toEqual([
      [sb, pb],
      [sa, pa],
    ]);
    // Offered once: a second report of the same push offers nothing more.
    links.emit('arrived', 'a', 3);
    expect(seen.offered).toHaveLength(2);
    expect(seen.released).toEqual([]);
  });

  it('offers at once a push every follower already reported', () => {
    const gate = gateOn(links);
    links.arrive('a', 5);
    const s = session('a');
    const p = push('a', 5);
    gate.take(s, p);
    expect(seen.offered).toEqual([[s, p]]);
  });

  it('throws, from take, the refusal of a push offered at once', () => {
    const gate = gateOn(links);
    links.arrive('a', 5);
    offering = () => {
      throw new WireError(ErrorCode.DUPLICATE, 'a second push');
    };
    expect(() => gate.take(session('a'), push('a', 5))).toThrow('a second push');
    expect(seen.refused).toEqual([]);
  });

  it("sends the refusal the round throws for a held push to that push's session", () => {
    const gate = gateOn(links);
    const s = session('a');
    gate.take(s, push('a', 2));
    const refusal = new WireError(ErrorCode.STALE, 'round 2 closed');
    offering = () => {
      throw refusal;
    };
    links.arrive('a', 2);
    expect(seen.offered).toEqual([]);
    expect(seen.refused).toEqual([[s, refusal]]);
  });

  it('lets an error that is not a refusal through', () => {
    const gate = gateOn(links);
    gate.take(session('a'), push('a', 2));
    offering = () => {
      throw new Error('a bug');
    };
    expect(() => links.arrive('a', 2)).toThrow('a bug');
    expect(seen.refused).toEqual([]);
  });

  it('gives back the earlier push when a task pushes the same version again while it waits', () => {
    const gate = gateOn(links);
    const first = push('a', 4);
    const second = push('a', 4);
    const s2 = session('a again');
    gate.take(session('a'), first);
    gate.take(s2, second);
    expect(seen.released).toEqual([first]);
    links.arrive('a', 4);
    expect(seen.offered).toEqual([[s2, second]]);
  });

  it('forgetBefore gives back the pushes for earlier versions only; the rest still go to the round on arrival', () => {
    const gate = gateOn(links);
    const [old, older, current] = [push('a', 3), push('b', 2), push('c', 4)];
    gate.take(session('a'), old);
    gate.take(session('b'), older);
    gate.take(session('c'), current);
    gate.forgetBefore(4);
    expect(seen.released).toEqual([old, older]);
    links.arrive('a', 3);
    links.arrive('b', 2);
    expect(seen.offered).toEqual([]);
    links.arrive('c', 4);
    expect(seen.offered.map(([, p]) => p)).toEqual([current]);
  });

  it('roundClosing sends RoundClose to the followers, and forgets the pushes before the next version there and here', () => {
    const gate = gateOn(links);
    const [stale, next] = [push('a', 6), push('b', 7)];
    gate.take(session('a'), stale);
    gate.take(session('b'), next);
    const close = { version: 6, terms: [{ task: 'b', baseVersion: 6, coefficient: 0.5 }], lrScale: 1, done: false };
    gate.roundClosing(close);
    expect(links.sent).toEqual([{ kind: 'roundClose', body: close }]);
    expect(links.forgot).toEqual([7]);
    expect(seen.released).toEqual([stale]);
    links.arrive('b', 7);
    expect(seen.offered.map(([, p]) => p)).toEqual([next]);
  });

  it('close stops listening and gives back every push still held', () => {
    const gate = gateOn(links);
    const p = push('a', 9);
    gate.take(session('a'), p);
    expect(links.listenerCount('arrived')).toBe(1);
    gate.close();
    expect(links.listenerCount('arrived')).toBe(0);
    expect(seen.released).toEqual([p]);
    links.arrive('a', 9);
    expect(seen.offered).toEqual([]);
  });
});

describe("ShardLinks' record of the followers' pushes (a links object never started)", () => {
  // K = 3: two followers, whose PushArrived reports come in as frames on their links.
  const run = runContext(shardTestConfig(), { log: () => undefined, shard: { index: 0, addresses: ['ws://lead', 'ws://f1', 'ws://f2'] } });
  const frameFrom = (l: ShardLinks, shard: number, task: string, baseVersion: number) =>
    (l as unknown as { frame(shard: number, frame: Uint8Array): void }).frame(shard, encode('pushArrived', { task, baseVersion }));

  it('says a push is held everywhere, and emits arrived once, only when every follower reported it', () => {
    const real = new ShardLinks(run);
    expect(real.followers).toEqual([1, 2]);
    const arrived: [string, number][] = [];
    real.on('arrived', (task, base) => arrived.push([task, base]));
    frameFrom(real, 1, 'a', 3);
    expect(real.heldEverywhere('a', 3)).toBe(false);
    expect(arrived).toEqual([]);
    frameFrom(real, 2, 'a', 2);
    expect(real.heldEverywhere('a', 2)).toBe(false);
    frameFrom(real, 2, 'a', 3);
    expect(real.heldEverywhere('a', 3)).toBe(true);
    expect(arrived).toEqual([['a', 3]]);
  });

  it('forgetBefore forgets the reports of earlier versions only', () => {
    const real = new ShardLinks(run);
    for (const shard of [1, 2]) {
      frameFrom(real, shard, 'a', 3);
      frameFrom(real, shard, 'b', 4);
    }
    expect(real.heldEverywhere('a', 3)).toBe(true);
    real.forgetBefore(4);
    expect(real.heldEverywhere('a', 3)).toBe(false);
    expect(real.heldEverywhere('b', 4)).toBe(true);
  });

  it('opens a PushGate on the real links: the push is offered when the last follower reports it, not before', () => {
    const real = new ShardLinks(run);
    const gate = new PushGate(
      real,
      (s, p) => seen.offered.push([s, p]),
      (s, err) => seen.refused.push([s, err]),
      (p) => seen.released.push(p),
    );
    const s = session('a');
    const p = push('a', 1);
    gate.take(s, p);
    frameFrom(real, 2, 'a', 1);
    expect(seen.offered).toEqual([]);
    frameFrom(real, 1, 'a', 1);
    expect(seen.offered).toEqual([[s, p]]);
    gate.close();
  });
});
