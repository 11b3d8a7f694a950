// A task's worker: connects to the coordinator, gets the run config in the welcome, loads its task's data,
// and trains (worker/joined-run.ts) until the coordinator says training is done. This front routes the
// coordinator's messages to the connection, the handshake that follows a welcome, and the joined run.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { heartbeatMs } from '../config/settings.js';
import { decode, ErrorCode, WireError, type ErrorMessage, type ParamUpdate, type Welcome } from '../proto/codec.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { Handshake, helloMessage, type ReplicaClaim } from './handshake.js';
import { ReplicaInbox } from './replica-inbox.js';
import { Heartbeat } from './heartbeat.js';
import { JoinedRun } from './joined-run.js';
import type { WorkerMetrics } from './metrics.js';
import { loadPlannedData, loadWelcomeModelFiles, planRun, type RunPlan } from './run-plan.js';
import type { Evaluation } from './trainer.js';
import { decodeWhole, UpdateParts } from './updates.js';
import { ShardConnections } from './shard-connections.js';
import { PRE_WELCOME_MAX_FRAME_BYTES } from './wire-limits.js';
import { refusal, stopReason } from './worker-error.js';

export { WorkerError } from './worker-error.js';

export interface WorkerOptions extends Omit<ConnectionOptions, 'log'> {
  task: string;
  /** The replica slot claimed (hybrid worker --replica I/N); without it a replicated task gives one. */
  replica?: ReplicaClaim;
  log: (line: string) => void;
  metrics?: WorkerMetrics;
}

export interface WorkerOutcome {
  task: string;
  evaluation: Evaluation | null;
  rounds: number;
}

export interface WorkerEvents {
  round: [version: number, loss: number];
  joined: [version: number];
}

export class Worker extends EventEmitter<WorkerEvents> {
  readonly workerId = randomUUID();
  private readonly connection: Connection;
  private plan: RunPlan | null = null;
  private joined: JoinedRun | null = null;
  private handshake: Handshake | null = null;
  /** From the first welcome on: updates are checked against the model it describes. */
  private updates: UpdateParts | null = null;
  /** TaskSteps and joining states, for a replica of a replicated task. */
  private inbox: ReplicaInbox | null = null;
  private readonly heartbeat: Heartbeat;
  private readonly followers: ShardConnections;
  private phase: 'running' | 'final-sent' | 'over' = 'running';
  private evaluation: Evaluation | null = null;
  private settle: { resolve: (o: WorkerOutcome) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: WorkerOptions) {
    super();
    const maxPayload = () => this.plan?.maxFrameBytes ?? PRE_WELCOME_MAX_FRAME_BYTES;
    const log = (line: string) => this.log(line);
    this.connection = new Connection({ ...options, log, maxPayload });
    this.heartbeat = new Heartbeat(() => void this.connection.send('heartbeat', { timeMs: Date.now(), version: Math.max(0, this.joined?.copy.version ?? 0) }));
    this.connection.on('open', () => this.connection.send('hello', helloMessage(this.options.task, this.plan?.fingerprint ?? '', this.workerId, this.options.replica)));
    this.connection.on('frame', (frame) => this.onFrame(frame)).on('closed', () => this.onClosed());
    this.connection.on('fatal', (err) => this.fail(err));
    this.followers = new ShardConnections({ ...options, log, maxPayload, onFatal: (err) => this.fail(err), onLost: () => this.connection.resynchronise(), run: () => this.joined });
  }

  private log(line: string): void {
    this.options.log(`worker ${this.options.task}: ${line}`);
  }

  /** This worker's copy of W (equal, bit for bit, to the coordinator's mirror of it) and its version. */
  get sharedCopy(): { version: number; tensors: readonly Float32Array[] } | null {
    return this.joined?.sharedCopy ?? null;
  }

