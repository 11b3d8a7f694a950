// The lead's shard links (docs/shards.md): one WebSocket to each follower shard, opened by the lead
// with the run's shared token and a Hello that names it a shard link, reopened with backoff whenever it
// drops. Over them the followers report their state (ShardStatus) and the pushes they hold
// (PushArrived), and send their final slices; the lead sends RoundClose and Restore. Which follower
// holds which push is kept here, so that the lead counts a push only once every shard holds it.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { ValueAssembler } from '../compression/stream-reader.js';
import { sliceLayout } from '../model/shard-plan.js';
import { isGradientMethod } from '../config/aggregation-schema.js';
import type { ShardCommunication } from '../model/run-output.js';
import { decode, encode, PROTOCOL_VERSION, type MessageKind, type Messages, type ShardStatus } from '../proto/codec.js';
import type { RunContext } from './run-context.js';
import type { FinalWeights } from './run-recorder.js';
import { shardCommunication, withShards, type Traffic, type TrafficReport } from './traffic.js';

export interface ShardLinksOptions {
  /** The run's shared bearer token, when the shards require one. */
  token?: string;
  ca?: Buffer;
  backoff?: { initialMs: number; maxMs: number };
}

export interface ShardLinksEvents {
  /** A follower said where it stands (on every link it opens, and after each Restore). */
  status: [shard: number, status: ShardStatus];
  /** Every follower now holds task's push of `baseVersion`. */
  arrived: [task: string, baseVersion: number];
  /** A follower's link dropped. */
  down: [shard: number];
  /** Every follower's final slices are in (after the last round). */
  final: [];
}

/** W in full for the run's bundle: this process's, or the lead's slices with the followers' final ones. */
export function finalWeights(links: ShardLinks | null, own: readonly Float32Array[]): FinalWeights {
  if (!links) return { complete: () => true, copy: () => own.map((t) => t.slice()) };
  return {
    complete: () => links.finalsIn,
    copy: () => links.assemble(own),
    subscribe: (listener) => {
      links.on('final', listener);
      return () => links.off('final', listener);
    },
  };
}

/** The run's traffic for its results: this process's, or with shards every shard's (each reports its own
 *  before its final slices; the lead's shard links are counted at the followers' end). */
export function runTraffic(links: ShardLinks | null, own: Traffic): TrafficReport {
  if (!links) return own;
  return { communication: (distributed) => withShards(own.communication(distributed), links.followerTraffic()) };
}

const key = (task: string, base: number) => `${task}@${base}`;
/** One key for the pair {a, b}, in either order. */
const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

export class ShardLinks extends EventEmitter<ShardLinksEvents> {
  private readonly sockets = new Map<number, WebSocket>();
  private readonly attempts = new Map<number, number>();
  /** Which followers hold each (task, base version) push. */
  private readonly holders = new Map<string, Set<number>>();
  private readonly finals = new Map<number, Float32Array[]>();
  private readonly finalParts = new Map<number, ValueAssembler>();
  /** With a gradient method: per follower, g_a . g_b over its slices for pairs of pushes (pairKey). */
  private readonly dots = new Map<number, Map<string, number>>();
  /** Each follower's traffic, as it last reported it. */
  private readonly traffic = new Map<number, ShardCommunication>();
  /** Followers sent a Restore and not yet heard from since: what they report holding is from before it. */
  private readonly restoring = new Set<number>();
  private stopped = false;

  constructor(
    private readonly run: RunContext,
    private readonly options: ShardLinksOptions = {},
  ) {
    super();
  }

  /** The followers' shard indices (1 .. K-1). */
  get followers(): number[] {
    return Array.from({ length: this.run.shard.plan.shards - 1 }, (_, i) => i + 1);
  }

  start(): void {
    for (const shard of this.followers) {
      this.run.metrics?.shardLinkUp.set({ follower: String(shard) }, 0);
      this.connect(shard);
    }
  }

