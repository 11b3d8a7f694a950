// The coordinator: owns W, its optimizer and the version; admits one live worker per task; runs the
// rounds; keeps each task's last reported state; checkpoints; and at the end writes the run directory.
// Transport-agnostic: server.ts feeds it frames from WebSocket connections (Peers).
import { EventEmitter } from 'node:events';
import type { RunConfig } from '../config/schema.js';
import { taskInputShape } from '../data/shapes.js';
import type { Bundle } from '../model/bundle.js';
import { lrScale } from '../model/learning-rate.js';
import { summarise, writeRunDirectory, type Communication, type RunResult } from '../model/run-output.js';
import { buildModelSpec, headSpec, initTensors, modelFingerprint, totalSize, type ModelSpec } from '../model/spec.js';
import { groupParts, partFields, pieceEntries, pieceMessage, pieceRanges, rawParts } from '../compression/tensor-stream.js';
import { decodePieceInto, PartReader, RawAssembler } from '../compression/stream-reader.js';
import {
  checkFinite,
  decode,
  encode,
  Encoding,
  ErrorCode,
  f32Tensor,
  f32Values,
  PROTOCOL_VERSION,
  wire,
  WireError,
  type GradientPush,
  type Hello,
  type ParamUpdate,
  type TaskStateMessage,
  type TensorMessage,
} from '../proto/codec.js';
import { ENCODING_IDS, encodeWithSent } from '../compression/encodings/index.js';
import { weightedSum, type Aggregator } from './aggregation.js';
import type { CheckpointStore } from './checkpoints.js';
import { GradientSlots } from './gradient-slots.js';
import { holdsBack } from './held-back.js';
import type { CoordinatorMetrics } from './metrics.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { Rounds } from './rounds.js';
import { SharedWeights } from './shared-weights.js';

/** One connection, as the coordinator sees it. */
export interface Peer {
  send(frame: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Set when the connection authenticated with a task's own token: it may train only that task. */
  onlyTask?: string;
}

/** What a checkpoint holds: everything needed to go on from `version`. */
export interface CoordinatorCheckpoint {
  fingerprint: string;
  version: number;
  shared: Float32Array[];
  optimizer: OptimizerState;
  /** Each task's last reported state, as its encoded TaskState message. */
  tasks: Record<string, Uint8Array>;
  elapsedSeconds: number;
}

export interface CoordinatorOptions {
  log: (line: string) => void;
  metrics?: CoordinatorMetrics;
  checkpoints?: CheckpointStore<CoordinatorCheckpoint>;
  /** Load the newest valid checkpoint instead of starting from scratch. */
  resume?: boolean;
  /** Where results.json, config.json and the bundle go when training is done. */
  outDir?: string;
  aggregator?: Aggregator;
  /** How long to wait for the final task states once training is done. */
  finalStateTimeoutMs?: number;
  now?: () => number;
}

interface Session {
  peer: Peer;
  task: string | null;
  workerId: string;
  lastSeen: number;
  /** Set once the coordinator closed the connection: ws still delivers frames that were already on their
   *  way (a hello right behind a refused push), and none of them may be served. */
  closing: boolean;
  /** A push whose parts are arriving: each piece is decoded into `slot` on arrival. */
  push: { reader: PartReader; slot: Float32Array[]; baseVersion: number } | null;
  /** The base version of a push refused part-way: its remaining parts are dropped without a reply. */
  skipping: number | null;
  /** A task state whose parts are arriving. */
  state: RawAssembler | null;
}

/** The reasons hybrid_pushes_rejected_total counts pushes under (the refusals of onPush and of Rounds.offer). */
const PUSH_REFUSALS = ['shape', 'non_finite', 'stale', 'round_closed', 'future', 'duplicate'] as const;

interface TaskRecord {
  encoded: Uint8Array;
  state: TaskStateMessage;
}

/**
 * Events: 'round' (version, stats), 'done' (RunResult | null), 'log'.
 */
export class Coordinator extends EventEmitter {
  readonly spec: ModelSpec;
  readonly fingerprint: string;
  readonly tasks: readonly string[];
  private readonly shared: SharedWeights;
  /** The W every worker holds: W as of the last full broadcast plus the decoded deltas since. */
  private readonly mirror: Float32Array[];
  private readonly rounds: Rounds;
  private readonly sessions = new Set<Session>();
  private readonly sessionOf = new WeakMap<Peer, Session>();
  private readonly byTask = new Map<string, Session>();
  private readonly taskStates = new Map<string, TaskRecord>();
  private readonly lastLoss = new Map<string, number>();
  private readonly options: CoordinatorOptions;
  private readonly now: () => number;
  private readonly started: number;
  private elapsedBefore = 0;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private lapseTimer: NodeJS.Timeout | null = null;
  private finalTimer: NodeJS.Timeout | null = null;
  private roundStarted: number;
  /** Payload bytes by message kind since this process started, for the run's communication report. */
  private readonly traffic = { received: new Map<string, number>(), sent: new Map<string, number>(), rounds: 0 };
  private finished = false;
  private finishing = false;
  readonly totalRounds: number;
  readonly maxFrameBytes: number;
  /** The largest tensor payload of a frame (distributed.chunk_bytes). */
  readonly chunkBytes: number;
  /** Whether this run's messages can come in parts (a worker must take them: Hello.parts). */
  readonly needsParts: boolean;
  private readonly slots: GradientSlots;
  /** The SIMD finite test of pushes decoded next to W (undefined: checkFinite alone). */
  private readonly allFinite: ((values: Float32Array) => boolean) | undefined;