  /** Trains until the coordinator says training is done; resolves with the task's final evaluation. */
  run(): Promise<WorkerOutcome> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.connection.connect();
    });
  }

  /** Anything the coordinator sends that the protocol or the run's model rules out stops the worker. */
  private onFrame(frame: Uint8Array): void {
    if (this.phase === 'over') return;
    try {
      const limit = this.plan?.maxFrameBytes;
      if (limit !== undefined && frame.byteLength > limit) throw new WireError(ErrorCode.OVERSIZED, `a frame of ${frame.byteLength} bytes; this run's frames are at most ${limit} bytes`);
      const msg = decode(frame);
      switch (msg.kind) {
        case 'welcome':
          return void this.onWelcome(msg.body).catch((err: unknown) => this.fail(err));
        case 'update':
          return this.onUpdatePart(msg.body);
        case 'taskState':
          if (this.handshake?.wantsState) return this.handshake.takeState(msg.body);
          return ReplicaInbox.of(this.inbox, 'a task state that no welcome announced').takeState(msg.body);
        case 'taskStep':
          return ReplicaInbox.of(this.inbox, 'a task step to a worker of a task without replicas').takeStep(msg.body);
        case 'error':
          return this.onError(msg.body);
        case 'bye':
          this.log(`coordinator says bye: ${msg.body.reason ?? ''}`);
          if (this.phase === 'final-sent') this.complete();
          return;
        case 'heartbeat':
          return;
        default:
          throw new WireError(ErrorCode.UNKNOWN_TYPE, `a "${msg.kind}" message, which only workers send`);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private onError(error: ErrorMessage): void {
    const { line, fatal } = refusal(error, 'the coordinator');
    this.log(line);
    if (fatal) this.fail(fatal);
    else if (error.code === ErrorCode.TRAINING_OVER) this.complete();
  }

  /** A complete update goes to the handshake (the welcome's W) or the run. */
  private onUpdatePart(part: ParamUpdate): void {
    if (!this.updates) throw new WireError(ErrorCode.MALFORMED, 'an update before any welcome');
    const update = this.updates.accept(part);
    if (!update || this.handshake?.takeUpdate(update, update.tensors)) return;
    if (this.inbox) return this.inbox.takeUpdate(update);
    this.joined?.update(update.version, update.delta, update.done, update.tensors);
  }

  private async onWelcome(welcome: Welcome): Promise<void> {
    if (!this.plan) {
      this.connection.hold();
      await loadWelcomeModelFiles(welcome, this.options.url);
    }
    const plan = (this.plan = planRun(welcome, this.options.task, this.options.url, this.plan));
    this.updates ??= new UpdateParts(plan.shared);
    if (plan.task.replicas > 1) this.inbox ??= ReplicaInbox.forPlan(plan);
    // Before any await: the parts that follow the welcome may arrive while the data loads.
    const handshake = (this.handshake = new Handshake(welcome, plan.stateLayout));
    const inline = welcome.sharedFollows ? null : decodeWhole(welcome.shared ?? [], "the welcome's W", plan.shared);
    this.connection.welcomed();
    this.connection.release();
    // Heartbeats from the welcome on, and around each step that may hold the event loop: a worker
    // silent for three heartbeats is dropped before it ever trains.
    this.heartbeat.start(heartbeatMs(plan.config.distributed));
    this.joined?.rejoined();
    if (!this.joined) {
      const run = await this.join(plan, welcome);
      if (this.phase === 'over') return run.dispose();
      this.joined = run;
      const joined = await handshake.joined;
      if (joined?.state) this.joined.importState(joined.state);
    }
    const joined = await handshake.joined;
    if (!joined || !this.joined || this.phase === 'over') return;
    const version = handshake.version;
    this.log(`joined at version ${version} of ${plan.config.train.steps}`);
    this.emit('joined', version);
    this.heartbeat.beat(); // the first round (the backend's warm-up) comes next
    const shared = joined.shared ?? inline;
    if (shared) this.joined.update(version, false, false, shared);
    this.inbox?.opened(this.joined);
    if (plan.shards.plan.shards > 1) this.followers.open(plan.shards, this.options.task, plan.fingerprint, this.workerId);
  }

  /** Loads the task's data and builds its trainer. */
  private async join(plan: RunPlan, welcome: Welcome): Promise<JoinedRun> {
    this.log(`loading data (${plan.task.dataset.source})`);
    const data = await loadPlannedData(plan, welcome);
    this.heartbeat.beat();
    this.options.metrics?.assignReplica(welcome.replica ?? 0);
    const run = new JoinedRun({
      task: this.options.task,
      replica: welcome.replica ?? 0,
      config: plan.config,
      spec: plan.spec,
      data,
      shards: plan.shards,
      send: (kind, body, shard = 0) => (shard === 0 ? this.connection.send(kind, body) : this.followers.send(shard, kind, body)),
      connected: () => this.connection.isOpen && this.followers.ready,
      resynchronise: () => this.connection.resynchronise(),
      log: (line) => this.log(line),
      metrics: this.options.metrics,
      onRound: (version, loss) => this.emit('round', version, loss),
      onFinished: (evaluation) => this.finalSent(evaluation),
      onFailed: (err) => this.fail(err),
    });
    this.heartbeat.beat();
    return run;
  }

  private onClosed(): void {
    this.followers.close();
    this.updates?.reset();
    this.inbox?.reset();
    this.handshake?.cancel();
    this.handshake = null;
    this.heartbeat.stop();
  }

  /** The final state went out: the coordinator answers with bye once every task is in; do not wait on it forever. */
  private finalSent(evaluation: Evaluation): void {
    this.evaluation = evaluation;
    this.phase = 'final-sent';
    setTimeout(() => this.complete(), 30_000).unref();
  }

  private complete(): void {
    if (this.phase === 'over') return;
    this.phase = 'over';
    this.heartbeat.stop();
    void this.connection.end(1000, 'done');
    this.followers.close();
    this.settle?.resolve({ task: this.options.task, evaluation: this.evaluation, rounds: this.joined?.rounds ?? 0 });
    this.joined?.dispose();
  }

  private fail(err: unknown): void {
    if (this.phase === 'over') return;
    this.phase = 'over';
    this.heartbeat.stop();
    this.handshake?.cancel();
    this.connection.terminate();
    this.followers.close();
    this.settle?.reject(stopReason(err, this.options.url));
    this.joined?.dispose();
  }

  /** SIGTERM/SIGINT: report the task state, say bye and close. */
  async stop(): Promise<void> {
    if (this.phase === 'over') return;
    this.phase = 'over';
    if (this.joined && this.connection.isOpen) {
      if (this.joined.leads) this.joined.report(this.joined.state({}));
      this.connection.send('bye', { reason: 'stopping' });
    }
    this.followers.close();
    await this.connection.end(1001, 'worker stopping');
    this.heartbeat.stop();
    this.settle?.resolve({ task: this.options.task, evaluation: null, rounds: this.joined?.rounds ?? 0 });
    this.joined?.dispose();
  }
}
