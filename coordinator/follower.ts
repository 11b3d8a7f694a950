// A follower shard (docs/shards.md): holds its slices of W and their optimizer state, takes the
// workers' pushes of those slices, tells the lead on the shard link which pushes are in, steps its
// slices when the lead closes a round (with the lead's coefficients, so that every entry of W is
// computed as one coordinator computes it) and sends its update to its workers. It admits no one the
// run does not have, keeps no task state and closes no round of its own.
import { EventEmitter } from 'node:events';
import { isGradientMethod } from '../config/aggregation-schema.js';
import type { RunConfig } from '../config/schema.js';
import { partFields } from '../compression/tensor-stream.js';
import { decode, ErrorCode, PROTOCOL_VERSION, WireError, type Hello, type RoundClose } from '../proto/codec.js';
import type { CheckpointStore } from './checkpoints.js';
import { weightedSum, type Contribution } from './aggregation.js';
import type { CoordinatorMetrics } from './metrics.js';
import { pushArrived } from './push-dots.js';
import type { CompletePush } from './push-receiver.js';
import { answerRefusal } from './refusals.js';
import { runContext, type RunContext } from './run-context.js';
import { Sessions, type Peer, type Session } from './session.js';
import { ShardCheckpoints, type ShardCheckpoint } from './shard-checkpoints.js';
import { Traffic } from './traffic.js';
import { weightSlice, type WeightSlice } from './weight-slice.js';

export interface FollowerOptions {
  /** This shard's index (1 .. K-1) and every shard's address, the lead's first. */
  shard: { index: number; addresses: readonly string[] };
  log: (line: string) => void;
  metrics?: CoordinatorMetrics;
  checkpoints?: CheckpointStore<ShardCheckpoint>;
  /** Started with --resume: hold no W until the lead says which version every shard goes on from. */
  resume?: boolean;
  /** The clock, in milliseconds (performance.now by default). */
  now?: () => number;
}

export interface FollowerEvents {
  /** Round `version - 1` closed here: this shard's slices are at `version`. */
  round: [version: number];
  /** The last round closed and the final slices went to the lead. */
  done: [];
  /** The run is over here: done, and the lead (which writes the results) closed its link. */
  over: [];
  /** This shard cannot go on (its checkpoints are another shard's, cut's or model's). */
  failed: [error: Error];
}

export class Follower extends EventEmitter<FollowerEvents> {
  readonly maxFrameBytes: number;
  private readonly run: RunContext;
  private readonly traffic: Traffic;
  private readonly sessions: Sessions;
  private readonly checkpoints: ShardCheckpoints;
  private weights: WeightSlice | null;
  private current: number;
  /** The lead's shard link. */
  private lead: Session | null = null;
  /** Complete pushes by task, waiting for the round that takes them. */
  private readonly held = new Map<string, CompletePush>();
  private finished = false;
  /** When this shard's current version came (its start, restore or last step): a round's time here is
   *  from then to the step that closes it, as the lead times it from the round's opening. */
  private roundOpened: number;

  constructor(
    readonly config: RunConfig,
    private readonly options: FollowerOptions,
  ) {
    super();
    if (options.shard.index < 1) throw new RangeError('shard 0 leads: run it as the coordinator, not a follower');
    const run = (this.run = runContext(config, options));
    this.maxFrameBytes = run.maxFrameBytes;
    this.traffic = new Traffic(run.metrics);
    this.sessions = new Sessions(this.traffic, () => run.now());
    this.checkpoints = new ShardCheckpoints(run, options.checkpoints);
    this.weights = options.resume ? null : weightSlice(run, weightedSum);
    this.current = options.resume ? -1 : 0;
    this.roundOpened = run.now();
    run.metrics?.sharedVersion.set(Math.max(0, this.current));
    const { index, plan } = run.shard;
    const entries = run.shard.sizes.reduce((a, n) => a + n, 0);
    run.log(
      `shard ${index}/${plan.shards}: entries [${plan.bounds[index]}, ${plan.bounds[index + 1]}) of W (${entries}), ${options.resume ? 'waiting for the lead to say which checkpoint to resume' : 'version 0'}`,
    );
  }