  constructor(
    readonly config: RunConfig,
    options: CoordinatorOptions,
  ) {
    super();
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.roundStarted = this.started;
    this.spec = buildModelSpec(config.model, taskInputShape(config.tasks[0]));
    this.fingerprint = modelFingerprint(this.spec);
    this.tasks = config.tasks.map((t) => t.name);
    this.totalRounds = config.train.steps;
    const sizes = this.spec.shared.map((t) => t.size);
    this.shared = new SharedWeights(initTensors(this.spec.shared, config.seed, 'shared'), config.train.optimizer, options.aggregator ?? weightedSum, {
      heldBack: holdsBack(config.distributed.uplink),
      // A push in progress per task and one more (a refused or restarted one) decode next to W.
      pushBuffers: this.tasks.length + 1,
    });
    const dist = config.distributed;
    let version = 0;
    if (options.resume && options.checkpoints) version = this.resumeFrom(options.checkpoints);
    // With an F32 downlink the workers hold W itself: the mirror is W, not a copy kept in step with it.
    this.mirror = dist.downlink.encoding === 'f32' ? this.shared.tensors : this.shared.tensors.map((t) => t.slice());
    this.rounds = new Rounds(this.tasks, { mode: dist.mode, quorum: dist.quorum ?? this.tasks.length, staleness: dist.staleness, deadlineMs: dist.round_timeout_seconds * 1000 }, version);
    const shared = totalSize(this.spec.shared);
    this.chunkBytes = dist.chunk_bytes;
    this.slots = new GradientSlots(sizes, 2 * this.tasks.length + 2, this.shared.pushBuffers);
    this.allFinite = (values) => this.shared.allFinite(values);
    // The largest message in one piece is a task state: S_t, its support, the head and two optimizer
    // slots for each; a fixed allowance covers names and framing. In parts, a frame holds at most a
    // chunk of tensor payload (an encoded piece may pass it a little) and the pieces' names.
    // Parts are required once S_t and its optimizer slots and support pass the chunk size.
    const whole = 4 * 3 * shared + shared + 4 * 3 * 4096 * (this.spec.featureSize + 1) + (1 << 20);
    this.needsParts = 4 * 3 * shared + shared > this.chunkBytes;
    this.maxFrameBytes = this.needsParts ? 2 * this.chunkBytes + (1 << 20) + 1024 * 4 * this.spec.shared.length : whole;
    this.lapseTimer = setInterval(() => this.checkLapses(), Math.max(100, (dist.heartbeat_seconds * 1000) / 2));
    this.lapseTimer.unref();
    options.metrics?.sharedVersion.set(version);
    // Each reason's series exists from the start at 0: a labelled counter is otherwise absent from
    // /metrics until its first refusal, and increase() over the scrape that creates it sees nothing.
    for (const reason of PUSH_REFUSALS) options.metrics?.pushesRejected.inc({ reason }, 0);
    this.log(`coordinator: model ${this.spec.arch} (fingerprint ${this.fingerprint}), ${shared} shared parameters, tasks ${this.tasks.join(', ')}, ${dist.mode} rounds, version ${version} of ${this.totalRounds}`);
  }

  get version(): number {
    return this.rounds.version;
  }

  get sharedTensors(): readonly Float32Array[] {
    return this.shared.tensors;
  }