  private connect(shard: number): void {
    if (this.stopped) return;
    const url = this.run.shard.addresses[shard];
    const headers: Record<string, string> = this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
    const socket = new WebSocket(url, { headers, ca: this.options.ca, maxPayload: this.run.maxFrameBytes * 2, perMessageDeflate: false });
    socket.binaryType = 'nodebuffer';
    this.sockets.set(shard, socket);
    socket.on('open', () => {
      this.attempts.set(shard, 0);
      this.run.metrics?.shardLinkUp.set({ follower: String(shard) }, 1);
      this.run.log(`coordinator: shard link to shard ${shard} (${url}) open`);
      this.send(shard, 'hello', { protocolVersion: PROTOCOL_VERSION, modelFingerprint: this.run.fingerprint, workerId: 'lead', shardLink: true });
    });
    socket.on('message', (data: Buffer) => this.frame(shard, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    socket.on('unexpected-response', (_req, res) => {
      this.run.log(
        `coordinator: shard ${shard} (${url}) answered the shard link's upgrade with HTTP ${res.statusCode ?? 0}${res.statusCode === 401 ? ': the shards need the same shared token' : ''}`,
      );
      socket.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.sockets.get(shard) !== socket) return;
      this.sockets.delete(shard);
      this.finalParts.delete(shard);
      // What it held may be gone with it; on its next link it reports what it still holds.
      for (const holders of this.holders.values()) holders.delete(shard);
      this.dots.delete(shard);
      this.run.metrics?.shardLinkUp.set({ follower: String(shard) }, 0);
      this.emit('down', shard);
      if (this.stopped) return;
      const attempt = (this.attempts.get(shard) ?? 0) + 1;
      this.attempts.set(shard, attempt);
      const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 200, maxMs: 5000 };
      const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      if (attempt === 1 || attempt % 10 === 0) this.run.log(`coordinator: shard ${shard} (${url}) unreachable; reconnecting (attempt ${attempt})`);
      setTimeout(() => this.connect(shard), ceiling / 2 + Math.random() * (ceiling / 2)).unref();
    });
  }

  private frame(shard: number, frame: Uint8Array): void {
    try {
      const msg = decode(frame);
      if (msg.kind === 'shardStatus') {
        this.restoring.delete(shard);
        return void this.emit('status', shard, msg.body);
      }
      if (msg.kind === 'pushArrived') return this.restoring.has(shard) ? undefined : this.arrivedAt(shard, msg.body);
      if (msg.kind === 'update') return this.finalPart(shard, msg.body);
      if (msg.kind === 'shardTraffic') return void this.traffic.set(shard, { ...shardCommunication(msg.body), shard });
      if (msg.kind === 'error') return this.run.log(`coordinator: shard ${shard} says ${msg.body.message ?? ''}`);
      this.run.log(`coordinator: shard ${shard} sent "${msg.kind}" on its shard link; ignored`);
    } catch (err) {
      this.run.log(`coordinator: a broken frame from shard ${shard}: ${(err as Error).message}; reopening its link`);
      this.sockets.get(shard)?.close(1002, 'broken frame');
    }
  }

  private arrivedAt(shard: number, arrived: Messages['pushArrived']): void {
    const task = arrived.task ?? '';
    const base = arrived.baseVersion ?? 0;
    const k = key(task, base);
    if ((arrived.dots ?? []).length > 0) {
      const dots = this.dots.get(shard) ?? new Map<string, number>();
      this.dots.set(shard, dots);
      for (const d of arrived.dots ?? []) dots.set(pairKey(k, key(d.task ?? '', d.baseVersion ?? 0)), d.value ?? 0);
    }
    const set = this.holders.get(k) ?? new Set<number>();
    this.holders.set(k, set);
    set.add(shard);
    if (set.size === this.followers.length) this.emit('arrived', task, base);
  }

  /** Whether every follower holds the push of `task` for `base`. */
  heldEverywhere(task: string, base: number): boolean {
    return (this.holders.get(key(task, base))?.size ?? 0) === this.followers.length;
  }

