// The coordinator: owns W, its optimizer and the version; admits each task's workers (replicas); runs the rounds;
// keeps task states; checkpoints; writes the run directory. This front routes each frame (from server.ts) to its part.
import { EventEmitter } from 'node:events';
import type { RunConfig } from '../config/schema.js';
import type { Communication, RunResult } from '../model/run-output.js';
import type { ModelSpec } from '../model/spec.js';
import { taskStateLayout } from '../model/task-state-layout.js';
import { heartbeatMs, lapseMs, roundTimeoutMs } from '../config/settings.js';
import { decode, ErrorCode, WireError } from '../proto/codec.js';
import { admit, type AdmissionDeps } from './admission.js';
import { aggregatorFor, type Aggregator } from './aggregation.js';
import type { CheckpointStore } from './checkpoints.js';
import type { CoordinatorMetrics } from './metrics.js';
import { answerRefusal } from './refusals.js';
import { Replicas } from './replicas.js';
import { RoundDriver, type RoundStats } from './round-driver.js';
import { RunCheckpoints, type CoordinatorCheckpoint } from './run-checkpoints.js';
import { runContext, startLine, type RunContext } from './run-context.js';
import { RunRecorder } from './run-recorder.js';
import { Sessions, type Peer, type Session } from './session.js';
import { TaskStates } from './task-states.js';
import { weightSlice, type WeightSlice } from './weight-slice.js';
import { PushGate } from './push-gate.js';
import { finalWeights, runTraffic, type ShardLinks } from './shard-links.js';
import { Traffic } from './traffic.js';

export type { Peer } from './session.js';
export type { CoordinatorCheckpoint } from './run-checkpoints.js';
export type { RoundStats } from './round-driver.js';

export interface CoordinatorOptions {
  log: (line: string) => void;
  metrics?: CoordinatorMetrics;
  checkpoints?: CheckpointStore<CoordinatorCheckpoint>;
  /** Load the newest valid checkpoint instead of starting from scratch. */
  resume?: boolean;
  /** With `resume`: this version's checkpoint (a shard's rollback to the version every shard holds), not the newest. */
  resumeVersion?: number;
  /** Shard 0 of K (docs/shards.md): every shard's address, the lead's first, and the links to the followers. */
  shards?: { addresses: readonly string[]; links: ShardLinks };
  /** Where results.json, config.json and the bundle go when training is done. */
  outDir?: string;
  aggregator?: Aggregator;
  /** How long to wait for a final task state whose worker is no longer heard from. */
  finalStateTimeoutMs?: number;
  now?: () => number;
}

export interface CoordinatorEvents {
  round: [version: number, stats: RoundStats];
  /** The run is over: its result, or null when no results could be written. */
  done: [result: RunResult | null];
}

export class Coordinator extends EventEmitter<CoordinatorEvents> {
  readonly spec: ModelSpec;
  readonly fingerprint: string;
  readonly totalRounds: number;
  readonly maxFrameBytes: number;
  private readonly run: RunContext;
  private readonly traffic: Traffic;
  private readonly sessions: Sessions;
  private readonly shared: WeightSlice['shared'];
  private readonly taskStates: TaskStates;
  private readonly downlink: WeightSlice['downlink'];
  private readonly pushes: WeightSlice['pushes'];
  private readonly rounds: RoundDriver;
  private readonly replicas: Replicas;
  private readonly checkpoints: RunCheckpoints;
  private readonly recorder: RunRecorder;
  private readonly lapseTimer: NodeJS.Timeout;
  private readonly admission: AdmissionDeps;
  private readonly gate: PushGate;

