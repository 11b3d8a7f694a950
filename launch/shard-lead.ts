// The lead shard of a run over K coordinator processes (docs/shards.md): the Coordinator for shard 0,
// its links to the followers, and the resume rule. Every follower says on each link where it stands;
// one that holds another version of W than the lead (it restarted, or the lead did) makes every shard
// go back to the newest version all of them hold on disk: the followers roll back on a Restore, the
// lead builds its Coordinator again from its own checkpoint of that version, and the workers, whose
// connections that closes, rejoin from it. Rounds after that version are done again; none is applied
// twice in the W that goes on.
import { EventEmitter } from 'node:events';
import type { RunConfig } from '../config/schema.js';
import type { CheckpointStore } from '../coordinator/checkpoints.js';
import { Coordinator, type CoordinatorCheckpoint, type CoordinatorEvents, type CoordinatorOptions, type Peer } from '../coordinator/coordinator.js';
import type { Served } from '../coordinator/server.js';
import type { ShardLinks } from '../coordinator/shard-links.js';
import type { ShardStatus, WireError } from '../proto/codec.js';

/** What the coordinator command runs: one Coordinator, or the lead of several shards. */
export interface RunningCoordinator extends Served, EventEmitter<CoordinatorEvents> {
  readonly ready: boolean;
  readonly totalRounds: number;
  stop(checkpoint: boolean): void;
  finishIfComplete(): boolean;
}

export class ShardLead extends EventEmitter<CoordinatorEvents> implements Served {
  private current: Coordinator;
  /** Each follower's last status since its link opened (or since the last Restore). */
  private readonly statuses = new Map<number, ShardStatus>();
  /** A Restore went out for this version; statuses of other versions are stale until it is answered. */
  private restoring: number | null = null;

  constructor(
    readonly config: RunConfig,
    private readonly options: CoordinatorOptions & { checkpoints: CheckpointStore<CoordinatorCheckpoint>; shards: { addresses: readonly string[]; links: ShardLinks } },
    /** A follower's state rules out going on (another model or cut): the lead stops with this error. */
    private readonly onFatal: (err: Error) => void,
  ) {
    super();
    this.current = this.build(options);
    const links = options.shards.links;
    links.on('status', (shard, status) => this.status(shard, status));
    links.on('down', (shard) => this.statuses.delete(shard));
    links.start();
  }

  get coordinator(): Coordinator {
    return this.current;
  }
  get maxFrameBytes(): number {
    return this.current.maxFrameBytes;
  }
  get totalRounds(): number {
    return this.current.totalRounds;
  }
  get ready(): boolean {
    return this.current.ready;
  }

  attach(peer: Peer): void {
    this.current.attach(peer);
  }
  detach(peer: Peer): void {
    this.current.detach(peer);
  }
  receive(peer: Peer, frame: Uint8Array): void {
    this.current.receive(peer, frame);
  }
  refuseFrame(peer: Peer, frameBytes: number, err: WireError, label: string): void {
    this.current.refuseFrame(peer, frameBytes, err, label);
  }

  private build(options: CoordinatorOptions): Coordinator {
    const coordinator = new Coordinator(this.config, options);
    coordinator.on('round', (version, stats) => this.emit('round', version, stats));
    coordinator.on('done', (result) => {
      this.options.shards.links.stop();
      this.emit('done', result);
    });
    return coordinator;
  }

  private status(shard: number, status: ShardStatus): void {
    const { links } = this.options.shards;
    const K = links.followers.length + 1;
    if ((status.shards ?? 0) !== K || status.shard !== shard || status.modelFingerprint !== this.current.fingerprint) {
      return this.onFatal(
        new Error(
          `the shard at ${this.options.shards.addresses[shard]} is shard ${status.shard ?? 0} of ${status.shards ?? 0} with model ${status.modelFingerprint ?? ''}; this lead expects shard ${shard} of ${K} with model ${this.current.fingerprint}: start every shard with the same run config and --shards list`,
        ),
      );
    }
    const version = Number(status.version ?? -1);
    if (this.restoring !== null && version !== this.restoring) {
      // A follower whose link was down when the others were told: tell it now.
      if ((status.checkpoints ?? []).map(Number).includes(this.restoring) || this.restoring === 0) return links.restoreOne(shard, this.restoring);
      // It could not load that version (it set a damaged file aside): choose again.
      this.options.log(`coordinator: shard ${shard} cannot restore version ${this.restoring}; choosing again`);
      this.statuses.set(shard, status);
      return this.restoreWhenKnown();
    }
    this.statuses.set(shard, status);
    if (this.restoring !== null) {
      if (links.followers.every((s) => Number(this.statuses.get(s)?.version ?? -1) === this.restoring)) {
        this.options.log?.(`coordinator: every shard is at version ${this.restoring}; rounds go on`);
        this.restoring = null;
      }
      return;
    }
    if (version === this.current.version) return;
    this.options.log(`coordinator: shard ${shard} holds version ${version < 0 ? 'none' : version}, this lead ${this.current.version}; the shards go back to the newest version all of them hold`);
    this.restoreWhenKnown();
  }

  /** Once every follower's checkpoints are known: every shard back to the newest version all hold. */
  private restoreWhenKnown(): void {
    const { links } = this.options.shards;
    if (!links.followers.every((s) => this.statuses.has(s))) return;
    const held = (versions: readonly number[]) => new Set([0, ...versions.map(Number)]);
    const lead = held(this.options.checkpoints.list().map((c) => c.version));
    const common = [...lead].filter((v) => links.followers.every((s) => held(this.statuses.get(s)?.checkpoints ?? []).has(v)));
    const version = Math.max(...common);
    let next: Coordinator;
    try {
      // Its hybrid_rounds_total counts from that version again: rounds after it are not counted twice.
      next = this.build({ ...this.options, resume: true, resumeVersion: version });
    } catch (err) {
      this.options.log(`coordinator: cannot restore version ${version} here: ${(err as Error).message}`);
      // A damaged checkpoint was set aside: choose again without it; anything else no retry fixes.
      if (this.options.checkpoints.list().some((c) => c.version === version)) return this.onFatal(err as Error);
      return this.restoreWhenKnown();
    }
    this.restoring = version;
    links.restore(version);
    this.options.log(`coordinator: restoring every shard to version ${version}`);
    this.current.stop(false);
    this.current.removeAllListeners();
    this.current = next;
  }

  finishIfComplete(): boolean {
    return this.current.finishIfComplete();
  }

  stop(checkpoint: boolean): void {
    this.options.shards.links.stop();
    this.current.stop(checkpoint);
  }
}