  /** The copy of W the workers hold (equal to W itself while the downlink sends F32). */
  get mirrorTensors(): readonly Float32Array[] {
    return this.mirror;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Whether the coordinator accepts workers (for /readyz). */
  get ready(): boolean {
    return !this.finished;
  }

  private log(line: string): void {
    this.options.log(line);
  }

  private resumeFrom(store: CheckpointStore<CoordinatorCheckpoint>): number {
    const loaded = store.loadNewest();
    if (!loaded) {
      this.log('coordinator: --resume given but no valid checkpoint found; starting from version 0');
      return 0;
    }
    const ck = loaded.state;
    if (ck.fingerprint !== this.fingerprint) {
      throw new Error(`checkpoint ${loaded.info.path} is for model ${ck.fingerprint}, but the run config describes model ${this.fingerprint}`);
    }
    this.shared.restore(ck.shared, ck.optimizer);
    for (const [task, encoded] of Object.entries(ck.tasks)) {
      if (this.tasks.includes(task)) this.taskStates.set(task, { encoded, state: wire.TaskState.decode(encoded) });
    }
    this.elapsedBefore = ck.elapsedSeconds;
    this.log(`coordinator: resumed from ${loaded.info.path} at version ${ck.version} (task states: ${[...this.taskStates.keys()].join(', ') || 'none'})`);
    return ck.version;
  }

  /** A new connection. */
  attach(peer: Peer): void {
    const session: Session = { peer, task: null, workerId: '', lastSeen: this.now(), closing: false, push: null, skipping: null, state: null };
    this.sessions.add(session);
    this.sessionOf.set(peer, session);
  }

  /** A connection closed. */
  detach(peer: Peer): void {
    const session = this.sessionOf.get(peer);
    if (!session) return;
    this.sessions.delete(session);
    this.dropPush(session);
    session.state = null;
    if (session.task && this.byTask.get(session.task) === session) {
      this.byTask.delete(session.task);
      this.rounds.leave(session.task);
      this.log(`coordinator: task ${session.task} disconnected`);
      this.updateWorkerGauge();
      this.maybeCloseRound();
    }
  }

  /** A frame arrived on a connection. Never throws: bad input is answered and counted. */
  receive(peer: Peer, frame: Uint8Array): void {
    const session = this.sessionOf.get(peer);
    if (!session) return;
    this.options.metrics?.bytesReceived.inc(frame.byteLength);
    if (session.closing || !this.sessions.has(session)) return;
    session.lastSeen = this.now();
    try {
      if (frame.byteLength > this.maxFrameBytes) throw new WireError(ErrorCode.OVERSIZED, `frame of ${frame.byteLength} bytes exceeds ${this.maxFrameBytes}`);
      const msg = decode(frame);
      count(this.traffic.received, msg.kind, frame.byteLength);
      if (msg.kind === 'hello') return this.onHello(session, msg.body);
      if (!session.task) throw new WireError(ErrorCode.NOT_JOINED, `"${msg.kind}" before hello`);
      switch (msg.kind) {
        case 'push':
          return this.onPush(session, msg.body);
        case 'taskState':
          return this.onTaskState(session, msg.body);
        case 'heartbeat':
          return;
        case 'bye':
          this.log(`coordinator: task ${session.task} says bye (${msg.body.reason ?? ''})`);
          return;
        default:
          throw new WireError(ErrorCode.UNKNOWN_TYPE, `a worker may not send "${msg.kind}"`);
      }
    } catch (err) {
      if (!(err instanceof WireError)) {
        this.log(`coordinator: internal error on a frame from ${session.task ?? 'a new connection'}: ${(err as Error).stack ?? err}`);
        this.reply(session, 'error', { code: ErrorCode.UNSPECIFIED, message: 'internal error' });
        return;
      }
      this.refuse(session, err);
    }
  }

  /** A frame the transport refused before decoding (a text frame): answered and counted like any bad
   *  input, under `reason`. */
  refuseFrame(peer: Peer, frameBytes: number, err: WireError, reason: string): void {
    const session = this.sessionOf.get(peer);
    if (!session) return;
    this.options.metrics?.bytesReceived.inc(frameBytes);
    if (session.closing || !this.sessions.has(session)) return;
    this.refuse(session, err, reason);
  }

  private refuse(session: Session, err: WireError, reasonLabel?: string): void {
    const reason = reasonLabel ?? (ErrorCode[err.code] ?? 'UNSPECIFIED').toLowerCase();
    const pushLevel = err.code === ErrorCode.SHAPE || err.code === ErrorCode.NON_FINITE || err.code === ErrorCode.STALE || err.code === ErrorCode.ROUND_CLOSED;
    if (pushLevel) this.options.metrics?.pushesRejected.inc({ reason });
    else this.options.metrics?.connectionsRejected.inc({ reason });
    this.log(`coordinator: refused ${session.task ? `task ${session.task}` : 'a connection'}: ${reason}: ${err.message}`);
    this.reply(session, 'error', { code: err.code, message: err.message });
    const fatal = [ErrorCode.UNAUTHORIZED, ErrorCode.PROTOCOL_VERSION, ErrorCode.FINGERPRINT, ErrorCode.UNKNOWN_TASK, ErrorCode.TASK_TAKEN, ErrorCode.OVERSIZED, ErrorCode.NOT_JOINED].includes(err.code);
    if (fatal) this.close(session, 1008, reason);
  }

  private close(session: Session, code: number, reason: string): void {
    session.closing = true;
    session.peer.close(code, reason);
  }

  private reply<K extends Parameters<typeof encode>[0]>(session: Session, kind: K, body: Parameters<typeof encode<K>>[1]): void {
    const frame = encode(kind, body);
    this.options.metrics?.bytesSent.inc(frame.byteLength);
    count(this.traffic.sent, kind, frame.byteLength);
    session.peer.send(frame);
  }

  private onHello(session: Session, hello: Hello): void {
    if (session.task) throw new WireError(ErrorCode.MALFORMED, 'a second hello on one connection');
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      throw new WireError(ErrorCode.PROTOCOL_VERSION, `protocol version ${hello.protocolVersion ?? 0} is not supported; this coordinator speaks version ${PROTOCOL_VERSION}`);
    }
    const task = hello.task ?? '';
    if (!this.tasks.includes(task)) throw new WireError(ErrorCode.UNKNOWN_TASK, `no task "${task}" in this run; tasks: ${this.tasks.join(', ')}`);
    if (session.peer.onlyTask !== undefined && session.peer.onlyTask !== task) {
      throw new WireError(ErrorCode.UNAUTHORIZED, `this connection's token is for task "${session.peer.onlyTask}", not "${task}"`);
    }
    if (hello.modelFingerprint && hello.modelFingerprint !== this.fingerprint) {
      throw new WireError(ErrorCode.FINGERPRINT, `the worker holds model ${hello.modelFingerprint}, the coordinator has model ${this.fingerprint} (${this.spec.arch}, input [${this.spec.inputShape.join(', ')}])`);
    }
    this.negotiate(hello);
    if (this.finished) throw new WireError(ErrorCode.UNSPECIFIED, 'training is over');
    const existing = this.byTask.get(task);
    if (existing && existing.workerId !== hello.workerId) {
      const lapseMs = this.config.distributed.heartbeat_seconds * 3000;
      if (this.now() - existing.lastSeen < lapseMs) {
        throw new WireError(ErrorCode.TASK_TAKEN, `task "${task}" has a live worker; try again once its heartbeat has lapsed (${lapseMs / 1000} s)`);
      }
      this.log(`coordinator: task ${task}: the previous worker's heartbeat lapsed; replacing it`);
    }
    if (existing) {
      this.byTask.delete(task);
      existing.task = null;
      this.close(existing, 1000, 'replaced');
    }
    session.task = task;
    session.workerId = hello.workerId ?? '';
    this.byTask.set(task, session);
    this.rounds.join(task, this.now());
    this.updateWorkerGauge();
    const state = this.taskStates.get(task);
    this.log(`coordinator: task ${task} joined at version ${this.version}${state ? ` (its state from step ${state.state.step} sent along)` : ''}`);
    const dist = this.config.distributed;
    // W and the task state ride in the welcome when they fit in one frame, else follow it in parts.
    const sharedParts = this.mirrorParts();
    const stateParts = state ? rawParts(state.state.tensors ?? [], this.chunkBytes) : [];
    const sharedFollows = sharedParts.length > 1;
    const taskStateFollows = stateParts.length > 1;
    this.reply(session, 'welcome', {
      protocolVersion: PROTOCOL_VERSION,
      modelFingerprint: this.fingerprint,
      configJson: JSON.stringify(this.config),
      version: this.version,
      shared: sharedFollows ? [] : this.mirrorMessage(),
      taskState: state && !taskStateFollows ? state.state : null,
      totalRounds: this.totalRounds,
      reportEvery: dist.report_every,
      heartbeatMs: Math.round(dist.heartbeat_seconds * 1000),
      mode: dist.mode,
      uplink: ENCODING_IDS[dist.uplink.encoding],
      downlink: ENCODING_IDS[dist.downlink.encoding],
      chunkBytes: this.chunkBytes,
      sharedFollows,
      taskStateFollows,
    });
    if (taskStateFollows) {
      stateParts.forEach((tensors, i) => this.reply(session, 'taskState', { ...state!.state, tensors, ...partFields(i, stateParts.length) }));
    }
    if (sharedFollows) this.sendParts([session], { version: this.version, done: false }, sharedParts);
    if (this.version >= this.totalRounds) this.reply(session, 'update', { version: this.version, shared: [], done: true });
  }