  constructor(
    readonly config: RunConfig,
    options: CoordinatorOptions,
  ) {
    super();
    const run = (this.run = runContext(config, { ...options, shard: options.shards && { index: 0, addresses: options.shards.addresses } }));
    ({ spec: this.spec, fingerprint: this.fingerprint, totalRounds: this.totalRounds, maxFrameBytes: this.maxFrameBytes } = run);
    this.traffic = new Traffic(run.metrics);
    this.sessions = new Sessions(this.traffic, () => run.now());
    this.taskStates = new TaskStates(run.spec, taskStateLayout(run.spec, config.train), config.tasks);
    this.checkpoints = new RunCheckpoints(run, options.checkpoints);
    const resumed = options.resume ? this.checkpoints.resume(options.resumeVersion) : null;
    ({ shared: this.shared, downlink: this.downlink, pushes: this.pushes } = weightSlice(run, options.aggregator ?? aggregatorFor(config.aggregation, config.seed, run.tasks), resumed));
    if (resumed) this.taskStates.restore(resumed.tasks, run.tasks);
    const version = resumed?.version ?? 0;
    const recording = { outDir: options.outDir, finalStateTimeoutMs: options.finalStateTimeoutMs ?? 120_000, elapsedBefore: resumed?.elapsedSeconds ?? 0 };
    const links = options.shards?.links ?? null;
    this.recorder = new RunRecorder(run, this.taskStates, finalWeights(links, this.shared.tensors), runTraffic(links, this.traffic), recording, (result) => this.finished(result));
    this.replicas = new Replicas(run, this.sessions, this.taskStates, this.pushes, roundTimeoutMs(config.distributed));
    this.gate = new PushGate(
      links,
      (s, p) => this.rounds.offer(s, p),
      this.refuse,
      (p) => this.pushes.release(p.gradient, p.support),
    );
    this.rounds = new RoundDriver(run, this.shared, this.downlink, this.sessions, this.pushes, this.replicas, version, links ? this.gate : undefined);
    this.rounds.on('closed', (v, stats) => this.roundClosed(v, stats)).on('trainingDone', () => this.recorder.startFinishing());
    this.admission = { run, sessions: this.sessions, downlink: this.downlink, taskStates: this.taskStates, rounds: this.rounds, recorder: this.recorder, replicas: this.replicas };
    this.lapseTimer = setInterval(() => this.dropLapsed(), Math.max(100, heartbeatMs(config.distributed) / 2)).unref();
    run.metrics?.startAt(version);
    run.log(startLine(run, version));
  }

  get version(): number {
    return this.rounds.version;
  }
  get sharedTensors(): readonly Float32Array[] {
    return this.shared.tensors;
  }
  /** The copy of W the workers hold (W itself while the downlink sends F32). */
  get mirrorTensors(): readonly Float32Array[] {
    return this.downlink.mirror.tensors;
  }
  /** A task's last kept state, encoded as checkpoints hold it. */
  storedTaskState(task: string): Uint8Array | undefined {
    return this.taskStates.get(task)?.encoded;
  }
  get done(): boolean {
    return this.recorder.phase === 'finished';
  }
  /** Whether the coordinator accepts workers (for /readyz). */
  get ready(): boolean {
    return !this.done;
  }

  attach(peer: Peer): void {
    this.sessions.attach(peer);
  }

  detach(peer: Peer): void {
    const session = this.sessions.of(peer);
    if (!session) return;
    this.pushes.drop(session);
    const task = this.sessions.detach(session);
    if (task === null) return;
    this.run.log(`coordinator: task ${task}${this.replicas.isReplicated(task) ? ` replica ${session.replica}` : ''} disconnected`);
    this.run.metrics?.workersConnected.set(this.sessions.joinedCount);
    this.rounds.leave(session, task);
  }