  /** The Gram matrix of these pushes over every follower's slices (each follower reported every pair
   *  when the later push of it came); undefined unless the run's aggregation is a gradient method. */
  partialGram(pushes: readonly { task: string; base: number }[]): number[][] | undefined {
    if (!isGradientMethod(this.run.config.aggregation.method)) return undefined;
    const keys = pushes.map((p) => key(p.task, p.base));
    return keys.map((a) =>
      keys.map((b) =>
        this.followers.reduce((sum, shard) => {
          const value = this.dots.get(shard)?.get(pairKey(a, b));
          // Every follower holds every push of a closing round, and reported each pair as it came.
          if (value === undefined) throw new Error(`shard ${shard} reported no dot product of the pushes ${a} and ${b}`);
          return sum + value;
        }, 0),
      ),
    );
  }

  /** Forgets the pushes for versions before `version` (their rounds closed). */
  forgetBefore(version: number): void {
    const old = (k: string) => Number(k.slice(k.lastIndexOf('@') + 1)) < version;
    for (const k of this.holders.keys()) if (old(k)) this.holders.delete(k);
    for (const dots of this.dots.values()) for (const pair of dots.keys()) if (pair.split('|').some(old)) dots.delete(pair);
  }

  /** Every follower goes back to `version`: what they held before is forgotten, and what they report
   *  holding until they answer (with their status) was sent before they went back. */
  restore(version: number): void {
    this.holders.clear();
    this.dots.clear();
    this.finals.clear();
    for (const shard of this.followers) this.restoreOne(shard, version);
  }

  /** A Restore to one follower (one whose link was down when the others were told). */
  restoreOne(shard: number, version: number): void {
    for (const holders of this.holders.values()) holders.delete(shard);
    this.dots.delete(shard);
    this.restoring.add(shard);
    this.send(shard, 'restore', { version });
  }

  private finalPart(shard: number, part: Messages['update']): void {
    if ((part.part ?? 0) === 0) this.finalParts.set(shard, new ValueAssembler(`shard ${shard}'s final slices`, sliceLayout(this.run.spec.shared, this.run.shard.plan.slices[shard])));
    const assembler = this.finalParts.get(shard);
    if (!assembler || !assembler.accept(part.part ?? 0, part.parts ?? 0, part.shared ?? [])) return;
    this.finalParts.delete(shard);
    this.finals.set(
      shard,
      assembler.tensors.map((t) => t.values),
    );
    if (this.finalsIn) this.emit('final');
  }

  /** The followers' traffic reports received so far. */
  followerTraffic(): ShardCommunication[] {
    return [...this.traffic.values()];
  }

  /** Whether every follower's final slices are in. */
  get finalsIn(): boolean {
    return this.followers.every((s) => this.finals.has(s));
  }

  /** W in full: the lead's own slices and every follower's final ones (finalsIn first). */
  assemble(own: readonly Float32Array[]): Float32Array[] {
    if (!this.finalsIn) throw new Error('the final slices of W are not in from every follower shard');
    const { plan } = this.run.shard;
    const full = this.run.spec.shared.map((t) => new Float32Array(t.size));
    for (let shard = 0; shard < plan.shards; shard++) {
      const values = shard === 0 ? own : this.finals.get(shard)!;
      plan.slices[shard].forEach(({ tensor, offset }, i) => full[tensor].set(values[i], offset));
    }
    return full;
  }

  /** Sends to every follower whose link is open; returns whether every one was. */
  broadcast<K extends MessageKind>(kind: K, body: Messages[K]): boolean {
    let all = true;
    for (const shard of this.followers) all = this.send(shard, kind, body) && all;
    return all;
  }

  send<K extends MessageKind>(shard: number, kind: K, body: Messages[K]): boolean {
    const socket = this.sockets.get(shard);
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encode(kind, body));
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets.values()) socket.terminate();
    this.sockets.clear();
  }
}