  /** Refuses a worker that cannot send or apply this run's encodings, or take its messages in parts. */
  private negotiate(hello: Hello): void {
    const dist = this.config.distributed;
    const offered = new Set<number>([Encoding.ENCODING_F32, ...(hello.encodings ?? [])]);
    for (const [direction, name] of [['uplink', dist.uplink.encoding], ['downlink', dist.downlink.encoding]] as const) {
      if (!offered.has(ENCODING_IDS[name])) {
        throw new WireError(ErrorCode.ENCODING, `this run's ${direction} encoding is ${name.toUpperCase()}, which the worker does not offer (it offers ${[...offered].map((e) => Encoding[e] ?? e).join(', ')})`);
      }
    }
    if (this.needsParts && !hello.parts) {
      throw new WireError(ErrorCode.ENCODING, `this run's tensors travel in parts (chunk size ${this.chunkBytes} bytes), which the worker does not take`);
    }
  }

  /** The mirror, in full (what joining workers and refused pushers start from). */
  private mirrorMessage(): TensorMessage[] {
    return this.spec.shared.map((t, i) => f32Tensor(t.name, t.shape, this.mirror[i]));
  }

  /** The mirror, in full, in parts. */
  private mirrorParts(): TensorMessage[][] {
    return rawParts(this.mirrorMessage(), this.chunkBytes);
  }

