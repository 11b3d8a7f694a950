// A task's worker: connects to the coordinator (reconnecting with exponential backoff and jitter), gets
// the run config in the welcome, loads its task's data, and trains: each round it computes g_t against
// the current W with its TaskTrainer, updates S_t and its head locally, and pushes g_t. It reports its
// task state every N rounds, when training is done, and when it is stopped.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { parseRunConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { TaskData } from '../data/dataset.js';
import { loadTaskData } from '../data/tasks.js';
import { buildModelSpec, modelFingerprint, type ModelSpec } from '../model/spec.js';
import { groupParts, partFields, pieceEntries, pieceMessage, pieceRanges, rawParts } from '../compression/tensor-stream.js';
import { RawAssembler, ValueAssembler, type DecodedTensor } from '../compression/stream-reader.js';
import { DEFAULT_CHUNK_BYTES } from '../config/schema.js';
import {
  decode,
  encode,
  ErrorCode,
  f32Tensor,
  PROTOCOL_VERSION,
  WireError,
  type Decoded,
  type MessageKind,
  type Messages,
  type ParamUpdate,
  type TaskStateMessage,
  type TensorMessage,
  type Welcome,
} from '../proto/codec.js';
import { ENCODING_IDS, encodeValues, encodeWithSent, encodingName, type EncodingName } from '../compression/encodings/index.js';
import { encodingForRound, ErrorFeedback } from '../compression/error-feedback.js';
import type { WorkerMetrics } from './metrics.js';
import { fromTaskStateMessage, toTaskStateMessage } from './task-state.js';
import { TaskTrainer, type Evaluation } from './trainer.js';

export interface WorkerOptions {
  /** ws:// or wss:// address of the coordinator. */
  url: string;
  task: string;
  token?: string;
  /** Extra trusted CA certificate(s) for wss://. */
  ca?: Buffer;
  log: (line: string) => void;
  metrics?: WorkerMetrics;
  /** First reconnect delay and its cap; each failed attempt doubles the delay, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** Give up when the coordinator stays unreachable this long (default 10 minutes). */
  giveUpAfterMs?: number;
}

export interface WorkerOutcome {
  task: string;
  evaluation: Evaluation | null;
  rounds: number;
}

/** Errors that no retry can fix. */
const FATAL = new Set<number>([ErrorCode.PROTOCOL_VERSION, ErrorCode.FINGERPRINT, ErrorCode.UNKNOWN_TASK, ErrorCode.UNAUTHORIZED]);

/** TLS certificate verification failures (OpenSSL's codes, and Node's for a name mismatch): no retry
 *  changes the certificate, so they end the worker instead of feeding the reconnect loop. */