  /** A frame arrived on a connection. Never throws: bad input is answered and counted. */
  receive(peer: Peer, frame: Uint8Array): void {
    const session = this.sessions.of(peer);
    if (!session) return;
    this.traffic.frameIn(frame.byteLength);
    if (session.state.name === 'closing') return;
    session.lastSeen = this.run.now();
    try {
      if (frame.byteLength > this.run.maxFrameBytes) throw new WireError(ErrorCode.OVERSIZED, `frame of ${frame.byteLength} bytes exceeds ${this.run.maxFrameBytes}`);
      const msg = decode(frame);
      this.traffic.messageIn(msg.kind, frame.byteLength);
      if (msg.kind === 'hello') {
        admit(this.admission, session, msg.body);
        return void this.run.metrics?.workersConnected.set(this.sessions.joinedCount);
      }
      const task = session.task;
      if (task === null) throw new WireError(ErrorCode.NOT_JOINED, `"${msg.kind}" before hello`);
      this.recorder.heardFrom(task);
      if (msg.kind === 'push') {
        const push = this.pushes.accept(session, task, msg.body);
        if (push) this.gate.take(session, push);
      } else if (msg.kind === 'replicaGradient') {
        this.replicas.acceptVector(session, task, msg.body);
      } else if (msg.kind === 'taskState') {
        const record = this.replicas.acceptState(session, task, msg.body, this.version);
        if (record) this.recorder.reported(task, record.state);
      } else if (msg.kind === 'bye') {
        this.run.log(`coordinator: task ${task} says bye (${msg.body.reason ?? ''})`);
      } else if (msg.kind !== 'heartbeat') {
        throw new WireError(ErrorCode.UNKNOWN_TYPE, `a worker may not send "${msg.kind}"`);
      }
    } catch (err) {
      if (err instanceof WireError) return this.refuse(session, err);
      this.run.peerLog.line('internal', `coordinator: internal error on a frame from ${session.task ?? 'a new connection'}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.refuse(session, new WireError(ErrorCode.UNSPECIFIED, 'internal error'));
    }
  }

  /** A frame the transport refused before decoding (a text frame): answered and counted like any bad
   *  input, under `label`. */
  refuseFrame(peer: Peer, frameBytes: number, err: WireError, label: string): void {
    const session = this.sessions.of(peer);
    if (!session) return;
    this.traffic.frameIn(frameBytes);
    if (session.state.name !== 'closing') this.refuse(session, err, label);
  }

  private readonly refuse = (session: Session, err: WireError, label?: string) => answerRefusal(this.run, session, err, label, () => this.downlink.sendFull(session, this.version));

  private roundClosed(version: number, stats: RoundStats): void {
    this.traffic.roundClosed();
    this.recorder.roundClosed(stats.coefficients);
    this.emit('round', version, stats);
    if (version % this.config.distributed.checkpoint_every === 0) this.checkpoint();
  }

  /** The run is over: its last checkpoint, a bye to every worker, and the result to the listeners. */
  private finished(result: RunResult | null): void {
    this.checkpoint();
    for (const s of this.sessions.joined) s.send('bye', { reason: 'training done' });
    this.emit('done', result);
  }

  /** Drops the workers whose heartbeat lapsed; starts tasks whose first replicas waited for the rest. */
  private dropLapsed(): void {
    this.replicas.formDue(this.version);
    const now = this.run.now();
    for (const session of this.sessions.lapsed(now, lapseMs(this.config.distributed))) {
      this.run.log(`coordinator: task ${session.task}: no message for ${((now - session.lastSeen) / 1000).toFixed(1)} s; dropping its worker`);
      this.detach(session.peer);
      session.close(1001, 'heartbeat lapsed');
    }
  }

  /** Writes a checkpoint now (every N rounds, at the end, and on SIGTERM/SIGINT). */
  checkpoint(): void {
    this.checkpoints.save(this.version, this.shared, this.taskStates, this.recorder.elapsedSeconds());
  }

  /** The traffic so far, by message kind, and the round traffic (pushes in, updates out). */
  communication(): Communication {
    return this.traffic.communication(this.config.distributed);
  }

  /** After a resume at the last version: finish at once (results from the checkpointed task states),
   *  instead of serving nobody. Returns whether it did. */
  finishIfComplete(): boolean {
    if (this.done || !this.rounds.trainingOver) return false;
    this.rounds.halt();
    this.recorder.finish();
    return true;
  }

  /** Stops timers; with `checkpoint`, saves the current state first (SIGTERM/SIGINT). */
  stop(checkpoint: boolean): void {
    if (checkpoint && !this.done) this.checkpoint();
    this.rounds.halt();
    this.recorder.stop();
    this.gate.close();
    clearInterval(this.lapseTimer);
    this.run.peerLog.stop();
    for (const s of this.sessions.open) s.close(1001, 'coordinator stopping');
  }
}