  /** An update whose tensors travel in `parts` (one frame when there is one part), to each session. */
  private sendParts(sessions: Iterable<Session>, update: ParamUpdate, parts: readonly TensorMessage[][]): void {
    const frames = parts.map((shared, i) => encode('update', { ...update, shared, ...partFields(i, parts.length) }));
    for (const session of sessions) {
      for (const frame of frames) {
        this.options.metrics?.bytesSent.inc(frame.byteLength);
        count(this.traffic.sent, 'update', frame.byteLength);
        session.peer.send(frame);
      }
    }
  }

  /** The full mirror as an update at the current version (for a refused pusher). */
  private sendMirror(session: Session): void {
    this.sendParts([session], { version: this.version, done: false }, this.mirrorParts());
  }

  /**
   * The update that brings the workers' copies to `version`: the full W when the downlink sends F32 or
   * the version is a multiple of dense_every, else W minus the mirror, encoded. The mirror takes exactly
   * the float32 additions each worker does with the decoded delta, so the copies stay equal to it.
   */
  private downlinkUpdate(version: number): { update: ParamUpdate; parts: TensorMessage[][] } {
    const downlink = this.config.distributed.downlink;
    const w = this.shared.tensors;
    if (downlink.encoding === 'f32' || version % downlink.dense_every === 0) {
      if (this.mirror !== w) this.mirror.forEach((m, i) => m.set(w[i]));
      return { update: { version }, parts: this.mirrorParts() };
    }
    // Each piece of the delta is encoded on its own, as the worker's pieces of a gradient are.
    const ranges = pieceRanges(this.spec.shared.map((t) => t.size), pieceEntries(this.chunkBytes));
    const pieces = ranges.map((r) => {
      const t = this.spec.shared[r.tensor];
      const m = this.mirror[r.tensor].subarray(r.offset, r.offset + r.count);
      const wi = w[r.tensor].subarray(r.offset, r.offset + r.count);
      const delta = new Float32Array(r.count);
      for (let j = 0; j < delta.length; j++) delta[j] = wi[j] - m[j];
      const { payload, sent } = encodeWithSent(delta, downlink.encoding, { topkFraction: downlink.topk_fraction, topkValues: downlink.topk_values });
      for (let j = 0; j < m.length; j++) m[j] += sent[j];
      return pieceMessage(r, t.name, t.shape, ENCODING_IDS[downlink.encoding], payload);
    });
    return { update: { version, delta: true }, parts: groupParts(pieces, this.chunkBytes) };
  }

  /** Gives back the slot of a push whose parts stopped coming. */
  private dropPush(session: Session): void {
    if (session.push) this.slots.release(session.push.slot);
    session.push = null;
  }

