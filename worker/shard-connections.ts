// A worker's connections to the follower shards (docs/shards.md), opened after each welcome from the
// lead that names them: each says hello with the task and the model the lead welcomed, takes the
// shard's slices of W (its welcome, then its updates) and carries the pushes of those slices. A shard
// not reachable yet (restarting, restoring) is retried with backoff; one that drops after its welcome
// makes the worker rejoin through the lead, so that every shard's copy starts over from a welcome.
import { decode, ErrorCode, WireError, type MessageKind, type Messages } from '../proto/codec.js';
import { Connection } from './connection.js';
import { helloMessage } from './handshake.js';
import type { RunShards } from './run-plan.js';
import type { JoinedRun } from './joined-run.js';
import { decodeWhole, UpdateParts } from './updates.js';
import { refusal } from './worker-error.js';

export interface ShardConnectionsOptions {
  token?: string;
  ca?: Buffer;
  log: (line: string) => void;
  maxPayload: () => number;
  /** A refusal no retry can fix, or a frame that breaks the protocol: the worker stops. */
  onFatal: (err: unknown) => void;
  /** A shard's connection dropped after its welcome: rejoin through the lead. */
  onLost: () => void;
  /** Where each shard's complete updates (and welcome's slices) go. */
  run: () => JoinedRun | null;
}

interface Link {
  connection: Connection;
  updates: UpdateParts;
  welcomed: boolean;
}

export class ShardConnections {
  private links = new Map<number, Link>();

  constructor(private readonly options: ShardConnectionsOptions) {}

  /** Opens a connection to every follower of `shards` (closing those of an earlier welcome). */
  open(shards: RunShards, task: string, fingerprint: string, workerId: string): void {
    this.close();
    for (let shard = 1; shard < shards.plan.shards; shard++) {
      const url = shards.addresses[shard];
      const connection = new Connection({ url, token: this.options.token, ca: this.options.ca, maxPayload: this.options.maxPayload, log: (line) => this.options.log(`shard ${shard}: ${line}`) });
      const link: Link = { connection, updates: new UpdateParts(shards.layouts[shard]), welcomed: false };
      this.links.set(shard, link);
      connection.on('open', () => connection.send('hello', helloMessage(task, fingerprint, workerId)));
      connection.on('frame', (frame) => {
        try {
          this.frame(shard, link, frame);
        } catch (err) {
          this.options.onFatal(err);
        }
      });
      connection.on('closed', () => {
        link.updates.reset();
        if (!link.welcomed || this.links.get(shard) !== link) return;
        this.options.log(`shard ${shard} (${url}) closed the connection; rejoining through the lead`);
        this.options.onLost();
      });
      connection.on('fatal', (err) => this.options.onFatal(err));
      connection.connect();
    }
  }

  private frame(shard: number, link: Link, frame: Uint8Array): void {
    const msg = decode(frame);
    if (msg.kind === 'welcome') {
      link.welcomed = true;
      link.connection.welcomed();
      if (msg.body.sharedFollows) return;
      const tensors = decodeWhole(msg.body.shared ?? [], `shard ${shard}'s welcome`, link.updates.layout);
      return this.options.run()?.update(msg.body.version ?? 0, false, false, tensors, shard);
    }
    if (msg.kind === 'update') {
      const update = link.updates.accept(msg.body);
      if (update) this.options.run()?.update(update.version, update.delta, update.done, update.tensors, shard);
      return;
    }
    if (msg.kind === 'error') {
      const { line, fatal } = refusal(msg.body, `shard ${shard}`);
      this.options.log(line);
      if (fatal) throw fatal;
      // Not welcomed (the shard holds no W yet, while it restores): try again after a backoff.
      if (!link.welcomed) link.connection.resynchronise();
      return;
    }
    if (msg.kind !== 'heartbeat' && msg.kind !== 'bye') throw new WireError(ErrorCode.UNKNOWN_TYPE, `shard ${shard} sent a "${msg.kind}" message`);
  }

  /** Whether every follower's connection is open and welcomed. */
  get ready(): boolean {
    return [...this.links.values()].every((l) => l.welcomed && l.connection.isOpen);
  }

  send<K extends MessageKind>(shard: number, kind: K, body: Messages[K]): boolean {
    return this.links.get(shard)?.connection.send(kind, body) ?? false;
  }

  close(): void {
    for (const link of this.links.values()) link.connection.terminate();
    this.links.clear();
  }
}