const CERTIFICATE_ERRORS = new Set<string>([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class WorkerError extends Error {}

/** Events: 'round' (version, loss), 'joined' (version). */
export class Worker extends EventEmitter {
  readonly workerId = randomUUID();
  private socket: WebSocket | null = null;
  private config: RunConfig | null = null;
  private spec: ModelSpec | null = null;
  private fingerprint = '';
  private data: TaskData | null = null;
  private trainer: TaskTrainer | null = null;
  private version = 0;
  private totalRounds = 0;
  private reportEvery = 50;
  private lastPushed = -1;
  private heartbeat: NodeJS.Timeout | null = null;
  private attempt = 0;
  private unreachableSince: number | null = null;
  private finished = false;
  private stopping = false;
  private roundQueued = false;
  private evaluation: Evaluation | null = null;
  /** W as the coordinator last sent it (its mirror), kept here because deltas are added to it. */
  private copy: Float32Array[] | null = null;
  private copyVersion = -1;
  /** What the lossy uplink encoding has not sent yet (distributed.uplink.error_feedback), per piece. */
  private feedback: ErrorFeedback | null = null;
  /** What the welcome negotiated: the push encoding and the largest tensor payload of a frame. */
  private uplink: EncodingName = 'f32';
  private chunkBytes = DEFAULT_CHUNK_BYTES;
  /** Messages from the coordinator whose parts are arriving. */
  private incomingUpdate: ValueAssembler | null = null;
  private incomingState: RawAssembler | null = null;
  /** Between a welcome and the W / task state that follow it in parts. */
  private joining: { version: number; shared: DecodedTensor[] | null; state: TaskStateMessage | null; needShared: boolean; needState: boolean; settle: (ok: boolean) => void } | null =
    null;
  private settle: { resolve: (o: WorkerOutcome) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: WorkerOptions) {
    super();
  }

  private log(line: string): void {
    this.options.log(`worker ${this.options.task}: ${line}`);
  }

  /** This worker's copy of W (equal, bit for bit, to the coordinator's mirror of it) and its version. */
  get sharedCopy(): { version: number; tensors: readonly Float32Array[] } | null {
    return this.copy ? { version: this.copyVersion, tensors: this.copy } : null;
  }

  /** Trains until the coordinator says training is done; resolves with the task's final evaluation. */
  run(): Promise<WorkerOutcome> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.connect();
    });
  }

  private connect(): void {
    if (this.finished || this.stopping) return;
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    // Zero masking keys: masking guards browsers' scripts against poisoning proxy caches (RFC 6455
    // section 10.3); a worker sends gradients, not script-chosen bytes, and the pass over every byte,
    // on both ends, is what a big push costs most after the copy.
    const socket = new WebSocket(this.options.url, { headers, ca: this.options.ca, maxPayload: 0, perMessageDeflate: false, generateMask: (mask) => void mask.fill(0) });
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => {
      this.send('hello', {
        protocolVersion: PROTOCOL_VERSION,
        task: this.options.task,
        modelFingerprint: this.fingerprint,
        workerId: this.workerId,
        encodings: Object.values(ENCODING_IDS),
        parts: true,
      });
    });
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      socket.terminate();
      if (status === 401) this.fail(new WorkerError(`the coordinator at ${this.options.url} refused the token (HTTP 401): check --token-file / HYBRID_TOKEN`));
      else this.log(`the coordinator answered the upgrade with HTTP ${status}`);
    });
    socket.on('message', (data: Buffer) => this.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code && CERTIFICATE_ERRORS.has(err.code)) {
        this.fail(
          new WorkerError(
            `the TLS certificate of the coordinator at ${this.options.url} is not accepted: ${err.message} (${err.code}); trust the CA that issued it with --ca, or give the coordinator a valid certificate for this address`,
          ),
        );
        return;
      }
      if (this.unreachableSince === null) this.log(`connection error: ${err.message}`);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.incomingUpdate = null;
      this.incomingState = null;
      this.joining?.settle(false);
      this.joining = null;
      this.stopHeartbeat();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.finished || this.stopping) return;
    const now = Date.now();
    if (this.unreachableSince === null) this.unreachableSince = now;
    const giveUp = this.options.giveUpAfterMs ?? 600_000;
    if (now - this.unreachableSince > giveUp) {
      this.fail(new WorkerError(`the coordinator at ${this.options.url} has been unreachable for ${Math.round(giveUp / 1000)} s; giving up`));
      return;
    }
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    const ceiling = Math.min(maxMs, initialMs * 2 ** this.attempt);
    // "Equal jitter": half the ceiling plus a random half, so workers restarted together spread out.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    if (this.attempt === 1 || this.attempt % 10 === 0) this.log(`coordinator unreachable; reconnecting (attempt ${this.attempt}, next in ${Math.round(delay)} ms)`);
    setTimeout(() => this.connect(), delay);
  }

  /** Whether the frame went out (not when the connection is closing or gone). */
  private send<K extends MessageKind>(kind: K, body: Messages[K]): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(encode(kind, body));
    return true;
  }

  private onFrame(frame: Uint8Array): void {
    let msg: Decoded;
    try {
      msg = decode(frame);
    } catch (err) {
      this.log(`ignoring a frame from the coordinator: ${(err as Error).message}`);
      return;
    }
    switch (msg.kind) {
      case 'welcome':
        void this.onWelcome(msg.body).catch((err: Error) => this.fail(err));
        return;
      case 'update':
        return this.receiveUpdate(msg.body);
      case 'taskState':
        return this.receiveState(msg.body);
      case 'error': {
        const code = msg.body.code ?? 0;
        this.log(`coordinator says ${ErrorCode[code] ?? code}: ${msg.body.message ?? ''}`);
        if (FATAL.has(code)) this.fail(new WorkerError(`the coordinator refused this worker: ${msg.body.message ?? ErrorCode[code]}`));
        return;
      }
      case 'bye':
        this.log(`coordinator says bye: ${msg.body.reason ?? ''}`);
        if (this.evaluation) this.complete();
        return;
      case 'heartbeat':
        return;
      default:
        this.log(`ignoring an unexpected "${msg.kind}" from the coordinator`);
    }
  }

  /** Collects an update's parts; a complete one is applied, or kept for the welcome it follows. */
  private receiveUpdate(part: ParamUpdate): void {
    const index = part.part ?? 0;
    if (index === 0) this.incomingUpdate = new ValueAssembler(`update to version ${part.version ?? 0}`);
    const pending = this.incomingUpdate;
    if (!pending) {
      this.log(`ignoring part ${index} of an update to version ${part.version ?? 0} whose start was ignored`);
      return;
    }
    try {
      if (!pending.accept(index, part.parts ?? 0, part.shared ?? [])) return;
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.incomingUpdate = null;
      this.log(`ignoring an update to version ${part.version ?? 0}: ${err.message}`);
      return;
    }
    this.incomingUpdate = null;
    const update: ParamUpdate = { version: part.version ?? 0, delta: part.delta ?? false, done: part.done ?? false };
    const joining = this.joining;
    if (joining?.needShared && !joining.shared && !update.delta && update.version === joining.version) {
      joining.shared = pending.tensors;
      this.checkJoined();
      return;
    }
    this.onUpdate(update, pending.tensors);
  }

  /** Collects the parts of the task state that follows a welcome. */
  private receiveState(part: TaskStateMessage): void {
    const index = part.part ?? 0;
    if (index === 0) this.incomingState = new RawAssembler('task state');
    const pending = this.incomingState;
    if (!pending || !this.joining?.needState) {
      this.log('ignoring a task state the coordinator sent outside a welcome');
      return;
    }
    try {
      if (!pending.accept(index, part.parts ?? 0, part.tensors ?? [])) return;
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.incomingState = null;
      this.log(`ignoring the task state that followed the welcome: ${err.message}; reconnecting`);
      this.socket?.close(1000, 'resynchronise');
      return;
    }
    this.incomingState = null;
    this.joining.state = { ...part, tensors: pending.tensors, part: null, parts: null };
    this.checkJoined();
  }

  private checkJoined(): void {
    const j = this.joining;
    if (j && (!j.needShared || j.shared) && (!j.needState || j.state)) j.settle(true);
  }

  /** What follows the welcome (W, the task state), once it has arrived; null when the connection closed first. */
  private following(welcome: Welcome): Promise<{ shared: DecodedTensor[] | null; state: TaskStateMessage | null } | null> {
    return new Promise((resolve) => {
      const joining = {
        version: welcome.version ?? 0,
        shared: null,
        state: null,
        needShared: welcome.sharedFollows ?? false,
        needState: welcome.taskStateFollows ?? false,
        settle: (ok: boolean) => {
          if (this.joining === joining) this.joining = null;
          resolve(ok ? { shared: joining.shared, state: joining.state } : null);
        },
      };
      this.joining = joining;
      this.checkJoined();
    });
  }

  private async onWelcome(welcome: Welcome): Promise<void> {
    // Before any await: the parts that follow the welcome may arrive while the data loads.
    const following = this.following(welcome);
    this.uplink = encodingName(welcome.uplink) ?? 'f32';
    this.chunkBytes = welcome.chunkBytes || DEFAULT_CHUNK_BYTES;
    this.attempt = 0;
    this.unreachableSince = null;
    // Heartbeats from the welcome on: loading the data can take longer than the lapse, and a worker
    // that is silent meanwhile would be dropped before it ever trains.
    this.startHeartbeat(welcome.heartbeatMs || 2000);
    // A new connection: a push sent on the old one may never have arrived, and a restarted coordinator
    // goes on from its checkpoint, behind what this worker pushed. The welcome's version is trainable
    // again; should the push be there after all, the coordinator refuses the duplicate.
    this.lastPushed = -1;
    if (!this.config) {
      const config = parseRunConfig(JSON.parse(welcome.configJson ?? '{}'), `run config from ${this.options.url}`);
      const taskConfig = config.tasks.find((t) => t.name === this.options.task);
      if (!taskConfig) throw new WorkerError(`the run has no task "${this.options.task}"`);
      this.log(`loading data (${taskConfig.dataset.source})`);
      const data = await loadTaskData(taskConfig, config.seed);
      const spec = buildModelSpec(config.model, data.inputShape);
      const fingerprint = modelFingerprint(spec);
      if (fingerprint !== welcome.modelFingerprint) {
        throw new WorkerError(
          `model mismatch: this worker's data (input [${data.inputShape.join(', ')}]) gives model ${fingerprint}, the coordinator has model ${welcome.modelFingerprint}`,
        );
      }
      this.config = config;
      this.data = data;
      this.spec = spec;
      this.fingerprint = fingerprint;
      this.trainer = new TaskTrainer({ spec, data, weight: taskConfig.weight, train: config.train, sparsity: config.sparsity, seed: config.seed });
      const rest = await following;
      if (!rest) return;
      const taskState = welcome.taskState ?? rest.state;
      if (taskState) {
        const optimizer = (config.train.task_optimizer ?? config.train.optimizer).type;
        this.trainer.importState(fromTaskStateMessage(taskState, spec, data.classes, optimizer, true));
        this.log(`took over the task state of step ${taskState.step}`);
      }
    } else if (welcome.modelFingerprint !== this.fingerprint) {
      throw new WorkerError(`the coordinator now has model ${welcome.modelFingerprint}, this worker trains ${this.fingerprint}`);
    }
    const rest = await following;
    if (!rest) return;
    this.totalRounds = welcome.totalRounds ?? 0;
    this.reportEvery = welcome.reportEvery || 50;
    this.log(`joined at version ${welcome.version} of ${this.totalRounds}`);
    this.emit('joined', welcome.version ?? 0);
    const shared = rest.shared ?? this.decodeWhole(welcome.shared ?? [], `the welcome's W`);
    if (shared) this.adopt({ version: welcome.version, done: false }, shared);
  }

  /** Whole tensors of one frame, decoded; null (logged) when they do not decode. */
  private decodeWhole(tensors: readonly TensorMessage[], what: string): DecodedTensor[] | null {
    const values = new ValueAssembler(what);
    try {
      values.accept(0, 0, tensors);
      return values.tensors;
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.log(`ignoring ${what}: ${err.message}`);
      return null;
    }
  }

  private onUpdate(update: ParamUpdate, tensors: DecodedTensor[]): void {
    if (!this.trainer) return;
    if (update.done) {
      // The final W only completes the copy: the evaluation uses the W the last round trained against,
      // as single-process training does.
      if (tensors.length > 0) this.updateCopy(update, tensors);
      this.finish();
      return;
    }
    this.adopt(update, tensors);
  }

  /** Takes new shared weights and queues the round they start. */
  private adopt(update: ParamUpdate, tensors: DecodedTensor[]): void {
    const shared = this.updateCopy(update, tensors);
    if (!shared) return;
    this.trainer!.setShared(shared);
    this.version = update.version ?? 0;
    if (this.version >= this.totalRounds) {
      // Training ended, e.g. while this worker was loading its data after a late (re)join, when the
      // coordinator's "done" update was dropped: evaluate and send the final state, which it waits for.
      this.finish();
      return;
    }
    if (!this.roundQueued) {
      this.roundQueued = true;
      // Let pending frames (a newer update, a bye) in before the round blocks the event loop.
      setImmediate(() => {
        this.roundQueued = false;
        this.trainRound();
      });
    }
  }

  /**
   * Applies an update to the copy of W: a full W replaces it, a delta is added entry by entry in float32
   * (the coordinator's mirror does the same additions). Returns the W to train against (not sharing
   * memory with the copy, which later deltas change), or null when the update cannot be applied.
   */
  private updateCopy(update: ParamUpdate, tensors: readonly DecodedTensor[]): Float32Array[] | null {
    const spec = this.spec!;
    const version = update.version ?? 0;
    if (tensors.length !== spec.shared.length) {
      this.log(`ignoring an update with ${tensors.length} tensors (the model has ${spec.shared.length})`);
      return null;
    }
    const wrong = spec.shared.findIndex((t, i) => tensors[i].name !== t.name || tensors[i].shape.length !== t.shape.length || tensors[i].shape.some((d, k) => d !== t.shape[k]));
    if (wrong >= 0) {
      const t = tensors[wrong];
      this.log(`ignoring an update to version ${version}: tensor ${wrong} is "${t.name}" [${t.shape.join(', ')}], the model's is "${spec.shared[wrong].name}" [${spec.shared[wrong].shape.join(', ')}]`);
      return null;
    }
    const values = tensors.map((t) => t.values);
    if (!update.delta) {
      this.copy = values.map((v) => v.slice());
      this.copyVersion = version;
      return values;
    }
    if (!this.copy || this.copyVersion + 1 !== version) {
      // A delta against a copy this worker does not hold: rejoin, and the welcome brings the full W.
      this.log(`a delta to version ${version} does not follow this worker's copy (version ${this.copyVersion}); reconnecting`);
      this.socket?.close(1000, 'resynchronise');
      return null;
    }
    this.copy.forEach((c, i) => {
      const d = values[i];
      for (let j = 0; j < c.length; j++) c[j] += d[j];
    });
    this.copyVersion = version;
    return this.copy.map((c) => c.slice());
  }

  /**
   * The gradient of a push, in parts: each tensor cut into pieces of at most the chunk size, each piece
   * in the negotiated uplink encoding on its own (through error feedback when on), the pieces grouped
   * into frames. One part, of whole tensors, when everything fits.
   */
  private gradientParts(version: number, gradient: readonly Float32Array[]): TensorMessage[][] {
    const spec = this.spec!;
    if (this.uplink === 'f32') return rawParts(spec.shared.map((t, i) => f32Tensor(t.name, t.shape, gradient[i])), this.chunkBytes);
    const uplink = this.config!.distributed.uplink;
    const encoding: EncodingName = encodingForRound(version, uplink.warmup_rounds, this.uplink);
    const options = { topkFraction: uplink.topk_fraction, topkValues: uplink.topk_values };
    const ranges = pieceRanges(spec.shared.map((t) => t.size), pieceEntries(this.chunkBytes));
    const views = ranges.map((r) => gradient[r.tensor].subarray(r.offset, r.offset + r.count));
    let payloads: Uint8Array[];
    if (uplink.error_feedback) {
      // The residual is kept per piece; a coordinator with another chunk size cuts other pieces.
      if (this.feedback?.pieces !== ranges.length) this.feedback = new ErrorFeedback(ranges.map((r) => r.count), { momentum: uplink.momentum_correction });
      payloads = this.feedback.compress(views, (v) => encodeWithSent(v, encoding, options));
    } else {
      payloads = views.map((v) => encodeValues(v, encoding, options));
    }
    const pieces = ranges.map((r, i) => pieceMessage(r, spec.shared[r.tensor].name, spec.shared[r.tensor].shape, ENCODING_IDS[encoding], payloads[i]));
    return groupParts(pieces, this.chunkBytes);
  }

  private trainRound(): void {
    const trainer = this.trainer!;
    const spec = this.spec!;
    const version = this.version;
    if (this.finished || version <= this.lastPushed || version >= this.totalRounds || !this.socket) return;
    const t0 = performance.now();
    const r = trainer.round(version);
    const seconds = (performance.now() - t0) / 1000;
    this.options.metrics?.stepDuration.observe({ task: this.options.task }, seconds);
    this.options.metrics?.samples.inc({ task: this.options.task }, r.samples);
    const parts = this.gradientParts(version, r.gradient);
    let sent = true;
    parts.forEach((gradient, i) => {
      sent = this.send('push', { task: this.options.task, baseVersion: version, gradient, loss: r.loss, samples: r.samples, ...partFields(i, parts.length) }) && sent;
    });
    // Unsent (the connection closed during the round): the next welcome's version is trained again.
    if (sent) this.lastPushed = version;
    this.emit('round', version, r.loss);
    if ((version + 1) % this.reportEvery === 0) this.report({});
  }

  private report(extra: { evaluation?: Evaluation; final?: boolean }): void {
    const trainer = this.trainer!;
    const state = toTaskStateMessage(this.options.task, this.spec!, trainer.classes, trainer.exportState(), extra);
    const parts = rawParts(state.tensors ?? [], this.chunkBytes);
    parts.forEach((tensors, i) => this.send('taskState', { ...state, tensors, ...partFields(i, parts.length) }));
  }

  /** Training is done: evaluate on the held-out split and send the final state. */
  private finish(): void {
    if (this.evaluation) return;
    this.trainer!.finalizeSparsity();
    const evaluation = this.trainer!.evaluate();
    this.evaluation = evaluation;
    this.log(`done: held-out accuracy ${evaluation.accuracy.toFixed(4)} (${evaluation.samples} examples)`);
    this.report({ evaluation, final: true });
    this.send('bye', { reason: 'done' });
    // The coordinator answers with bye once every task is in; don't wait on it forever.
    setTimeout(() => this.complete(), 30_000).unref();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopHeartbeat();
    this.socket?.close(1000, 'done');
    this.settle?.resolve({ task: this.options.task, evaluation: this.evaluation, rounds: this.trainer?.step ?? 0 });
    this.dispose();
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.stopHeartbeat();
    this.socket?.terminate();
    this.settle?.reject(err);
    this.dispose();
  }

  /** SIGTERM/SIGINT: report the task state, say bye and close. */
  async stop(): Promise<void> {
    if (this.finished || this.stopping) return;
    this.stopping = true;
    if (this.trainer && this.socket?.readyState === WebSocket.OPEN) {
      this.report({});
      this.send('bye', { reason: 'stopping' });
      await new Promise<void>((resolve) => {
        const s = this.socket!;
        s.once('close', () => resolve());
        s.close(1001, 'worker stopping');
        setTimeout(resolve, 2000).unref();
      });
    }
    this.finished = true;
    this.stopHeartbeat();
    this.settle?.resolve({ task: this.options.task, evaluation: null, rounds: this.trainer?.step ?? 0 });
    this.dispose();
  }

  private startHeartbeat(ms: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.send('heartbeat', { timeMs: Date.now(), version: this.version }), ms);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }
}