  private onPush(session: Session, push: GradientPush): void {
    const task = session.task!;
    if (push.task && push.task !== task) throw new WireError(ErrorCode.UNKNOWN_TASK, `this connection trains "${task}", not "${push.task}"`);
    const part = push.part ?? 0;
    const base = push.baseVersion ?? 0;
    if (part > 0 && session.skipping === base) {
      if (part + 1 >= (push.parts ?? 0)) session.skipping = null;
      return;
    }
    session.skipping = null;
    if (part === 0) {
      const earlier = session.push;
      this.dropPush(session);
      if (earlier) throw new WireError(ErrorCode.MALFORMED, `a new push began while part ${earlier.reader.waitingFor} of the push for version ${earlier.baseVersion} was missing; both dropped`);
      session.push = { reader: new PartReader(`push for version ${base}`, this.spec.shared), slot: this.slots.acquire(), baseVersion: base };
    } else if (!session.push) {
      throw new WireError(ErrorCode.MALFORMED, `push part ${part} for version ${base} without the parts before it`);
    }
    const pending = session.push!;
    let complete: boolean;
    try {
      if (base !== pending.baseVersion) throw new WireError(ErrorCode.MALFORMED, `push part ${part} is for version ${base}, its part 0 for ${pending.baseVersion}`);
      const accepted = pending.reader.accept(part, push.parts ?? 0, push.gradient ?? []);
      // Any value encoding (distributed.uplink), decoded into the slot as it arrives; what decodes is finite.
      for (const p of accepted.pieces) decodePieceInto(p.message, pending.slot[p.tensor].subarray(p.offset, p.offset + p.count), this.allFinite);
      complete = accepted.complete;
    } catch (err) {
      this.dropPush(session);
      if (part + 1 < (push.parts ?? 0)) session.skipping = base;
      throw err;
    }
    if (!complete) return;
    session.push = null;
    try {
      this.takePush(session, push, pending.slot);
    } catch (err) {
      this.slots.release(pending.slot);
      throw err;
    }
  }

  /** A complete push, decoded into `gradient`: offered to the open round. */
  private takePush(session: Session, push: GradientPush, gradient: Float32Array[]): void {
    const task = session.task!;
    const loss = push.loss ?? 0;
    if (!Number.isFinite(loss)) throw new WireError(ErrorCode.NON_FINITE, `loss is ${loss}`);
    if (this.finished || this.version >= this.totalRounds) throw new WireError(ErrorCode.ROUND_CLOSED, 'training is over');
    const base = push.baseVersion ?? 0;
    const weight = this.config.tasks.find((t) => t.name === task)!.weight;
    const offer = this.rounds.offer(task, base, { task, weight, gradient }, this.now());
    if (!offer.accepted) {
      this.slots.release(gradient);
      this.options.metrics?.pushesRejected.inc({ reason: offer.reason });
      this.log(`coordinator: refused a push of task ${task}: ${offer.detail}`);
      this.reply(session, 'error', { code: offer.reason === 'stale' ? ErrorCode.STALE : ErrorCode.ROUND_CLOSED, message: offer.detail });
      // Answered with the current weights so the worker can go on from them.
      this.sendMirror(session);
      return;
    }
    // Accepted pushes only (the metric's definition): a refused one's staleness says nothing of training.
    this.options.metrics?.pushStaleness.observe(offer.staleness);
    this.lastLoss.set(task, loss);
    this.options.metrics?.taskLoss.set({ task }, loss);
    this.options.metrics?.taskSamples.inc({ task }, push.samples ?? 0);
    this.maybeCloseRound();
  }

  private maybeCloseRound(): void {
    if (this.finished || this.finishing) return;
    const now = this.now();
    if (this.rounds.activeTasks.size === 0 && this.rounds.pendingTasks.length === 0) return;
    if (!this.rounds.ready(now)) {
      this.armDeadline(now);
      return;
    }
    const closing = this.rounds.version;
    const { contributions, stragglers, version } = this.rounds.close(now);
    this.shared.applyRound(contributions, lrScale(this.config.train.lr_schedule, closing, this.totalRounds));
    for (const c of contributions) this.slots.release(c.gradient);
    const m = this.options.metrics;
    const seconds = (now - this.roundStarted) / 1000;
    this.roundStarted = now;
    m?.roundsTotal.inc();
    this.traffic.rounds++;
    m?.roundDuration.observe(seconds);
    m?.sharedVersion.set(version);
    for (const t of stragglers) {
      m?.stragglers.inc({ task: t });
      this.log(`coordinator: round ${closing} closed without task ${t} (deadline)`);
    }
    this.emit('round', version, { tasks: contributions.map((c) => c.task), seconds, loss: Object.fromEntries(this.lastLoss) });
    if (version % this.config.distributed.checkpoint_every === 0) this.checkpoint();
    const { update, parts } = this.downlinkUpdate(version);
    const done = version >= this.totalRounds;
    this.sendParts(this.byTask.values(), { ...update, done }, parts);
    if (done) {
      this.startFinishing();
      return;
    }
    this.armDeadline(now);
  }