  /** The version of W this shard holds (-1: none, until the lead's Restore). */
  get version(): number {
    return this.current;
  }
  /** This shard's slices of W (empty until it holds a version). */
  get sharedTensors(): readonly Float32Array[] {
    return this.weights?.shared.tensors ?? [];
  }
  /** The copy of this shard's slices its workers hold (the slices themselves while the downlink sends F32). */
  get mirrorTensors(): readonly Float32Array[] {
    return this.weights?.downlink.mirror.tensors ?? [];
  }
  get ready(): boolean {
    return this.weights !== null;
  }

  attach(peer: Peer): void {
    this.sessions.attach(peer);
  }

  detach(peer: Peer): void {
    const session = this.sessions.of(peer);
    if (!session) return;
    this.weights?.pushes.drop(session);
    this.sessions.detach(session);
    this.countWorkers();
    if (session !== this.lead) return;
    this.lead = null;
    if (this.finished) return void this.emit('over');
    this.run.log(`shard ${this.run.shard.index}: the lead's shard link closed; waiting for it to connect again`);
  }

  receive(peer: Peer, frame: Uint8Array): void {
    const session = this.sessions.of(peer);
    if (!session || session.state.name === 'closing') return;
    this.traffic.frameIn(frame.byteLength);
    session.lastSeen = this.run.now();
    try {
      if (frame.byteLength > this.maxFrameBytes) throw new WireError(ErrorCode.OVERSIZED, `frame of ${frame.byteLength} bytes exceeds ${this.maxFrameBytes}`);
      const msg = decode(frame);
      this.traffic.messageIn(msg.kind, frame.byteLength);
      if (msg.kind === 'hello') return this.hello(session, msg.body);
      if (session === this.lead) {
        if (msg.kind === 'roundClose') return this.closeRound(msg.body);
        if (msg.kind === 'restore') return this.restore(msg.body.version ?? 0);
        if (msg.kind === 'heartbeat') return;
        throw new WireError(ErrorCode.UNKNOWN_TYPE, `the lead may not send "${msg.kind}" on a shard link`);
      }
      const task = session.task;
      if (task === null) throw new WireError(ErrorCode.NOT_JOINED, `"${msg.kind}" before hello`);
      if (msg.kind === 'push') {
        if (!this.weights) throw new WireError(ErrorCode.TRAINING_OVER, 'this shard holds no W yet (it waits for the lead to restore a checkpoint)');
        const push = this.weights.pushes.accept(session, task, msg.body);
        if (push) this.hold(push);
      } else if (msg.kind !== 'heartbeat' && msg.kind !== 'bye') {
        throw new WireError(ErrorCode.UNKNOWN_TYPE, `a worker may not send "${msg.kind}" to a follower shard`);
      }
    } catch (err) {
      const wire = err instanceof WireError ? err : new WireError(ErrorCode.UNSPECIFIED, 'internal error');
      if (!(err instanceof WireError)) this.run.log(`shard ${this.run.shard.index}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      answerRefusal(this.run, session, wire, undefined, () => this.weights?.downlink.sendFull(session, this.current));
    }
  }

  /** A text frame (the server refuses it before decoding). */
  refuseFrame(peer: Peer, frameBytes: number, err: WireError, label: string): void {
    const session = this.sessions.of(peer);
    if (!session) return;
    this.traffic.frameIn(frameBytes);
    if (session.state.name !== 'closing') answerRefusal(this.run, session, err, label, () => undefined);
  }

  /** A worker admitted by the lead (same run, same model), or the lead's shard link. */
  private hello(session: Session, hello: Hello): void {
    const { run } = this;
    if (session.state.name !== 'connected') throw new WireError(ErrorCode.MALFORMED, 'a second hello on one connection');
    if (hello.protocolVersion !== PROTOCOL_VERSION) throw new WireError(ErrorCode.PROTOCOL_VERSION, `protocol version ${hello.protocolVersion ?? 0}; this shard speaks ${PROTOCOL_VERSION}`);
    if (hello.modelFingerprint !== run.fingerprint) {
      throw new WireError(ErrorCode.FINGERPRINT, `this shard has model ${run.fingerprint}; the hello names "${hello.modelFingerprint ?? ''}" (a follower shard takes workers the lead welcomed)`);
    }
    if (hello.shardLink) {
      if (session.peer.onlyTask !== undefined) throw new WireError(ErrorCode.UNAUTHORIZED, "a shard link needs the run's shared token, not a task's");
      if (this.lead) this.lead.close(1000, 'replaced by a new shard link');
      this.lead = session;
      this.sessions.join(session, '', hello.workerId ?? 'lead');
      this.sendStatus();
      // Pushes that came in while the link was down: the lead learns of them now.
      const reported: CompletePush[] = [];
      for (const push of this.held.values()) {
        session.send('pushArrived', pushArrived(push, reported, isGradientMethod(this.config.aggregation.method)));
        reported.push(push);
      }
      // A lead that restarted after the last round still needs the final slices for the bundle.
      if (this.current >= this.run.totalRounds) this.finish();
      return;
    }
    const task = hello.task ?? '';
    if (!run.tasks.includes(task)) throw new WireError(ErrorCode.UNKNOWN_TASK, `no task "${task}" in this run; tasks: ${run.tasks.join(', ')}`);
    if (session.peer.onlyTask !== undefined && session.peer.onlyTask !== task) throw new WireError(ErrorCode.UNAUTHORIZED, `this connection's token is for task "${session.peer.onlyTask}"`);
    const weights = this.weights;
    if (!weights) throw new WireError(ErrorCode.TRAINING_OVER, 'this shard holds no W yet (it waits for the lead to restore a checkpoint); reconnecting later succeeds');
    // The lead decides who trains a task; here a newer connection of the task replaces an older one.
    const existing = this.sessions.holding(task);
    if (existing) {
      this.sessions.release(existing);
      existing.close(1000, 'replaced');
    }
    this.sessions.join(session, task, hello.workerId ?? '');
    const parts = weights.downlink.fullParts();
    const follows = parts.length > 1;
    session.send('welcome', { protocolVersion: PROTOCOL_VERSION, modelFingerprint: run.fingerprint, version: this.current, shared: follows ? [] : parts[0], sharedFollows: follows });
    if (follows) weights.downlink.send([session], { version: this.current, done: false }, parts);
    this.countWorkers();
  }

  private countWorkers(): void {
    this.run.metrics?.workersConnected.set(this.sessions.joinedCount - (this.lead ? 1 : 0));
  }

  private hold(push: CompletePush): void {
    const earlier = this.held.get(push.task);
    if (earlier) this.weights?.pushes.release(earlier.gradient, earlier.support);
    this.held.set(push.task, push);
    this.lead?.send('pushArrived', pushArrived(push, [...this.held.values()], isGradientMethod(this.config.aggregation.method)));
  }

  /** The lead closed round `msg.version`: step with its terms, send the update, checkpoint when due. */
  private closeRound(msg: RoundClose): void {
    const weights = this.weights;
    const closing = msg.version ?? 0;
    if (!weights || closing !== this.current) {
      this.run.log(`shard ${this.run.shard.index}: the lead closed round ${closing}, but this shard is at version ${this.current}; asking it to restore`);
      return this.lead?.close(1011, 'round out of step');
    }
    const missing = (msg.terms ?? []).find((term) => this.held.get(term.task ?? '')?.baseVersion !== (term.baseVersion ?? 0));
    if (missing) {
      // The lead's count and this shard's pushes disagree: nothing steps here, and the link closes so that
      // the lead, on the next one, sees this shard's version and restores every shard to a common one.
      this.run.log(`shard ${this.run.shard.index}: the lead closed round ${closing} with task ${missing.task}'s push of version ${missing.baseVersion}, which this shard does not hold`);
      return this.lead?.close(1011, 'round out of step');
    }
    const used: CompletePush[] = [];
    const contributions: Contribution[] = (msg.terms ?? []).map((term) => {
      const push = this.held.get(term.task ?? '')!;
      used.push(push);
      this.held.delete(push.task);
      return { task: push.task, weight: term.coefficient ?? 0, gradient: push.gradient, support: push.support, loss: push.loss };
    });
    try {
      weights.shared.applyRound(contributions, msg.lrScale ?? 1, closing);
    } finally {
      for (const p of used) weights.pushes.release(p.gradient, p.support);
    }
    const version = (this.current = closing + 1);
    for (const [task, p] of this.held) {
      if (p.baseVersion >= version) continue;
      weights.pushes.release(p.gradient, p.support);
      this.held.delete(task);
    }
    const m = this.run.metrics;
    m?.roundsTotal.inc();
    const now = this.run.now();
    m?.roundDuration.observe((now - this.roundOpened) / 1000);
    this.roundOpened = now;
    m?.sharedVersion.set(version);
    this.traffic.roundClosed();
    const { update, parts } = weights.downlink.roundUpdate(version);
    const workers = [...this.sessions.joined].filter((s) => s !== this.lead);
    weights.downlink.send(workers, { ...update, done: msg.done ?? false }, parts);
    if (version % this.config.distributed.checkpoint_every === 0 || msg.done) this.checkpoint();
    this.emit('round', version);
    if (msg.done || version >= this.run.totalRounds) this.finish();
  }

  /** The run is over: the final slices, in full, to the lead (it writes the bundle). */
  private finish(): void {
    const weights = this.weights;
    if (!weights || !this.lead) return;
    this.lead.send('shardTraffic', this.traffic.shardTraffic(this.run.shard.index));
    const parts = weights.downlink.fullParts();
    parts.forEach((shared, i) => this.lead?.send('update', { version: this.current, shared, done: true, ...partFields(i, parts.length) }));
    if (!this.finished) this.run.log(`shard ${this.run.shard.index}: training done at version ${this.current}; final slices sent to the lead`);
    this.finished = true;
    this.emit('done');
  }

  /** Goes back (or on) to checkpoint `version`, which every shard holds: the rounds after it are done again.
   *  A damaged checkpoint is set aside and the lead told what is left; one of another shard, cut or
   *  model stops this shard (`failed`): no retry can fix it. */
  private restore(version: number): void {
    let ck: ReturnType<ShardCheckpoints['rollBackTo']>;
    try {
      ck = this.checkpoints.rollBackTo(version);
    } catch (err) {
      this.run.log(`shard ${this.run.shard.index}: cannot restore version ${version}: ${(err as Error).message}`);
      if (this.checkpoints.versions().includes(version)) return void this.emit('failed', err as Error);
      return this.sendStatus();
    }
    for (const p of this.held.values()) this.weights?.pushes.release(p.gradient, p.support);
    this.held.clear();
    this.weights = weightSlice(this.run, weightedSum, ck);
    this.current = ck?.version ?? 0;
    this.roundOpened = this.run.now();
    this.run.metrics?.startAt(this.current);
    // Workers holding slices of another version rejoin (through the lead) and start from this one.
    for (const s of [...this.sessions.joined]) {
      if (s === this.lead) continue;
      this.sessions.release(s);
      s.close(1012, 'shard restored');
    }
    this.countWorkers();
    this.sendStatus();
    if (this.current >= this.run.totalRounds) this.finish();
  }

  private sendStatus(): void {
    const { index, plan } = this.run.shard;
    this.lead?.send('shardStatus', { shard: index, shards: plan.shards, modelFingerprint: this.run.fingerprint, version: this.current, checkpoints: this.checkpoints.versions() });
  }

  checkpoint(): void {
    if (this.weights && this.current >= 0) this.checkpoints.save(this.current, this.weights.shared);
  }

  /** Stops serving; with `checkpoint`, saves the slices first (SIGTERM/SIGINT). */
  stop(checkpoint: boolean): void {
    if (checkpoint) this.checkpoint();
    this.run.peerLog.stop();
    for (const s of this.sessions.open) s.close(1001, 'shard stopping');
  }
}