  private armDeadline(now: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    if (this.config.distributed.mode !== 'sync') return;
    const wait = this.rounds.msUntilDeadline(now);
    if (wait === null) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      this.maybeCloseRound();
    }, wait + 5);
    this.deadlineTimer.unref();
  }

  private broadcast<K extends Parameters<typeof encode>[0]>(kind: K, body: Parameters<typeof encode<K>>[1]): void {
    const frame = encode(kind, body);
    for (const session of this.byTask.values()) {
      this.options.metrics?.bytesSent.inc(frame.byteLength);
      count(this.traffic.sent, kind, frame.byteLength);
      session.peer.send(frame);
    }
  }

  private onTaskState(session: Session, part: TaskStateMessage): void {
    const task = session.task!;
    if (part.task && part.task !== task) throw new WireError(ErrorCode.UNKNOWN_TASK, `this connection trains "${task}", not "${part.task}"`);
    const index = part.part ?? 0;
    if (index === 0) {
      const earlier = session.state;
      session.state = new RawAssembler(`task state of ${task}`);
      if (earlier?.open) {
        session.state = null;
        throw new WireError(ErrorCode.MALFORMED, `a new task state began while part ${earlier.waitingFor} of the previous one was missing; both dropped`);
      }
    } else if (!session.state) {
      throw new WireError(ErrorCode.MALFORMED, `task state part ${index} without the parts before it`);
    }
    const pending = session.state!;
    try {
      if (!pending.accept(index, part.parts ?? 0, part.tensors ?? [])) return;
    } finally {
      if (!pending.open) session.state = null;
    }
    // The last part's fields (they repeat in every part) with the whole tensors.
    const state: TaskStateMessage = { ...part, tensors: pending.tensors, part: null, parts: null };
    this.validateTaskState(task, state);
    // Kept encoded, so checkpoints store it as it is and welcomes decode it back.
    const encoded = wire.TaskState.encode(state).finish();
    this.taskStates.set(task, { encoded, state: wire.TaskState.decode(encoded) });
    const m = this.options.metrics;
    m?.taskSparseDensity.set({ task }, state.density ?? 0);
    if (state.evaluation) m?.taskAccuracy.set({ task }, state.evaluation.accuracy ?? 0);
    if (state.final) {
      this.log(`coordinator: task ${task} final state: accuracy ${(state.evaluation?.accuracy ?? 0).toFixed(4)}, nnz ${state.nnz}`);
      if (this.finishing) this.maybeFinish();
    }
  }

  private validateTaskState(task: string, state: TaskStateMessage): void {
    const byName = new Map((state.tensors ?? []).map((t) => [t.name ?? '', t]));
    for (const t of this.spec.shared) {
      const s = byName.get(`sparse/${t.name}`);
      if (s) checkFinite(`sparse/${t.name}`, f32Values(s, t.shape));
    }
    const classes = this.headClasses(state);
    if (classes === null) throw new WireError(ErrorCode.SHAPE, `task ${task}: the state has no head`);
    for (const h of headSpec(this.spec, classes)) {
      const v = byName.get(h.name);
      if (!v) throw new WireError(ErrorCode.SHAPE, `task ${task}: the state lacks "${h.name}"`);
      checkFinite(h.name, f32Values(v, h.shape));
    }
  }

  private headClasses(state: TaskStateMessage): number | null {
    const bias = (state.tensors ?? []).find((t) => t.name === 'head/bias');
    return bias?.shape?.length === 1 ? bias.shape[0] : null;
  }

  private checkLapses(): void {
    const lapseMs = this.config.distributed.heartbeat_seconds * 3000;
    const now = this.now();
    for (const session of this.byTask.values()) {
      if (now - session.lastSeen > lapseMs) {
        this.log(`coordinator: task ${session.task}: no message for ${((now - session.lastSeen) / 1000).toFixed(1)} s; dropping its worker`);
        this.close(session, 1001, 'heartbeat lapsed');
        this.detach(session.peer);
      }
    }
  }

  private updateWorkerGauge(): void {
    this.options.metrics?.workersConnected.set(this.byTask.size);
  }

  /** Writes a checkpoint now (every N rounds, at the end, and on SIGTERM/SIGINT). */
  checkpoint(): void {
    const store = this.options.checkpoints;
    if (!store) return;
    const t0 = performance.now();
    try {
      const info = store.save(this.version, {
        fingerprint: this.fingerprint,
        version: this.version,
        shared: this.shared.tensors,
        optimizer: this.shared.optimizerState(),
        tasks: Object.fromEntries([...this.taskStates].map(([task, r]) => [task, r.encoded])),
        elapsedSeconds: this.elapsedSeconds(),
      });
      const seconds = (performance.now() - t0) / 1000;
      this.options.metrics?.checkpointDuration.observe(seconds);
      this.options.metrics?.checkpointLastSuccess.set(Date.now() / 1000);
      this.log(`coordinator: checkpoint ${info.path} (version ${this.version}, ${info.bytes} bytes, ${seconds.toFixed(2)} s)`);
    } catch (err) {
      this.log(`coordinator: checkpoint at version ${this.version} FAILED: ${(err as Error).message}`);
    }
  }

  private elapsedSeconds(): number {
    return this.elapsedBefore + (this.now() - this.started) / 1000;
  }

  private startFinishing(): void {
    this.finishing = true;
    this.log(`coordinator: training done at version ${this.version}; waiting for the final task states`);
    this.finalTimer = setTimeout(() => this.finish(), this.options.finalStateTimeoutMs ?? 120_000);
    this.finalTimer.unref();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    const missing = this.tasks.filter((t) => !this.taskStates.get(t)?.state.final);
    if (missing.length === 0) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.finalTimer) clearTimeout(this.finalTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.checkpoint();
    let result: RunResult | null = null;
    const missing = this.tasks.filter((t) => !this.taskStates.has(t));
    if (missing.length > 0) {
      this.log(`coordinator: no state was ever reported for ${missing.join(', ')}; no results written`);
    } else {
      try {
        const bundle = this.bundle();
        const accuracy = this.tasks.map((t) => this.taskStates.get(t)!.state.evaluation?.accuracy ?? 0);
        const summary = summarise(bundle, accuracy, this.tasks.map(() => null), this.elapsedSeconds());
        result = { ...summary.result, communication: this.communication() };
        if (this.options.outDir) {
          writeRunDirectory(this.options.outDir, { config: this.config, result, accounting: summary.accounting, bundle });
          this.log(`coordinator: run written to ${this.options.outDir}`);
        }
      } catch (err) {
        this.log(`coordinator: writing the results FAILED: ${(err as Error).message} (the last checkpoint holds W and every task state)`);
      }
    }
    this.broadcast('bye', { reason: 'training done' });
    this.emit('done', result);
  }

  /** The traffic so far, by message kind, and the round traffic (pushes in, updates out). */
  communication(): Communication {
    const { received, sent, rounds } = this.traffic;
    const roundBytes = (received.get('push') ?? 0) + (sent.get('update') ?? 0);
    const dist = this.config.distributed;
    return {
      uplink_encoding: dist.uplink.encoding,
      downlink_encoding: dist.downlink.encoding,
      rounds,
      round_bytes: roundBytes,
      round_bytes_per_round: rounds > 0 ? Math.round(roundBytes / rounds) : 0,
      bytes_received: Object.fromEntries(received),
      bytes_sent: Object.fromEntries(sent),
    };
  }

  /** The hybrid model as the coordinator holds it: W and each task's last reported S_t and head. */
  bundle(): Bundle {
    return {
      spec: this.spec,
      shared: this.shared.tensors.map((t) => t.slice()),
      tasks: this.tasks.map((name) => {
        const state = this.taskStates.get(name)!.state;
        const byName = new Map((state.tensors ?? []).map((t) => [t.name ?? '', t]));
        const classes = this.headClasses(state)!;
        return {
          name,
          classes,
          sparse: this.spec.shared.map((t) => {
            const s = byName.get(`sparse/${t.name}`);
            return s ? f32Values(s, t.shape).slice() : new Float32Array(t.size);
          }),
          head: headSpec(this.spec, classes).map((h) => f32Values(byName.get(h.name)!, h.shape).slice()),
        };
      }),
    };
  }

  /** After a resume at the last version: finish at once (results from the checkpointed task states),
   *  instead of serving nobody. Returns whether it did. */
  finishIfComplete(): boolean {
    if (this.finished || this.version < this.totalRounds) return false;
    this.finishing = true;
    this.finish();
    return true;
  }

  /** Stops timers; with `checkpoint`, saves the current state first (SIGTERM/SIGINT). */
  stop(checkpoint: boolean): void {
    if (checkpoint && !this.finished) this.checkpoint();
    for (const t of [this.deadlineTimer, this.finalTimer]) if (t) clearTimeout(t);
    if (this.lapseTimer) clearInterval(this.lapseTimer);
    for (const s of this.sessions) this.close(s, 1001, 'coordinator stopping');
  }
}

function count(totals: Map<string, number>, kind: string, bytes: number): void {
  totals.set(kind, (totals.get(kind) ?? 0) + bytes);
}
